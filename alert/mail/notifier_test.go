package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rigtop/alert"
	"rigtop/alert/mail/mailtest"
	"rigtop/locale"
)

const serverWait = 5 * time.Second

func TestNotifyStartTLSPlainDelivers(t *testing.T) {
	const password = "pw-starttls-8812"
	srv := tlsServer(t, password, "PLAIN")
	n := newNotifier(t, configFor(srv, password), testOptions(ja))

	retry, err := n.Notify(context.Background(), groupedNotification())
	if err != nil || retry {
		t.Fatalf("Notify = %v, %v", retry, err)
	}

	messages := srv.Messages()
	if len(messages) != 1 {
		t.Fatalf("server received %d transactions, want 1", len(messages))
	}
	m := messages[0]
	if !slices.Equal(m.To, testRecipients) {
		t.Errorf("RCPT TO %q, want %q", m.To, testRecipients)
	}
	if m.From != testUser {
		t.Errorf("MAIL FROM %q, want %q", m.From, testUser)
	}
	if !m.TLS || m.AuthMechanism != "PLAIN" || m.AuthUser != testUser {
		t.Errorf("received with TLS %v, auth %q as %q; want TLS and PLAIN as %s", m.TLS, m.AuthMechanism, m.AuthUser, testUser)
	}
	for _, to := range testRecipients {
		if box := srv.Mailbox(to); len(box) != 1 {
			t.Errorf("%s got %d messages, want 1", to, len(box))
		}
	}

	got := readMessage(t, m.Data)
	if want := "[rigtop] 重大: リグ2台が停止: rig1、1号機 / リグ1台に異常: rig4"; got.subject != want {
		t.Errorf("subject %q, want %q", got.subject, want)
	}
	for _, line := range []string{
		"- rig1 (a00001): 応答なし [unreachable]",
		"- 1号機 (b00001): ハッシュなし [no_hash]",
		"- rig4 (a00004): GPU 2 が高温 86 °C（しきい値 80 °C）",
		"  警告・GPU 高温・パネル http://127.0.0.1:8080/・2024-05-01 12:00 UTC から",
		"  http://127.0.0.1:8080/",
	} {
		if !strings.Contains(got.body, line+"\n") {
			t.Errorf("body lacks the line %q:\n%s", line, got.body)
		}
	}
}

func TestNotifyEnglishSubjectEncoded(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{StartTLS: true})
	cfg := configFor(srv, "")
	cfg.User = ""
	n := newNotifier(t, cfg, testOptions(en))

	if _, err := n.Notify(context.Background(), alert.Notification{At: sentAt, Firing: []alert.Alert{noHash()}}); err != nil {
		t.Fatal(err)
	}
	got := readMessage(t, srv.WaitMessages(t, 1, serverWait)[0].Data)
	if want := "[rigtop] CRITICAL: rig2 (496406): no hash [no_hash]"; got.subject != want {
		t.Errorf("subject %q, want %q", got.subject, want)
	}
}

func TestNotifyOtherMechanisms(t *testing.T) {
	tests := []struct {
		auth      AuthMechanism
		mechanism string
	}{
		{AuthLogin, "LOGIN"},
		{AuthCRAMMD5, "CRAM-MD5"},
	}
	for _, tt := range tests {
		t.Run(tt.mechanism, func(t *testing.T) {
			const password = "pw-mechanism-2290"
			// The server also offers PLAIN, so the configured mechanism is
			// the one chosen, not just the only one on offer.
			srv := tlsServer(t, password, "PLAIN", tt.mechanism)
			cfg := configFor(srv, password)
			cfg.Auth = tt.auth
			n := newNotifier(t, cfg, testOptions(en))

			if retry, err := n.Notify(context.Background(), groupedNotification()); err != nil {
				t.Fatalf("Notify = %v, %v", retry, err)
			}
			m := srv.WaitMessages(t, 1, serverWait)[0]
			if m.AuthMechanism != tt.mechanism || m.AuthUser != testUser {
				t.Errorf("logged in with %q as %q, want %s as %s", m.AuthMechanism, m.AuthUser, tt.mechanism, testUser)
			}
		})
	}
}

func TestNotifyCRAMMD5WithoutTLS(t *testing.T) {
	const password = "pw-cram-plain-1450"
	srv := mailtest.Start(t, mailtest.Options{
		Mechanisms: []string{"CRAM-MD5"}, User: testUser, Password: password, AllowInsecureAuth: true,
	})
	cfg := configFor(srv, password)
	cfg.TLS, cfg.Auth = TLSNone, AuthCRAMMD5
	n := newNotifier(t, cfg, testOptions(en))

	if _, err := n.Notify(context.Background(), groupedNotification()); err != nil {
		t.Fatal(err)
	}
	if m := srv.WaitMessages(t, 1, serverWait)[0]; m.TLS || m.AuthMechanism != "CRAM-MD5" {
		t.Errorf("received with TLS %v and auth %q, want no TLS and CRAM-MD5", m.TLS, m.AuthMechanism)
	}
}

func TestNotifyImplicitTLS(t *testing.T) {
	const password = "pw-smtps-3307"
	srv := mailtest.Start(t, mailtest.Options{
		ImplicitTLS: true, Mechanisms: []string{"PLAIN"}, User: testUser, Password: password,
	})
	cfg := configFor(srv, password)
	cfg.TLS = TLSImplicit
	n := newNotifier(t, cfg, testOptions(en))

	if _, err := n.Notify(context.Background(), groupedNotification()); err != nil {
		t.Fatal(err)
	}
	if m := srv.WaitMessages(t, 1, serverWait)[0]; !m.TLS || m.AuthMechanism != "PLAIN" {
		t.Errorf("received with TLS %v and auth %q", m.TLS, m.AuthMechanism)
	}
}

func TestNotifyRetriesAfter451(t *testing.T) {
	const password = "pw-greylist-5521"
	srv := tlsServer(t, password, "PLAIN")
	srv.Reply(mailtest.StageRcpt, 451, "4.7.1 Greylisted, try again later")
	n := newNotifier(t, configFor(srv, password), testOptions(en))

	deliveries := dispatch(t, n, groupedNotification(), nil)

	if len(deliveries) != 2 {
		t.Fatalf("%d deliveries, want a failure and a success: %+v", len(deliveries), deliveries)
	}
	first, last := deliveries[0], deliveries[1]
	var sendErr *Error
	if !errors.As(first.Err, &sendErr) || sendErr.Kind != KindTemporary || sendErr.Code != 451 || sendErr.Command != "RCPT" {
		t.Errorf("first attempt failed with %v, want a temporary 451 to RCPT", first.Err)
	}
	if first.Final {
		t.Error("the 451 ended the delivery")
	}
	if last.Err != nil || !last.Final || last.Attempt != 2 {
		t.Errorf("last delivery: attempt %d, final %v, error %v; want success on attempt 2", last.Attempt, last.Final, last.Err)
	}
	if got := len(srv.Messages()); got != 1 {
		t.Errorf("server received %d transactions, want 1", got)
	}
	for _, to := range testRecipients {
		if box := srv.Mailbox(to); len(box) != 1 {
			t.Errorf("%s got %d messages, want 1", to, len(box))
		}
	}
	if got := srv.Count(mailtest.StageMail); got != 2 {
		t.Errorf("server saw %d MAIL commands, want one per attempt (2)", got)
	}
}

func TestNotify550IsPermanent(t *testing.T) {
	const password = "pw-reject-6650"
	srv := tlsServer(t, password, "PLAIN")
	srv.Reply(mailtest.StageData, 550, "5.7.1 Message rejected as spam")
	n := newNotifier(t, configFor(srv, password), testOptions(en))

	deliveries := dispatch(t, n, groupedNotification(), nil)

	if len(deliveries) != 1 {
		t.Fatalf("%d deliveries, want one final failure: %+v", len(deliveries), deliveries)
	}
	d := deliveries[0]
	if !d.Final || d.Attempt != 1 || d.Err == nil {
		t.Fatalf("delivery: attempt %d, final %v, error %v; want a final failure on attempt 1", d.Attempt, d.Final, d.Err)
	}
	var sendErr *Error
	if !errors.As(d.Err, &sendErr) || sendErr.Kind != KindRejected || sendErr.Retry || sendErr.Code != 550 {
		t.Errorf("error %v, want a permanent 550 rejection", d.Err)
	}
	prefix := fmt.Sprintf("127.0.0.1:%d rejected DATA: 550 5.7.1 Message rejected as spam", srv.Port)
	if !strings.HasPrefix(d.Err.Error(), prefix) {
		t.Errorf("error %q does not start with %q", d.Err, prefix)
	}
	if got := srv.Count(mailtest.StageData); got != 1 {
		t.Errorf("server saw %d messages, want 1 attempt", got)
	}
	if got := len(srv.Messages()); got != 0 {
		t.Errorf("server accepted %d messages, want none", got)
	}
}

func TestNotify550Japanese(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{StartTLS: true})
	srv.Reply(mailtest.StageRcpt, 550, "5.1.1 No such user")
	cfg := configFor(srv, "")
	cfg.User = ""
	n := newNotifier(t, cfg, testOptions(ja))

	retry, err := n.Notify(context.Background(), groupedNotification())
	if retry || err == nil {
		t.Fatalf("Notify = %v, %v; want a permanent failure", retry, err)
	}
	prefix := fmt.Sprintf("127.0.0.1:%d が RCPT を拒否しました: 550 5.1.1 No such user", srv.Port)
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error %q does not start with %q", err, prefix)
	}
}

func TestNotifyReachesServerStartedLate(t *testing.T) {
	const password = "pw-late-7034"
	addr := mailtest.UnusedAddr(t)
	host, portText, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portText)

	started := make(chan *mailtest.Server, 1)
	failed := make(chan error, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		srv, err := mailtest.Listen(mailtest.Options{
			Addr: addr, StartTLS: true, Mechanisms: []string{"PLAIN"}, User: testUser, Password: password,
		})
		if err != nil {
			failed <- err
			return
		}
		started <- srv
	}()

	cfg := Config{Host: host, Port: port, From: testFrom, To: testRecipients, User: testUser, Password: password}
	n := newNotifier(t, cfg, testOptions(en))
	deliveries := dispatch(t, n, groupedNotification(), nil)

	var srv *mailtest.Server
	select {
	case srv = <-started:
		defer srv.Close()
	case err := <-failed:
		t.Fatalf("start server at %s: %v", addr, err)
	case <-time.After(serverWait):
		t.Fatal("server did not start")
	}

	last := deliveries[len(deliveries)-1]
	if last.Err != nil || !last.Final {
		t.Fatalf("last delivery failed: %+v", last)
	}
	if len(deliveries) < 2 {
		t.Errorf("delivered on the first attempt, before the server was up: %+v", deliveries)
	}
	var sendErr *Error
	if !errors.As(deliveries[0].Err, &sendErr) || sendErr.Kind != KindRefused || !sendErr.Retry {
		t.Errorf("first attempt failed with %v, want a retryable refused connection", deliveries[0].Err)
	}
	if got := len(srv.Messages()); got != 1 {
		t.Errorf("server received %d transactions, want 1", got)
	}
}

func TestNotifyHeaderInjection(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{StartTLS: true})
	cfg := configFor(srv, "")
	cfg.User = ""
	cfg.To = []string{"ops@example.com"}
	n := newNotifier(t, cfg, testOptions(en))

	evil := noHash()
	evil.RigLabel = "rig2\r\nBcc: victim@example.com\r\nX-Injected: yes"
	if _, err := n.Notify(context.Background(), alert.Notification{At: sentAt, Firing: []alert.Alert{evil}}); err != nil {
		t.Fatal(err)
	}

	m := srv.WaitMessages(t, 1, serverWait)[0]
	if !slices.Equal(m.To, []string{"ops@example.com"}) {
		t.Errorf("RCPT TO %q, want only ops@example.com", m.To)
	}
	got := readMessage(t, m.Data)
	for _, name := range []string{"Bcc", "X-Injected"} {
		if value := got.header.Get(name); value != "" {
			t.Errorf("message has a %s header %q:\n%s", name, value, got.headerBlock)
		}
	}
	for _, line := range strings.Split(got.headerBlock, "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "bcc:") || strings.HasPrefix(line, "X-Injected") {
			t.Errorf("raw header line %q", line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("raw header line %q holds a bare CR or LF", line)
		}
	}
	want := "[rigtop] CRITICAL: rig2 Bcc: victim@example.com X-Injected: yes (496406): no hash [no_hash]"
	if got.subject != want {
		t.Errorf("subject %q, want %q", got.subject, want)
	}
}

func TestNotifyNeverShowsPassword(t *testing.T) {
	t.Setenv("RIGTOP_SMTP_PASSWORD", "pw-Zq8!xK2-never-shown")
	password := os.Getenv("RIGTOP_SMTP_PASSWORD")
	forms := []string{
		password,
		base64.StdEncoding.EncodeToString([]byte(password)),
		base64.StdEncoding.EncodeToString([]byte("\x00" + testUser + "\x00" + password)),
	}

	for _, mechanism := range []string{"PLAIN", "LOGIN"} {
		t.Run(mechanism, func(t *testing.T) {
			srv := tlsServer(t, "the-real-password", mechanism)
			// A careless server repeats what it was sent in its reply.
			srv.RejectAuth(535, "5.7.8 Authentication failed for "+testUser+" with "+strings.Join(forms, " "))
			cfg := configFor(srv, password)
			cfg.Auth = AuthMechanism(strings.ToLower(mechanism))
			log, logged := logBuffer()
			opts := testOptions(en)
			opts.Logger = log
			n := newNotifier(t, cfg, opts)

			deliveries := dispatch(t, n, groupedNotification(), log)
			log.Info("mail settings", "config", cfg, "notifier", n)

			if len(deliveries) != 1 || !deliveries[0].Final {
				t.Fatalf("deliveries %+v, want one final failure", deliveries)
			}
			err := deliveries[0].Err
			var sendErr *Error
			if !errors.As(err, &sendErr) || sendErr.Kind != KindAuthFailed || sendErr.Retry || sendErr.Code != 535 {
				t.Fatalf("error %v, want a permanent 535 login failure", err)
			}
			if !strings.Contains(err.Error(), "rejected the login: 535 5.7.8 Authentication failed for rigs@example.com with "+redacted) {
				t.Errorf("error %q does not show the server's reply with the password redacted", err)
			}
			texts := map[string]string{
				"Error":  err.Error(),
				"%v":     fmt.Sprintf("%v", err),
				"%+v":    fmt.Sprintf("%+v", err),
				"%#v":    fmt.Sprintf("%#v", err),
				"Detail": sendErr.Detail,
				"ja":     sendErr.Text(ja),
				"log":    logged.String(),
			}
			for name, text := range texts {
				for _, form := range forms {
					if strings.Contains(text, form) {
						t.Errorf("%s contains the password or its base64 form %q:\n%s", name, form, text)
					}
				}
			}
			if !strings.Contains(logged.String(), "535") {
				t.Errorf("the log does not record the failure:\n%s", logged)
			}
			if got := srv.Count(mailtest.StageMail); got != 0 {
				t.Errorf("server saw %d MAIL commands after a failed login", got)
			}
		})
	}
}

func TestNotifyAuth454IsTemporary(t *testing.T) {
	const password = "pw-auth-busy-4540"
	srv := tlsServer(t, password, "PLAIN")
	srv.RejectAuth(454, "4.7.0 Temporary authentication failure")
	n := newNotifier(t, configFor(srv, password), testOptions(en))

	retry, err := n.Notify(context.Background(), groupedNotification())
	var sendErr *Error
	if !retry || !errors.As(err, &sendErr) || sendErr.Kind != KindTemporary || sendErr.Command != "AUTH" {
		t.Errorf("Notify = %v, %v; want a retryable temporary failure of AUTH", retry, err)
	}
}

func TestNotifyConnectionFailuresRetry(t *testing.T) {
	silent := silentServer(t)
	closing := closingServer(t)
	tests := []struct {
		name string
		addr string
		dial func(ctx context.Context, network, address string) (net.Conn, error)
		want ErrorKind
	}{
		{"refused", mailtest.UnusedAddr(t), nil, KindRefused},
		{"dns", "mx.invalid:587", func(context.Context, string, string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: "tcp",
				Err: &net.DNSError{Err: "no such host", Name: "mx.invalid", IsNotFound: true}}
		}, KindDNS},
		{"reset", closing, nil, KindConnection},
		{"no greeting", silent, nil, KindTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, portText, _ := net.SplitHostPort(tt.addr)
			port, _ := strconv.Atoi(portText)
			opts := testOptions(en)
			opts.Dial = tt.dial
			opts.Timeout = 200 * time.Millisecond
			n := newNotifier(t, Config{Host: host, Port: port, From: testFrom, To: testRecipients}, opts)

			start := time.Now()
			retry, err := n.Notify(context.Background(), groupedNotification())
			var sendErr *Error
			if !retry || !errors.As(err, &sendErr) || sendErr.Kind != tt.want {
				t.Fatalf("Notify = %v, %v; want a retryable %v", retry, err, tt.want)
			}
			if waited := time.Since(start); waited > 2*time.Second {
				t.Errorf("Notify took %v with a 200ms timeout", waited)
			}
			if !strings.Contains(err.Error(), host) {
				t.Errorf("error %q does not name the server", err)
			}
		})
	}
}

func TestNotifyDNSErrorText(t *testing.T) {
	opts := testOptions(en)
	opts.Dial = func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.DNSError{Err: "no such host", Name: "mx.invalid", IsNotFound: true}
	}
	n := newNotifier(t, Config{Host: "mx.invalid", From: testFrom, To: testRecipients}, opts)
	_, err := n.Notify(context.Background(), groupedNotification())
	want := "cannot resolve the SMTP server's host name mx.invalid: lookup mx.invalid: no such host"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestNotifyHonoursContext(t *testing.T) {
	silent := silentServer(t)
	host, portText, _ := net.SplitHostPort(silent)
	port, _ := strconv.Atoi(portText)
	n := newNotifier(t, Config{Host: host, Port: port, From: testFrom, To: testRecipients}, testOptions(en))

	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		retry, err := n.Notify(ctx, groupedNotification())
		if !retry || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Notify = %v, %v; want a retryable deadline error", retry, err)
		}
		if waited := time.Since(start); waited > time.Second {
			t.Errorf("Notify returned after %v, want about 100ms", waited)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		retry, err := n.Notify(ctx, groupedNotification())
		var sendErr *Error
		if !retry || !errors.Is(err, context.Canceled) || !errors.As(err, &sendErr) || sendErr.Kind != KindCanceled {
			t.Errorf("Notify = %v, %v; want a retryable cancellation", retry, err)
		}
	})
}

func TestNotifyTLSProblemsArePermanent(t *testing.T) {
	const password = "pw-tls-problem-9001"
	tests := []struct {
		name   string
		server mailtest.Options
		tls    TLSMode
		config *tls.Config
		want   ErrorKind
	}{
		{"unknown authority", mailtest.Options{StartTLS: true}, TLSStartTLS,
			&tls.Config{RootCAs: x509.NewCertPool()}, KindCertificate},
		{"wrong host name", mailtest.Options{StartTLS: true}, TLSStartTLS,
			&tls.Config{RootCAs: mailtest.CertPool(), ServerName: "smtp.example.com"}, KindCertificate},
		{"untrusted implicit", mailtest.Options{ImplicitTLS: true}, TLSImplicit,
			&tls.Config{RootCAs: x509.NewCertPool()}, KindCertificate},
		{"no STARTTLS", mailtest.Options{}, TLSStartTLS, nil, KindNoStartTLS},
		{"plain port with implicit TLS", mailtest.Options{}, TLSImplicit, nil, KindNotTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.server.Mechanisms = []string{"PLAIN"}
			tt.server.User, tt.server.Password = testUser, password
			tt.server.AllowInsecureAuth = true
			srv := mailtest.Start(t, tt.server)
			cfg := configFor(srv, password)
			cfg.TLS = tt.tls
			opts := testOptions(en)
			if tt.config != nil {
				opts.TLSConfig = tt.config
			}
			n := newNotifier(t, cfg, opts)

			retry, err := n.Notify(context.Background(), groupedNotification())
			var sendErr *Error
			if retry || !errors.As(err, &sendErr) || sendErr.Kind != tt.want {
				t.Fatalf("Notify = %v, %v; want a permanent %v", retry, err, tt.want)
			}
			if got := srv.Count(mailtest.StageAuth); got != 0 {
				t.Errorf("the password was sent %d times over an unprotected connection", got)
			}
		})
	}
}

func TestNotifyAuthSettingsServerLacks(t *testing.T) {
	const password = "pw-mismatch-3141"
	t.Run("mechanism not offered", func(t *testing.T) {
		srv := tlsServer(t, password, "PLAIN")
		cfg := configFor(srv, password)
		cfg.Auth = AuthCRAMMD5
		retry, err := newNotifier(t, cfg, testOptions(en)).Notify(context.Background(), groupedNotification())
		want := fmt.Sprintf("127.0.0.1:%d does not offer CRAM-MD5 authentication, only PLAIN; set mail.auth to one of those", srv.Port)
		if retry || err == nil || err.Error() != want {
			t.Errorf("Notify = %v, %v; want a permanent failure: %s", retry, err, want)
		}
	})
	t.Run("no AUTH", func(t *testing.T) {
		srv := tlsServer(t, password)
		retry, err := newNotifier(t, configFor(srv, password), testOptions(en)).Notify(context.Background(), groupedNotification())
		var sendErr *Error
		if retry || !errors.As(err, &sendErr) || sendErr.Kind != KindNoAuth {
			t.Errorf("Notify = %v, %v; want a permanent KindNoAuth", retry, err)
		}
	})
}

func TestNotifyEmptyNotificationSendsNothing(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{StartTLS: true})
	cfg := configFor(srv, "")
	cfg.User = ""
	retry, err := newNotifier(t, cfg, testOptions(en)).Notify(context.Background(), alert.Notification{At: sentAt})
	if retry || err != nil {
		t.Errorf("Notify = %v, %v", retry, err)
	}
	if got := srv.Count(mailtest.StageMail); got != 0 {
		t.Errorf("server saw %d transactions for an empty notification", got)
	}
}

// silentServer accepts connections and never sends a greeting, as a firewall that
// swallows packets or a stuck server would.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range conns {
			_ = conn.Close()
		}
	})
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	return l.Addr().String()
}

// closingServer accepts connections and closes each at once.
func closingServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			_ = conn.Close()
		}
	}()
	return l.Addr().String()
}

func TestErrorTextUsesOperatorLanguage(t *testing.T) {
	err := &Error{Kind: KindRejected, Server: "127.0.0.1:25", Command: "RCPT TO", Code: 550, Detail: "no such user"}
	ja := locale.New(locale.Japanese)
	if got, want := alert.ErrorText(ja, err), err.Text(ja); got != want {
		t.Errorf("ErrorText = %q, want the Japanese text %q", got, want)
	}
}
