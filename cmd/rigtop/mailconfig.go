package main

import (
	"log/slog"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/BurntSushi/toml"
)

// passwordEnv names the environment variable holding the SMTP password. It
// takes precedence over mail.password_file.
const passwordEnv = "RIGTOP_SMTP_PASSWORD"

// TLSMode is the protection of the connection to the SMTP server.
type TLSMode string

// TLS modes: STARTTLS on the submission port, TLS from the first byte
// (SMTPS), or a plain connection for a relay on the same host.
const (
	tlsStartTLS TLSMode = "starttls"
	tlsImplicit TLSMode = "tls"
	tlsNone     TLSMode = "none"
)

// AuthMethod is the SMTP authentication mechanism.
type AuthMethod string

// SMTP authentication mechanisms.
const (
	authPlain   AuthMethod = "plain"
	authLogin   AuthMethod = "login"
	authCRAMMD5 AuthMethod = "cram-md5"
	authNone    AuthMethod = "none"
)

// Secret is a value that must never reach a log, an error or the screen.
// Every way of formatting it writes "[redacted]"; Reveal returns the value.
type Secret struct{ value string }

// Reveal returns the secret value, for the one place that sends it.
func (s Secret) Reveal() string { return s.value }

// IsSet reports whether the secret holds a value.
func (s Secret) IsSet() bool { return s.value != "" }

func (s Secret) String() string   { return "[redacted]" }
func (s Secret) GoString() string { return "[redacted]" }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// MarshalText keeps the secret out of JSON and other encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// MailConfig is the validated [mail] section: what the mail notifier needs
// to send through one SMTP server.
type MailConfig struct {
	Host string
	Port int
	// From is the sender address; To lists the recipients. Every address
	// parsed with net/mail and contains no control characters.
	From string
	To   []string
	TLS  TLSMode
	Auth AuthMethod
	// User and Password are empty when Auth is authNone. Password comes
	// from RIGTOP_SMTP_PASSWORD or password_file, never from the config.
	User     string
	Password Secret
	// SendResolved reports whether resolutions are mailed too.
	SendResolved bool
}

// defaultMailPort returns the usual port for mode: 465 for SMTPS, 587 for
// submission with STARTTLS, 25 for a plain relay.
func defaultMailPort(mode TLSMode) int {
	switch mode {
	case tlsImplicit:
		return 465
	case tlsNone:
		return 25
	}
	return 587
}

// mailConfig validates the [mail] section into a MailConfig, or returns
// nil when the file has none. With readSecret false the password is not
// looked for: check sends no mail and must not fail on a missing password.
func (c *loadedConfig) mailConfig(getenv func(string) string, readSecret bool) (*MailConfig, configErrors, []*configError) {
	if !c.has("mail") {
		return nil, nil, nil
	}
	s := c.file.Mail
	var errs configErrors
	var warnings []*configError
	key := func(name string) toml.Key { return toml.Key{"mail", name} }
	invalid := func(name string, form valueForm, value any) {
		errs = append(errs, c.keyError(key(name), "cmd.config.invalid_value", "Form", form, "Value", rawText(value)))
	}
	missing := func(name string) {
		errs = append(errs, c.keyError(toml.Key{"mail"}, "cmd.config.missing_key", "Missing", "mail."+name))
	}

	cfg := &MailConfig{
		Host:         strings.TrimSpace(s.Host),
		Port:         s.Port,
		From:         strings.TrimSpace(s.From),
		User:         s.User,
		TLS:          TLSMode(strings.ToLower(s.TLS)),
		SendResolved: s.SendResolved,
	}

	switch {
	case !c.has("mail", "host"):
		missing("host")
	case !validHost(cfg.Host):
		invalid("host", formHost, s.Host)
	}

	switch cfg.TLS {
	case tlsStartTLS, tlsImplicit, tlsNone:
	default:
		invalid("tls", formTLS, s.TLS)
	}
	if !c.has("mail", "port") {
		cfg.Port = defaultMailPort(cfg.TLS)
	} else if cfg.Port < 1 || cfg.Port > 65535 {
		invalid("port", formPort, int64(s.Port))
	}

	switch {
	case !c.has("mail", "from"):
		missing("from")
	case !validAddress(cfg.From):
		invalid("from", formAddress, s.From)
	}
	if len(s.To) == 0 {
		missing("to")
	}
	for _, to := range s.To {
		to = strings.TrimSpace(to)
		if !validAddress(to) {
			invalid("to", formAddress, to)
			continue
		}
		cfg.To = append(cfg.To, to)
	}

	cfg.Auth = authNone
	if cfg.User != "" {
		cfg.Auth = authPlain
	}
	if c.has("mail", "auth") {
		cfg.Auth = AuthMethod(strings.ToLower(s.Auth))
	}
	switch cfg.Auth {
	case authPlain, authLogin, authCRAMMD5:
		if cfg.User == "" || hasControl(cfg.User) {
			errs = append(errs, c.keyError(key("auth"), "cmd.config.auth_needs_user", "Auth", string(cfg.Auth)))
		}
		if cfg.TLS == tlsNone && cfg.Auth != authCRAMMD5 {
			errs = append(errs, c.keyError(key("auth"), "cmd.config.auth_cleartext", "Auth", string(cfg.Auth)))
		}
	case authNone:
		if cfg.User != "" {
			errs = append(errs, c.keyError(key("user"), "cmd.config.user_without_auth"))
		}
	default:
		invalid("auth", formAuth, s.Auth)
	}

	if cfg.Auth != authNone && readSecret && len(errs) == 0 {
		password, warning, err := c.readPassword(getenv)
		switch {
		case err != nil:
			errs = append(errs, err)
		case password == "":
			errs = append(errs, c.keyError(key("auth"), "cmd.config.password_missing", "Env", passwordEnv))
		}
		if warning != nil {
			warnings = append(warnings, warning)
		}
		cfg.Password = Secret{password}
	}

	if len(errs) > 0 {
		return nil, errs, warnings
	}
	return cfg, nil, warnings
}

// readPassword returns the SMTP password from RIGTOP_SMTP_PASSWORD, else
// from password_file with its trailing line break removed. A password file
// that others can read is used, with a warning.
func (c *loadedConfig) readPassword(getenv func(string) string) (string, *configError, *configError) {
	if password := getenv(passwordEnv); password != "" {
		return password, nil, nil
	}
	if !c.has("mail", "password_file") {
		return "", nil, nil
	}
	key := toml.Key{"mail", "password_file"}
	path := resolvePath(c.file.Mail.PasswordFile, filepath.Dir(c.path), getenv)
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, c.keyError(key, "cmd.config.password_file_unreadable", "Path", path, "Error", unwrapPathError(err))
	}
	password := strings.TrimRight(string(data), "\r\n")
	if password == "" {
		return "", nil, c.keyError(key, "cmd.config.password_file_empty", "Path", path)
	}

	var warning *configError
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		warning = c.keyError(key, "cmd.config.password_file_mode", "Path", path,
			"Mode", strconv.FormatUint(uint64(info.Mode().Perm()), 8))
	}
	return password, warning, nil
}

// validHost reports whether host is a host name or IP address, without a
// scheme, port or spaces.
func validHost(host string) bool {
	if host == "" || hasControl(host) || strings.ContainsAny(host, " /:@") && net.ParseIP(host) == nil {
		return false
	}
	return true
}

// validAddress reports whether s is one mail address, with an optional
// display name, that cannot break a mail header.
func validAddress(s string) bool {
	if s == "" || hasControl(s) {
		return false
	}
	_, err := mail.ParseAddress(s)
	return err == nil
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}
