package mail

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func validConfig() Config {
	return Config{
		Host:     "smtp.example.com",
		From:     testFrom,
		To:       []string{"ops@example.com"},
		User:     testUser,
		Password: "pw-config-4471",
	}
}

func TestNewDefaults(t *testing.T) {
	tests := []struct {
		name     string
		change   func(*Config)
		wantPort int
		wantTLS  TLSMode
		wantAuth AuthMechanism
	}{
		{"starttls", func(*Config) {}, 587, TLSStartTLS, AuthPlain},
		{"implicit tls", func(c *Config) { c.TLS = "TLS" }, 465, TLSImplicit, AuthPlain},
		{"relay", func(c *Config) { c.TLS, c.User, c.Password = TLSNone, "", "" }, 25, TLSNone, AuthNone},
		{"own port", func(c *Config) { c.Port = 2525 }, 2525, TLSStartTLS, AuthPlain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.change(&cfg)
			n := newNotifier(t, cfg, Options{})
			if n.cfg.Port != tt.wantPort || n.cfg.TLS != tt.wantTLS || n.cfg.Auth != tt.wantAuth {
				t.Errorf("port %d, tls %q, auth %q; want %d, %q, %q",
					n.cfg.Port, n.cfg.TLS, n.cfg.Auth, tt.wantPort, tt.wantTLS, tt.wantAuth)
			}
		})
	}
}

func TestNewRejectsSettings(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no host", func(c *Config) { c.Host = "" },
			"missing mail.host: use the SMTP server's host name or IP address without scheme or port, such as smtp.example.com"},
		{"host with scheme", func(c *Config) { c.Host = "smtp://mx.example.com" },
			`invalid mail.host = "smtp://mx.example.com": use the SMTP server's host name or IP address`},
		{"host with port", func(c *Config) { c.Host = "mx.example.com:587" }, `invalid mail.host = "mx.example.com:587"`},
		{"port", func(c *Config) { c.Port = 70000 }, `invalid mail.port = "70000": use a port from 1 to 65535`},
		{"negative port", func(c *Config) { c.Port = -1 }, `invalid mail.port = "-1"`},
		{"no sender", func(c *Config) { c.From = "" }, "missing mail.from: use one mail address"},
		{"header in sender", func(c *Config) { c.From = "rigs@example.com\r\nBcc: victim@example.com" },
			`invalid mail.from = "rigs@example.com\r\nBcc: victim@example.com": use one mail address`},
		{"no recipients", func(c *Config) { c.To = nil }, "missing mail.to: list at least one recipient address"},
		{"bad recipient", func(c *Config) { c.To = []string{"ops@example.com", "not an address"} },
			`invalid mail.to = "not an address": use one mail address`},
		{"tls mode", func(c *Config) { c.TLS = "ssl" }, `invalid mail.tls = "ssl": use "starttls", "tls" or "none"`},
		{"auth mechanism", func(c *Config) { c.Auth = "xoauth2" },
			`invalid mail.auth = "xoauth2": use "plain", "login", "cram-md5" or "none"`},
		{"auth without user", func(c *Config) { c.User, c.Auth = "", AuthLogin }, "missing mail.user: set the SMTP user name"},
		{"user without auth", func(c *Config) { c.Auth = AuthNone }, `invalid mail.user = "rigs@example.com": remove mail.user`},
		{"no password", func(c *Config) { c.Password = "" },
			"no SMTP password for mail.user rigs@example.com: set it in RIGTOP_SMTP_PASSWORD or in the file named by mail.password_file"},
		{"plain in clear text", func(c *Config) { c.TLS = TLSNone },
			`invalid mail.auth = "plain": plain and login send the password as it is`},
		{"login in clear text", func(c *Config) { c.TLS, c.Auth = TLSNone, AuthLogin }, `invalid mail.auth = "login"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.change(&cfg)
			_, err := New(cfg, Options{})
			var configErr *ConfigError
			if !errors.As(err, &configErr) {
				t.Fatalf("New = %v, want a *ConfigError", err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error\n %s\ndoes not start with\n %s", err, tt.want)
			}
		})
	}
}

func TestNewAcceptsCRAMMD5WithoutTLS(t *testing.T) {
	cfg := validConfig()
	cfg.TLS, cfg.Auth = TLSNone, AuthCRAMMD5
	if _, err := New(cfg, Options{}); err != nil {
		t.Errorf("New = %v; CRAM-MD5 does not send the password and may run without TLS", err)
	}
}

func TestNewConfigErrorJapanese(t *testing.T) {
	cfg := validConfig()
	cfg.Port = 70000
	_, err := New(cfg, Options{Printer: ja})
	want := `mail.port = "70000" は無効です: 1 から 65535 のポート番号を指定してください`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestNewRejectsSkipVerify(t *testing.T) {
	_, err := New(validConfig(), Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	if err == nil {
		t.Error("New accepted a TLS configuration that skips certificate verification")
	}
}

func TestConfigFormattingHidesPassword(t *testing.T) {
	cfg := validConfig()
	n := newNotifier(t, cfg, Options{})
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("settings", "config", cfg, "notifier", n)
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("settings", "config", cfg, "notifier", n)

	texts := map[string]string{
		"%v config":    fmt.Sprintf("%v", cfg),
		"%+v config":   fmt.Sprintf("%+v", cfg),
		"%#v config":   fmt.Sprintf("%#v", cfg),
		"%v pointer":   fmt.Sprintf("%v", &cfg),
		"%s config":    fmt.Sprint(cfg),
		"%v notifier":  fmt.Sprintf("%v", n),
		"%+v notifier": fmt.Sprintf("%+v", n),
		"%#v notifier": fmt.Sprintf("%#v", n),
		"slog":         logged.String(),
	}
	for name, text := range texts {
		if strings.Contains(text, cfg.Password) {
			t.Errorf("%s shows the password: %s", name, text)
		}
	}
	if !strings.Contains(texts["%v config"], "smtp.example.com") || !strings.Contains(texts["%v config"], redacted) {
		t.Errorf("%%v of the config should show the host and %s: %s", redacted, texts["%v config"])
	}
	if n.cfg.Password != "" {
		t.Error("the notifier keeps the password in its settings")
	}
}

func TestSendResolved(t *testing.T) {
	if !newNotifier(t, validConfig(), Options{}).SendResolved() {
		t.Error("resolutions are off by default")
	}
	cfg := validConfig()
	cfg.SkipResolved = true
	if newNotifier(t, cfg, Options{}).SendResolved() {
		t.Error("SkipResolved ignored")
	}
}

func TestName(t *testing.T) {
	if name := newNotifier(t, validConfig(), Options{}).Name(); name != "mail" {
		t.Errorf("Name = %q", name)
	}
}
