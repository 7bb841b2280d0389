package mail

import (
	"net"
	"strconv"
	"strings"

	"rigtop/locale"
)

// ConfigError is an invalid or missing mail setting. Its text names the key
// under [mail] and the form expected, in the language of the Printer given
// to New.
type ConfigError struct {
	// Key is the setting's key under [mail], such as "port".
	Key string
	// Value is the rejected value, empty when Missing is set. For the
	// missing password, Key is "password" and Value is the user name.
	Value   string
	Missing bool
	// Expected names the form the value must take: the last part of a
	// message id under mail.config.expect.
	Expected string

	printer *locale.Printer
}

// Forms a setting must take, as message ids under mail.config.expect.
const (
	expectHost            = "host"
	expectPort            = "port"
	expectAddress         = "address"
	expectRecipients      = "recipients"
	expectTLS             = "tls"
	expectAuth            = "auth"
	expectUser            = "user"
	expectUserWithoutAuth = "user_without_auth"
	expectCleartext       = "cleartext"
)

func (e *ConfigError) Error() string { return e.Text(e.printer) }

// Text returns the error in p's language, or in English when p is nil.
func (e *ConfigError) Text(p *locale.Printer) string {
	p = printerOr(p)
	if e.Key == "password" {
		// The password is not a key of [mail]: it comes from the
		// environment or a file, and its value is never shown.
		return p.T("mail.config.no_password", "User", e.Value)
	}
	expected := p.T("mail.config.expect." + e.Expected)
	if e.Missing {
		return p.T("mail.config.missing", "Key", e.Key, "Expected", expected)
	}
	return p.T("mail.config.invalid", "Key", e.Key, "Value", strconv.Quote(e.Value), "Expected", expected)
}

// ErrorKind is the class of a send failure.
type ErrorKind int

// Kinds of send failure. The comment on each states whether Notify reports
// it worth a retry.
const (
	// KindFailed is a failure that fits no other kind. Retried.
	KindFailed ErrorKind = iota
	// KindDNS: the server's host name could not be resolved. Retried.
	KindDNS
	// KindRefused: nothing listens on the server's port. Retried.
	KindRefused
	// KindTimeout: the server did not reply in time, or the attempt ran
	// out of time. Retried.
	KindTimeout
	// KindCanceled: the caller cancelled the attempt. Retried.
	KindCanceled
	// KindConnection: the connection was reset or closed. Retried.
	KindConnection
	// KindCertificate: the server's TLS certificate is not trusted or does
	// not name the host. Not retried.
	KindCertificate
	// KindTLS: the TLS handshake failed for another reason. Retried.
	KindTLS
	// KindNotTLS: with TLS from the first byte, the server replied in
	// plain text (a STARTTLS or plain port). Not retried.
	KindNotTLS
	// KindNoStartTLS: the server does not offer STARTTLS. Not retried.
	KindNoStartTLS
	// KindNoAuth: the server offers no authentication. Not retried.
	KindNoAuth
	// KindAuthUnsupported: the server does not offer the configured
	// mechanism. Not retried.
	KindAuthUnsupported
	// KindAuthFailed: the server rejected the login with a 5xx reply, such
	// as 535, or the login exchange failed without a reply code. Not
	// retried.
	KindAuthFailed
	// KindTemporary: the server replied with a 4xx reply, such as 451
	// while greylisting. Retried.
	KindTemporary
	// KindRejected: the server replied with a 5xx reply, such as 550 for
	// an unknown recipient. Not retried.
	KindRejected
)

var kindIDs = map[ErrorKind]string{
	KindFailed:          "failed",
	KindDNS:             "dns",
	KindRefused:         "refused",
	KindTimeout:         "timeout",
	KindCanceled:        "canceled",
	KindConnection:      "connection",
	KindCertificate:     "certificate",
	KindTLS:             "tls",
	KindNotTLS:          "not_tls",
	KindNoStartTLS:      "no_starttls",
	KindNoAuth:          "no_auth",
	KindAuthUnsupported: "auth_unsupported",
	KindAuthFailed:      "auth_failed",
	KindTemporary:       "temporary",
	KindRejected:        "rejected",
}

// String returns the kind's name, such as "auth_failed".
func (k ErrorKind) String() string {
	if id, ok := kindIDs[k]; ok {
		return id
	}
	return "kind" + strconv.Itoa(int(k))
}

// Error is a failed attempt to send a notification. Its text is in the
// language of the Printer given to New and never contains the password:
// the server's reply and the library's message are kept only as Detail,
// with the password and its base64 forms replaced by "[redacted]".
type Error struct {
	Kind ErrorKind
	// Server is the SMTP server as host:port.
	Server string
	// Command is the SMTP command the server refused, such as "RCPT";
	// empty when the failure came before a reply.
	Command string
	// Code is the SMTP reply code, or 0 when there was no reply.
	Code int
	// Detail is the server's reply text or the library's message, on one
	// line.
	Detail string
	// Auth and Offered are the configured mechanism and those the server
	// offers, for KindAuthUnsupported.
	Auth    string
	Offered string
	// Retry reports whether trying again later could succeed.
	Retry bool

	// cause is the underlying context, network or TLS error, which holds
	// no server reply and so cannot contain the password. It is nil for
	// SMTP replies.
	cause   error
	printer *locale.Printer
}

func (e *Error) Error() string { return e.Text(e.printer) }

// Unwrap returns the context, network or TLS error behind a connection
// failure, so that errors.Is(err, context.DeadlineExceeded) works. It
// returns nil for an SMTP reply, whose text is only in Detail.
func (e *Error) Unwrap() error { return e.cause }

// Text returns the error in p's language, or in English when p is nil.
func (e *Error) Text(p *locale.Printer) string {
	p = printerOr(p)
	host, _, _ := net.SplitHostPort(e.Server)
	reply := e.Detail
	if code := strconv.Itoa(e.Code); e.Code != 0 && !strings.HasPrefix(reply, code) {
		reply = code + " " + reply
	}
	command := e.Command
	if command == "" {
		// A reply before any command is the server's greeting.
		command = p.T("mail.error.greeting")
	}
	return p.T("mail.error."+e.Kind.String(),
		"Server", e.Server, "Host", host, "Command", command, "Reply", reply,
		"Detail", e.Detail, "Auth", e.Auth, "Offered", e.Offered)
}

func printerOr(p *locale.Printer) *locale.Printer {
	if p == nil {
		return locale.New(locale.English)
	}
	return p
}
