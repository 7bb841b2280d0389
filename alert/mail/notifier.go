// Package mail is the mail notification channel: one message per
// notification, sent through an SMTP server with STARTTLS or TLS and
// authentication, in the operator's language.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	netmail "net/mail"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"rigtop/alert"
	"rigtop/locale"
)

// DefaultTimeout bounds each exchange with the SMTP server when Options
// gives none.
const DefaultTimeout = 30 * time.Second

// Options configure New. Zero fields take the defaults given on each.
type Options struct {
	// Printer is the language of the mail and of errors. Nil means English.
	Printer *locale.Printer
	// Logger receives a debug line per message sent. Nil discards it.
	// Failures are returned, for the dispatcher to log.
	Logger *slog.Logger
	// TLSConfig is the base TLS configuration, such as a test's RootCAs;
	// nil means the system's trusted certificates. ServerName defaults to
	// Config.Host and the minimum version is TLS 1.2. InsecureSkipVerify
	// is rejected.
	TLSConfig *tls.Config
	// Dial opens the TCP connection. Nil means a net.Dialer. Tests use it
	// to fake DNS failures.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Timeout bounds each exchange with the server (connect, each command,
	// the message data). 0 means DefaultTimeout. The context given to
	// Notify bounds the whole attempt.
	Timeout time.Duration
	// Hostname names this machine in the greeting (EHLO) and in the last
	// line of every mail. Empty means os.Hostname.
	Hostname string
	// Now stamps a notification without a time. Nil means time.Now.
	Now func() time.Time
}

// Notifier sends notifications by mail through one SMTP server. It is safe
// for concurrent use, because each Notify opens its own connection.
type Notifier struct {
	cfg     Config
	server  string
	printer *locale.Printer
	log     *slog.Logger
	tls     *tls.Config
	dial    func(ctx context.Context, network, address string) (net.Conn, error)
	timeout time.Duration
	now     func() time.Time

	hostname        string
	helo            string
	messageIDDomain string

	// newAuth returns the SASL client for cfg.Auth. It holds the password,
	// which cfg does not, so that no formatting of a Notifier can show it.
	newAuth func() smtp.Auth
	// secrets are the forms of the password that could appear in a reply
	// or a library message, longest first.
	secrets []string
}

// New checks cfg and returns its notifier. An invalid or missing setting
// is a *ConfigError naming the key and the form expected.
func New(cfg Config, opts Options) (*Notifier, error) {
	p := printerOr(opts.Printer)
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		err.printer = p
		return nil, err
	}
	if opts.TLSConfig != nil && opts.TLSConfig.InsecureSkipVerify {
		return nil, errors.New("mail: a TLS configuration that skips certificate verification is not supported")
	}

	n := &Notifier{
		cfg:     cfg,
		server:  net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		printer: p,
		log:     opts.Logger,
		dial:    opts.Dial,
		timeout: opts.Timeout,
		now:     opts.Now,
	}
	if n.log == nil {
		n.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if n.dial == nil {
		n.dial = (&net.Dialer{}).DialContext
	}
	if n.timeout <= 0 {
		n.timeout = DefaultTimeout
	}
	if n.now == nil {
		n.now = time.Now
	}
	n.tls = tlsConfig(opts.TLSConfig, cfg.Host)
	n.hostname, n.helo = hostNames(opts.Hostname)
	n.messageIDDomain = addressDomain(cfg.From)
	n.newAuth, n.secrets = authFor(cfg)
	n.cfg.Password = ""
	return n, nil
}

// tlsConfig returns a copy of base that verifies the certificate of host
// with TLS 1.2 or later.
func tlsConfig(base *tls.Config, host string) *tls.Config {
	cfg := &tls.Config{}
	if base != nil {
		cfg = base.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS12)
	return cfg
}

// heloName matches a host name that is safe to send in EHLO.
var heloName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`)

// hostNames returns this machine's name for the mail text and for EHLO,
// where a name that is not a plain host name becomes "localhost".
func hostNames(hostname string) (display, helo string) {
	if hostname == "" {
		hostname, _ = os.Hostname()
	}
	display = headerText(hostname)
	if display == "" {
		display = "localhost"
	}
	helo = display
	if !heloName.MatchString(helo) {
		helo = "localhost"
	}
	return display, helo
}

// addressDomain returns the domain of a validated address, the right-hand
// side of every Message-ID.
func addressDomain(address string) string {
	parsed, err := netmail.ParseAddress(address)
	if err != nil {
		return "localhost"
	}
	_, domain, found := strings.Cut(parsed.Address, "@")
	if !found || !heloName.MatchString(domain) {
		return "localhost"
	}
	return domain
}

// Name implements alert.Notifier.
func (n *Notifier) Name() string { return "mail" }

// SendResolved implements alert.ResolvedSender.
func (n *Notifier) SendResolved() bool { return !n.cfg.SkipResolved }

// String returns the channel's name and server, such as
// "mail smtp.example.com:587", and never the password.
func (n *Notifier) String() string { return "mail " + n.server }

// GoString describes the channel without its password, for %#v.
func (n *Notifier) GoString() string { return n.String() }

// LogValue implements slog.LogValuer: the channel's settings without the
// password.
func (n *Notifier) LogValue() slog.Value { return n.cfg.LogValue() }

// Notify implements alert.Notifier. It sends one message to every
// recipient over one SMTP connection, bounded by ctx. A send failure is
// an *Error. Connection failures, timeouts and 4xx replies are worth a retry.
// 5xx replies, a rejected login, an untrusted certificate and settings the
// server does not support are not. A notification with nothing firing or
// resolved sends nothing, unless it is a test.
func (n *Notifier) Notify(ctx context.Context, notification alert.Notification) (retry bool, err error) {
	if !notification.Test && len(notification.Firing) == 0 && len(notification.Resolved) == 0 {
		return false, nil
	}
	msg, err := n.message(notification)
	if err != nil {
		return false, err
	}
	if sendErr := n.send(ctx, msg); sendErr != nil {
		return sendErr.Retry, sendErr
	}
	n.log.Debug(n.printer.T("mail.log.sent"), "server", n.server,
		"recipients", len(n.cfg.To), "message_id", msg.GetMessageID())
	return false, nil
}
