package mailtest

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// cramMD5 is the SASL name of CRAM-MD5 (RFC 2195), which go-sasl does not
// implement.
const cramMD5 = "CRAM-MD5"

// cramMD5Server sends a challenge and expects "user hex(HMAC-MD5(password,
// challenge))" back.
type cramMD5Server struct {
	challenge string
	password  string
	accept    func(user string, ok bool) error
	sent      bool
}

func newCRAMMD5Server(domain, password string, accept func(user string, ok bool) error) *cramMD5Server {
	return &cramMD5Server{
		challenge: fmt.Sprintf("<%s@%s>", rand.Text(), domain),
		password:  password,
		accept:    accept,
	}
}

func (c *cramMD5Server) Next(response []byte) ([]byte, bool, error) {
	if !c.sent {
		c.sent = true
		return []byte(c.challenge), false, nil
	}
	user, digest, found := strings.Cut(string(response), " ")
	if !found {
		return nil, false, errors.New("malformed CRAM-MD5 response")
	}
	mac := hmac.New(md5.New, []byte(c.password))
	mac.Write([]byte(c.challenge))
	want := hex.EncodeToString(mac.Sum(nil))
	return nil, true, c.accept(user, hmac.Equal([]byte(digest), []byte(want)))
}
