package mail

import (
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"unicode"
)

// TLSMode is the protection of the connection to the SMTP server.
type TLSMode string

// TLS modes.
const (
	// TLSStartTLS connects in plain text and requires STARTTLS before
	// anything else is sent, as on the submission port 587. It is the
	// default.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS), as on port 465.
	TLSImplicit TLSMode = "tls"
	// TLSNone sends everything in plain text, for a relay on the same
	// host. It is used only when set explicitly.
	TLSNone TLSMode = "none"
)

// AuthMechanism is the SMTP authentication mechanism.
type AuthMechanism string

// Authentication mechanisms.
const (
	AuthPlain   AuthMechanism = "plain"
	AuthLogin   AuthMechanism = "login"
	AuthCRAMMD5 AuthMechanism = "cram-md5"
	AuthNone    AuthMechanism = "none"
)

// Config is one mail channel: the SMTP server, the addresses and the login.
// Zero fields take the defaults given on each. Formatting a Config with
// fmt or log/slog never shows the password.
type Config struct {
	// Host is the SMTP server's host name or IP address, without scheme or
	// port.
	Host string
	// Port is the SMTP port. 0 means 587 for STARTTLS, 465 for TLS and 25
	// without TLS.
	Port int
	// From is the sender address, with an optional display name:
	// "rigtop <rigs@example.com>".
	From string
	// To lists the recipients, at least one. Each gets the
	// message through the same SMTP transaction.
	To []string
	// TLS is the protection of the connection. Empty means TLSStartTLS.
	TLS TLSMode
	// Auth is the authentication mechanism. Empty means AuthPlain when
	// User is set, else AuthNone.
	Auth AuthMechanism
	// User and Password are the login, required unless Auth is AuthNone.
	User     string
	Password string `json:"-"`
	// SkipResolved turns off mail about resolved alerts on this channel
	// (send_resolved = false).
	SkipResolved bool
}

// redacted replaces the password wherever a Config is formatted.
const redacted = "[redacted]"

// String returns the settings with the password redacted.
func (c Config) String() string {
	password := ""
	if c.Password != "" {
		password = redacted
	}
	return fmt.Sprintf("mail.Config{Host:%q Port:%d From:%q To:%q TLS:%q Auth:%q User:%q Password:%q SkipResolved:%t}",
		c.Host, c.Port, c.From, c.To, c.TLS, c.Auth, c.User, password, c.SkipResolved)
}

// GoString returns the settings with the password redacted, for %#v.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer: the settings without the password.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("from", c.From),
		slog.Any("to", c.To),
		slog.String("tls", string(c.TLS)),
		slog.String("auth", string(c.Auth)),
		slog.String("user", c.User),
		slog.Bool("password_set", c.Password != ""),
		slog.Bool("skip_resolved", c.SkipResolved),
	)
}

// withDefaults returns c with its empty fields set to their defaults.
func (c Config) withDefaults() Config {
	c.Host = strings.TrimSpace(c.Host)
	c.From = strings.TrimSpace(c.From)
	c.To = append([]string(nil), c.To...)
	for i := range c.To {
		c.To[i] = strings.TrimSpace(c.To[i])
	}
	c.TLS = TLSMode(strings.ToLower(string(c.TLS)))
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		c.Port = defaultPort(c.TLS)
	}
	c.Auth = AuthMechanism(strings.ToLower(string(c.Auth)))
	if c.Auth == "" {
		c.Auth = AuthNone
		if c.User != "" {
			c.Auth = AuthPlain
		}
	}
	return c
}

// defaultPort returns the usual port for mode.
func defaultPort(mode TLSMode) int {
	switch mode {
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	}
	return 587
}

// validate returns a *ConfigError for the first invalid setting of c,
// which has its defaults applied.
func (c Config) validate() *ConfigError {
	switch {
	case c.Host == "":
		return &ConfigError{Key: "host", Missing: true, Expected: expectHost}
	case !validHost(c.Host):
		return &ConfigError{Key: "host", Value: c.Host, Expected: expectHost}
	}
	if c.Port < 1 || c.Port > 65535 {
		return &ConfigError{Key: "port", Value: strconv.Itoa(c.Port), Expected: expectPort}
	}
	switch {
	case c.From == "":
		return &ConfigError{Key: "from", Missing: true, Expected: expectAddress}
	case !validAddress(c.From):
		return &ConfigError{Key: "from", Value: c.From, Expected: expectAddress}
	}
	if len(c.To) == 0 {
		return &ConfigError{Key: "to", Missing: true, Expected: expectRecipients}
	}
	for _, to := range c.To {
		if !validAddress(to) {
			return &ConfigError{Key: "to", Value: to, Expected: expectAddress}
		}
	}
	switch c.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return &ConfigError{Key: "tls", Value: string(c.TLS), Expected: expectTLS}
	}
	return c.validateAuth()
}

func (c Config) validateAuth() *ConfigError {
	switch c.Auth {
	case AuthNone:
		if c.User != "" {
			return &ConfigError{Key: "user", Value: c.User, Expected: expectUserWithoutAuth}
		}
		return nil
	case AuthPlain, AuthLogin, AuthCRAMMD5:
	default:
		return &ConfigError{Key: "auth", Value: string(c.Auth), Expected: expectAuth}
	}
	switch {
	case c.User == "":
		return &ConfigError{Key: "user", Missing: true, Expected: expectUser}
	case hasControl(c.User):
		return &ConfigError{Key: "user", Value: c.User, Expected: expectUser}
	case c.Password == "":
		return &ConfigError{Key: "password", Value: c.User, Missing: true}
	case c.TLS == TLSNone && c.Auth != AuthCRAMMD5:
		return &ConfigError{Key: "auth", Value: string(c.Auth), Expected: expectCleartext}
	}
	return nil
}

// validHost reports whether host is a host name or an IP address, without
// scheme, port, user or spaces.
func validHost(host string) bool {
	if net.ParseIP(host) != nil {
		return true
	}
	return !hasControl(host) && !strings.ContainsAny(host, " /:@[]")
}

// validAddress reports whether s is one mail address, with an optional
// display name, that cannot break a header.
func validAddress(s string) bool {
	if hasControl(s) {
		return false
	}
	_, err := netmail.ParseAddress(s)
	return err == nil
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}
