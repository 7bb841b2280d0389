package mail

import (
	"cmp"
	"context"
	"crypto/tls"
	"encoding/base64"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// send delivers msg over one new connection: connect, greeting, EHLO,
// STARTTLS, AUTH, then go-mail's transaction (MAIL FROM, RCPT TO per
// recipient, DATA). Each step runs here rather than in go-mail's
// DialAndSend, so that a failure is known by its step and ctx can end the
// connection at any point.
func (n *Notifier) send(ctx context.Context, msg *gomail.Msg) *Error {
	conn, err := n.connect(ctx)
	if err != nil {
		return n.fail(ctx, "", err)
	}
	// Closing the connection is what makes a blocked read or write return
	// when ctx ends.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer conn.Close()

	client, err := smtp.NewClient(conn, n.cfg.Host)
	if err != nil {
		return n.fail(ctx, "", err)
	}
	if err := client.Hello(n.helo); err != nil {
		return n.fail(ctx, "EHLO", err)
	}
	if n.cfg.TLS == TLSStartTLS {
		if ok, _ := client.Extension("STARTTLS"); !ok {
			return n.failKind(KindNoStartTLS, false)
		}
		if err := client.StartTLS(n.tls); err != nil {
			return n.fail(ctx, "STARTTLS", err)
		}
	}
	if err := n.authenticate(ctx, client); err != nil {
		return err
	}

	// No RSET after the message: QUIT follows at once.
	sender, err := gomail.NewClient(n.cfg.Host, gomail.WithPort(n.cfg.Port), gomail.WithTimeout(n.timeout),
		gomail.WithoutRset())
	if err != nil {
		return n.fail(ctx, "", err)
	}
	// The message is delivered once the server accepted its data. A
	// failure after that, or of QUIT, is not reported, because a retry
	// would send the mail again.
	if err := sender.SendWithSMTPClient(client, msg); err != nil && !msg.IsDelivered() {
		return n.fail(ctx, "", err)
	}
	_ = client.Quit()
	return nil
}

// connect opens the TCP connection, and for TLSImplicit completes the TLS
// handshake on it. The per-exchange timeout applies from here.
func (n *Notifier) connect(ctx context.Context) (net.Conn, error) {
	dialCtx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	conn, err := n.dial(dialCtx, "tcp", n.server)
	if err != nil {
		return nil, err
	}
	if err := conn.SetDeadline(time.Now().Add(n.timeout)); err != nil {
		_ = conn.Close()
		return nil, err
	}
	if n.cfg.TLS != TLSImplicit {
		return conn, nil
	}
	tlsConn := tls.Client(conn, n.tls)
	if err := tlsConn.HandshakeContext(dialCtx); err != nil {
		_ = conn.Close()
		return nil, handshakeError{err}
	}
	return tlsConn, nil
}

// authenticate logs in with the configured mechanism, after checking that
// the server offers it.
func (n *Notifier) authenticate(ctx context.Context, client *smtp.Client) *Error {
	if n.cfg.Auth == AuthNone {
		return nil
	}
	ok, offered := client.Extension("AUTH")
	if !ok {
		return n.failKind(KindNoAuth, false)
	}
	mechanism := strings.ToUpper(string(n.cfg.Auth))
	if !slices.Contains(strings.Fields(strings.ToUpper(offered)), mechanism) {
		e := n.failKind(KindAuthUnsupported, false)
		e.Auth = mechanism
		e.Offered = headerText(offered)
		return e
	}
	if err := client.Auth(n.newAuth()); err != nil {
		e := n.fail(ctx, "AUTH", err)
		switch e.Kind {
		case KindRejected:
			e.Kind = KindAuthFailed
		case KindFailed:
			// The exchange went wrong without a reply code, such as an
			// unexpected challenge. Trying the password again would
			// repeat it.
			e.Kind, e.Retry = KindAuthFailed, false
		}
		return e
	}
	return nil
}

// authFor returns the SASL client factory for cfg's mechanism, which holds
// the password, and the forms of the password to remove from error text.
func authFor(cfg Config) (func() smtp.Auth, []string) {
	user, password, host := cfg.User, cfg.Password, cfg.Host
	var newAuth func() smtp.Auth
	switch cfg.Auth {
	case AuthPlain:
		// TLS is required by validate, so go-mail's own check that the
		// connection is encrypted stays on.
		newAuth = func() smtp.Auth { return smtp.PlainAuth("", user, password, host, false) }
	case AuthLogin:
		newAuth = func() smtp.Auth { return smtp.LoginAuth(user, password, host, false) }
	case AuthCRAMMD5:
		newAuth = func() smtp.Auth { return smtp.CRAMMD5Auth(user, password) }
	}
	if password == "" {
		return newAuth, nil
	}

	secrets := []string{
		password,
		strings.Trim(strconv.Quote(password), `"`),
		base64.StdEncoding.EncodeToString([]byte(password)),
		base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password)),
	}
	slices.SortFunc(secrets, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	return newAuth, slices.Compact(secrets)
}

// redact replaces every form of the password in text with "[redacted]".
func (n *Notifier) redact(text string) string {
	for _, secret := range n.secrets {
		text = strings.ReplaceAll(text, secret, redacted)
	}
	return text
}
