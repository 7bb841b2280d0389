package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"syscall"

	gomail "github.com/wneessen/go-mail"
)

// handshakeError marks a failed TLS handshake on a TLSImplicit connection,
// so that fail can tell it from a failure to connect.
type handshakeError struct{ err error }

func (e handshakeError) Error() string { return e.err.Error() }
func (e handshakeError) Unwrap() error { return e.err }

// failKind returns an *Error of kind that has no reply or cause behind it.
func (n *Notifier) failKind(kind ErrorKind, retry bool) *Error {
	return &Error{Kind: kind, Server: n.server, Retry: retry, printer: n.printer}
}

// fail classifies err from the step that sent command ("" before the
// first command, or for go-mail's transaction, which names its own).
func (n *Notifier) fail(ctx context.Context, command string, err error) *Error {
	e := &Error{Server: n.server, Command: command, Detail: n.redact(headerText(err.Error())), printer: n.printer}

	var sendErr *gomail.SendError
	var reply *textproto.Error
	var dnsErr *net.DNSError
	var recordErr tls.RecordHeaderError
	var handshake handshakeError
	switch {
	case ctx.Err() != nil:
		// Closing the connection when ctx ended caused err.
		e.Kind, e.Retry, e.cause, e.Detail = KindCanceled, true, ctx.Err(), ""
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			e.Kind = KindTimeout
		}
	case errors.As(err, &sendErr):
		n.classifySend(e, sendErr)
	case errors.As(err, &reply):
		e.Code, e.Detail = reply.Code, n.redact(headerText(reply.Msg))
		switch reply.Code / 100 {
		case 4:
			e.Kind, e.Retry = KindTemporary, true
		case 5:
			e.Kind = KindRejected
		default:
			e.Kind, e.Retry = KindFailed, true
		}
	case certificateError(err):
		e.Kind, e.cause = KindCertificate, err
	case errors.As(err, &recordErr) && n.cfg.TLS == TLSImplicit:
		e.Kind, e.cause = KindNotTLS, err
	case errors.As(err, &dnsErr):
		e.Kind, e.Retry, e.cause = KindDNS, true, err
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Kind, e.Retry, e.cause = KindRefused, true, err
	case timeout(err):
		e.Kind, e.Retry, e.cause = KindTimeout, true, err
	case connectionLost(err):
		e.Kind, e.Retry, e.cause = KindConnection, true, err
	case command == "STARTTLS" || errors.As(err, &handshake):
		e.Kind, e.Retry, e.cause = KindTLS, true, err
	default:
		e.Kind, e.Retry = KindFailed, true
	}
	return e
}

// classifySend fills e from the error of go-mail's transaction. go-mail
// marks a reply starting with 4 as temporary. A failure with no reply code
// lost the connection.
//
// NOTE: when the server refuses one recipient, go-mail resets the whole
// transaction, so no recipient gets the message, and IsTemp reflects the
// last refused recipient only.
func (n *Notifier) classifySend(e *Error, sendErr *gomail.SendError) {
	e.Command = transactionCommand(sendErr.Reason)
	e.Code = sendErr.ErrorCode()
	detail := strings.TrimPrefix(sendErr.Error(), sendErr.Reason.String()+":")
	e.Detail = n.redact(headerText(unquoteReply(strings.TrimSpace(detail))))

	switch {
	case sendErr.Reason == gomail.ErrGetSender, sendErr.Reason == gomail.ErrGetRcpts,
		sendErr.Reason == gomail.ErrNoUnencoded:
		e.Kind = KindFailed
	case e.Code == 0:
		e.Kind, e.Retry = KindConnection, true
	case sendErr.IsTemp():
		e.Kind, e.Retry = KindTemporary, true
	default:
		e.Kind = KindRejected
	}
}

// unquoteReply turns `550 "5.1.1 No such user", affected recipient(s): …`,
// as go-mail writes a reply since Go 1.26 quotes the text of a
// textproto.Error, back into the reply as the server sent it.
func unquoteReply(text string) string {
	code, rest, found := strings.Cut(text, " ")
	if !found || len(code) != 3 {
		return text
	}
	quoted, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return text
	}
	reply, err := strconv.Unquote(quoted)
	if err != nil {
		return text
	}
	return code + " " + reply + rest[len(quoted):]
}

// transactionCommand returns the SMTP command behind a go-mail send error.
func transactionCommand(reason gomail.SendErrReason) string {
	switch reason {
	case gomail.ErrSMTPMailFrom:
		return "MAIL"
	case gomail.ErrSMTPRcptTo:
		return "RCPT"
	case gomail.ErrSMTPData, gomail.ErrSMTPDataClose, gomail.ErrWriteContent:
		return "DATA"
	case gomail.ErrSMTPReset:
		return "RSET"
	case gomail.ErrConnCheck:
		return "NOOP"
	}
	return ""
}

// certificateError reports whether err is a failure to verify the server's
// certificate: unknown authority, wrong host name, expired or not yet
// valid.
func certificateError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &unknown) ||
		errors.As(err, &hostname) || errors.As(err, &invalid)
}

func timeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout()
}

// connectionLost reports whether err means the connection was reset or
// closed, or failed in another way below SMTP.
func connectionLost(err error) bool {
	var opErr *net.OpError
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &opErr)
}
