// Package mailtest runs a real SMTP server on loopback for tests. It offers
// STARTTLS or TLS from the first byte with a certificate made at start, and
// logins with PLAIN, LOGIN or CRAM-MD5. It records every message it accepts
// and can be scripted to reply to a command with an error.
package mailtest

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configure a Server. The zero value is a plain server on a free
// loopback port that offers no authentication.
type Options struct {
	// Addr is the address to listen on. Empty means 127.0.0.1 on a free
	// port.
	Addr string
	// StartTLS offers STARTTLS with the certificate of CertPEM.
	StartTLS bool
	// ImplicitTLS speaks TLS from the first byte, as on port 465.
	ImplicitTLS bool
	// Mechanisms lists the SASL mechanisms offered: "PLAIN", "LOGIN" and
	// "CRAM-MD5". With none, the server offers no AUTH and accepts mail
	// from anyone; with some, it accepts mail only after a login as User
	// with Password.
	Mechanisms []string
	User       string
	Password   string
	// AllowInsecureAuth offers AUTH on a connection without TLS.
	AllowInsecureAuth bool
}

// Stage is the SMTP command a scripted reply is for.
type Stage string

// Stages that can be scripted.
const (
	StageAuth Stage = "AUTH"
	StageMail Stage = "MAIL"
	StageRcpt Stage = "RCPT"
	// StageData is the reply to the end of the message data.
	StageData Stage = "DATA"
)

// Message is one mail transaction the server accepted.
type Message struct {
	// From is the envelope sender (MAIL FROM), and To lists the envelope
	// recipients (RCPT TO).
	From string
	To   []string
	// Data is the message as received: headers, blank line, body, with
	// CRLF line ends.
	Data []byte
	// TLS reports whether the message came over an encrypted connection.
	TLS bool
	// AuthMechanism and AuthUser are set when the client logged in.
	AuthMechanism string
	AuthUser      string
}

// Server is a running SMTP server.
type Server struct {
	// Addr is the host:port the server listens on, and Host and Port are
	// its parts.
	Addr string
	Host string
	Port int

	opts Options
	smtp *smtp.Server

	mu       sync.Mutex
	messages []Message
	script   map[Stage][]*smtp.SMTPError
	counts   map[Stage]int
	// authReply, when set, is the reply to every AUTH exchange.
	authReply *smtp.SMTPError
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Listen runs a server until Close. Unlike Start, it may be called from
// any goroutine.
func Listen(opts Options) (*Server, error) {
	s := &Server{
		opts:   opts,
		script: map[Stage][]*smtp.SMTPError{},
		counts: map[Stage]int{},
	}
	s.smtp = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.smtp.Domain = "mailtest.localhost"
	s.smtp.AllowInsecureAuth = opts.AllowInsecureAuth
	s.smtp.ReadTimeout = 10 * time.Second
	s.smtp.WriteTimeout = 10 * time.Second
	s.smtp.ErrorLog = log.New(io.Discard, "", 0)

	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var l net.Listener
	var err error
	switch {
	case opts.ImplicitTLS:
		l, err = tls.Listen("tcp", addr, serverTLSConfig())
	default:
		l, err = net.Listen("tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	if opts.StartTLS {
		s.smtp.TLSConfig = serverTLSConfig()
	}

	s.Addr = l.Addr().String()
	host, port, _ := net.SplitHostPort(s.Addr)
	s.Host = host
	s.Port, _ = strconv.Atoi(port)
	go func() { _ = s.smtp.Serve(l) }()
	return s, nil
}

// Close stops the server and closes its connections.
func (s *Server) Close() { _ = s.smtp.Close() }

// UnusedAddr returns a loopback address that nothing listens on: it listens
// on a free port and closes it again. Another program could take the port
// before the test does, which is unlikely within a test's time.
func UnusedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// Reply queues one reply for the next time a client reaches stage, in
// place of the usual acceptance. Replies queued for a stage are used in
// order, once each.
func (s *Server) Reply(stage Stage, code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script[stage] = append(s.script[stage], smtpError(code, text))
}

// RejectAuth replies to every login with code and text, whatever the
// credentials.
func (s *Server) RejectAuth(code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authReply = smtpError(code, text)
}

// smtpError is a reply of code and text as written, with no enhanced
// status code added: text may start with its own, such as "5.7.1".
func smtpError(code int, text string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.NoEnhancedCode, Message: text}
}

// Count returns how many times clients reached stage, whether the server
// accepted or refused it.
func (s *Server) Count(stage Stage) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[stage]
}

// Messages returns every accepted transaction in the order received.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Mailbox returns the messages delivered to addr: one per transaction that
// named addr in a RCPT TO command.
func (s *Server) Mailbox(addr string) []Message {
	var box []Message
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				box = append(box, m)
			}
		}
	}
	return box
}

// WaitMessages waits until the server has accepted n transactions, for at
// most timeout, and returns them. It fails the test on timeout.
func (s *Server) WaitMessages(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := s.Messages()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("SMTP server received %d messages in %v, want %d", len(got), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// scripted counts a client reaching stage and returns the reply queued
// for it, or nil to accept.
func (s *Server) scripted(stage Stage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[stage]++
	queue := s.script[stage]
	if len(queue) == 0 {
		return nil
	}
	s.script[stage] = queue[1:]
	return queue[0]
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{server: s, tls: isTLS}, nil
}

// session is one client connection, from greeting or STARTTLS to QUIT.
type session struct {
	server   *Server
	tls      bool
	mech     string
	user     string
	loggedIn bool
	msg      Message
}

var (
	_ smtp.Session     = (*session)(nil)
	_ smtp.AuthSession = (*session)(nil)
)

// AuthMechanisms implements smtp.AuthSession.
func (ss *session) AuthMechanisms() []string { return ss.server.opts.Mechanisms }

// Auth implements smtp.AuthSession.
func (ss *session) Auth(mech string) (sasl.Server, error) {
	if err := ss.server.scripted(StageAuth); err != nil {
		return nil, err
	}
	opts := ss.server.opts
	// accept ends the exchange: ok reports whether the client proved it
	// has the password of User.
	accept := func(user string, ok bool) error {
		ss.server.mu.Lock()
		reply := ss.server.authReply
		ss.server.mu.Unlock()
		if reply != nil {
			return reply
		}
		if !ok || user != opts.User {
			return smtp.ErrAuthFailed
		}
		ss.mech, ss.user, ss.loggedIn = strings.ToUpper(mech), user, true
		return nil
	}
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, password string) error {
			return accept(user, password == opts.Password)
		}), nil
	case sasl.Login:
		return &loginServer{check: func(user, password string) error {
			return accept(user, password == opts.Password)
		}}, nil
	case cramMD5:
		return newCRAMMD5Server(ss.server.smtp.Domain, opts.Password, accept), nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// Mail implements smtp.Session.
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if len(ss.server.opts.Mechanisms) > 0 && !ss.loggedIn {
		return smtp.ErrAuthRequired
	}
	if err := ss.server.scripted(StageMail); err != nil {
		return err
	}
	ss.msg = Message{From: from, TLS: ss.tls, AuthMechanism: ss.mech, AuthUser: ss.user}
	return nil
}

// Rcpt implements smtp.Session.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.server.scripted(StageRcpt); err != nil {
		return err
	}
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

// Data implements smtp.Session.
func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.server.scripted(StageData); err != nil {
		return err
	}
	ss.msg.Data = data
	ss.server.mu.Lock()
	ss.server.messages = append(ss.server.messages, ss.msg)
	ss.server.mu.Unlock()
	return nil
}

// Reset implements smtp.Session.
func (ss *session) Reset() { ss.msg = Message{} }

// Logout implements smtp.Session.
func (ss *session) Logout() error { return nil }

// loginServer is the server side of the LOGIN mechanism, which go-sasl
// offers only as a client: it requests the user name, then the password.
type loginServer struct {
	check func(user, password string) error
	step  int
	user  string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if len(response) > 0 {
			// The user name came as an initial response.
			l.user = string(response)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(response)
		return []byte("Password:"), false, nil
	case 3:
		return nil, true, l.check(l.user, string(response))
	}
	return nil, false, errors.New("unexpected LOGIN response")
}
