package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"rigtop/alert/mail/mailtest"
)

const (
	smtpUser     = "rigs@example.com"
	smtpPassword = "pw-e2e-Vq7#mail"
	mailTimeout  = 15 * time.Second
)

var mailRecipients = []string{"ops@example.com", "tanaka@example.jp"}

// startMailServer runs an SMTP server that offers STARTTLS with a test
// certificate and PLAIN login, and writes that certificate to a file for
// the program's SSL_CERT_FILE, so that rigtop verifies it as it would a
// real server's.
func startMailServer(t *testing.T) (*mailtest.Server, string) {
	t.Helper()
	srv := mailtest.Start(t, mailtest.Options{
		StartTLS:   true,
		Mechanisms: []string{"PLAIN"},
		User:       smtpUser,
		Password:   smtpPassword,
	})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, mailtest.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, caFile
}

// writeMailConfig writes a config file whose [mail] section reaches srv
// with the default TLS mode, STARTTLS.
func writeMailConfig(t *testing.T, srv *mailtest.Server) string {
	t.Helper()
	config := fmt.Sprintf(`[mail]
host = %q
port = %d
from = "rigtop <rigs@example.com>"
to = ["ops@example.com", "tanaka@example.jp"]
user = %q
`, srv.Host, srv.Port, smtpUser)
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// rigtopCommand returns the built rigtop with args in a minimal
// environment of its own, plus env, bounded by ctx.
func rigtopCommand(ctx context.Context, t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, rigtopBin, args...)
	cmd.Env = append([]string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"PATH=" + os.Getenv("PATH"),
	}, env...)
	return cmd
}

// mailSubject returns the decoded Subject of a received message.
func mailSubject(t *testing.T, m mailtest.Message) string {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, m.Data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	return subject
}

// checkDelivered checks that m went over TLS after a login, to every
// recipient of the config.
func checkDelivered(t *testing.T, srv *mailtest.Server, m mailtest.Message) {
	t.Helper()
	if !m.TLS || m.AuthMechanism != "PLAIN" || m.AuthUser != smtpUser {
		t.Errorf("received with TLS %v, auth %q as %q; want STARTTLS and PLAIN as %s", m.TLS, m.AuthMechanism, m.AuthUser, smtpUser)
	}
	if !slices.Equal(m.To, mailRecipients) {
		t.Errorf("RCPT TO %q, want %q", m.To, mailRecipients)
	}
}

func TestMailNotifyTest(t *testing.T) {
	tests := []struct {
		lang, subject, ok string
	}{
		{"en_US.UTF-8", "[rigtop] Test notification", "mail: ok"},
		{"ja_JP.UTF-8", "[rigtop] テスト通知", "mail: 成功"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			srv, caFile := startMailServer(t)
			config := writeMailConfig(t, srv)
			ctx, cancel := context.WithTimeout(context.Background(), mailTimeout)
			defer cancel()

			cmd := rigtopCommand(ctx, t, []string{"LANG=" + tt.lang, "SSL_CERT_FILE=" + caFile,
				"RIGTOP_SMTP_PASSWORD=" + smtpPassword}, "notify-test", "--no-desktop", "--config", config)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("notify-test: %v\n%s", err, out)
			}
			if strings.TrimSpace(string(out)) != tt.ok {
				t.Errorf("output %q, want %q", out, tt.ok)
			}

			messages := srv.Messages()
			if len(messages) != 1 {
				t.Fatalf("server received %d transactions, want 1", len(messages))
			}
			checkDelivered(t, srv, messages[0])
			for _, to := range mailRecipients {
				if box := srv.Mailbox(to); len(box) != 1 {
					t.Errorf("%s got %d messages, want 1", to, len(box))
				}
			}
			if subject := mailSubject(t, messages[0]); subject != tt.subject {
				t.Errorf("subject %q, want %q", subject, tt.subject)
			}
		})
	}
}

func TestMailNotifyTestLoginRejected(t *testing.T) {
	srv, caFile := startMailServer(t)
	// The server repeats the password in its reply, as a careless one
	// might, and rigtop must not print it.
	srv.RejectAuth(535, "5.7.8 bad password "+smtpPassword)
	config := writeMailConfig(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), mailTimeout)
	defer cancel()

	cmd := rigtopCommand(ctx, t, []string{"SSL_CERT_FILE=" + caFile, "RIGTOP_SMTP_PASSWORD=" + smtpPassword},
		"notify-test", "--no-desktop", "--config", config)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("notify-test = %v, want exit code 1\n%s", err, out)
	}
	want := fmt.Sprintf("mail: error: %s rejected the login: 535 5.7.8 bad password [redacted]", srv.Addr)
	if !strings.Contains(string(out), want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if strings.Contains(string(out), smtpPassword) {
		t.Errorf("output contains the password:\n%s", out)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server accepted %d messages", n)
	}
}

// TestMailWatchOncePerChange runs `rigtop watch` against the NVIDIA sample,
// turns rig2 (id 496406) to no_hash and back, and counts the mail that
// reaches the SMTP server: one for the failure and one for the recovery.
func TestMailWatchOncePerChange(t *testing.T) {
	healthy := readSample(t, "nvidia-3rigs.json")
	broken := setCondition(t, healthy, "496406", "mining", "no_hash")
	panel := newPanelServer(t, healthy)
	srv, caFile := startMailServer(t)
	config := writeMailConfig(t, srv)

	w := startWatch(t, []string{"SSL_CERT_FILE=" + caFile, "RIGTOP_SMTP_PASSWORD=" + smtpPassword},
		"watch", "--interval", "1s", "--no-desktop", "--config", config, panel.URL+"/")
	output := w.stderr

	waitPolls(t, panel, 2)
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages for a healthy farm; watch output:\n%s", n, output.String())
	}

	panel.set(broken)
	failure := srv.WaitMessages(t, 1, mailTimeout)[0]
	checkDelivered(t, srv, failure)
	if subject, want := mailSubject(t, failure), "[rigtop] CRITICAL: rig2 (496406): no hash [no_hash]"; subject != want {
		t.Errorf("failure subject %q, want %q", subject, want)
	}
	waitPolls(t, panel, 3)
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages while rig2 stays down, want 1; watch output:\n%s", n, output.String())
	}

	panel.set(healthy)
	recovery := srv.WaitMessages(t, 2, mailTimeout)[1]
	checkDelivered(t, srv, recovery)
	if subject, want := mailSubject(t, recovery), "[rigtop] Recovered: rig2"; subject != want {
		t.Errorf("recovery subject %q, want %q", subject, want)
	}
	waitPolls(t, panel, 3)
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("%d messages after the recovery, want 2; watch output:\n%s", n, output.String())
	}
	for _, to := range mailRecipients {
		if box := srv.Mailbox(to); len(box) != 2 {
			t.Errorf("%s got %d messages, want 2", to, len(box))
		}
	}

	if code := w.stop(t, syscall.SIGINT); code != 0 {
		t.Errorf("watch exited with code %d; output:\n%s", code, output.String())
	}
	if strings.Contains(output.String(), smtpPassword) {
		t.Errorf("watch output contains the password:\n%s", output.String())
	}
}
