package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"rigtop/alert"
	"rigtop/alert/mail/mailtest"
	"rigtop/locale"
	"rigtop/panel"
)

var (
	en = locale.New(locale.English)
	ja = locale.New(locale.Japanese)
)

// t0 is when the alerts of these tests began, and sentAt, five minutes
// later, is when they are sent.
var (
	t0     = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	sentAt = t0.Add(5 * time.Minute)
)

const (
	testPanel = "http://127.0.0.1:8080/"
	testUser  = "rigs@example.com"
	testFrom  = "rigtop <rigs@example.com>"
)

var testRecipients = []string{"ops@example.com", "tanaka@example.jp", "night-shift@example.org"}

// rigAlert returns a firing alert about a whole rig of testPanel.
func rigAlert(rigID, label string, severity alert.Severity, kind alert.Kind, values alert.Values) alert.Alert {
	return alert.Alert{
		Key:      alert.Key{Panel: testPanel, RigID: rigID, GPU: alert.NoGPU, Kind: kind},
		Severity: severity,
		RigLabel: label,
		Values:   values,
		State:    alert.StateFiring,
		Since:    t0,
		FiredAt:  t0,
	}
}

// noHash is rig2 of the NVIDIA sample, id 496406, with its miner stalled.
func noHash() alert.Alert {
	return rigAlert("496406", "rig2", alert.SeverityCritical, alert.KindCondition,
		alert.Values{Condition: panel.NoHash})
}

// groupedNotification holds three alerts from one poll: two rigs down and
// a hot GPU on a third.
func groupedNotification() alert.Notification {
	hot := rigAlert("a00004", "rig4", alert.SeverityWarning, alert.KindGPUHot,
		alert.Values{TempC: 86, Threshold: 80})
	hot.Key.GPU = 2
	return alert.Notification{At: sentAt, Firing: []alert.Alert{
		rigAlert("b00001", "1号機", alert.SeverityCritical, alert.KindCondition, alert.Values{Condition: panel.NoHash}),
		hot,
		rigAlert("a00001", "rig1", alert.SeverityCritical, alert.KindCondition, alert.Values{Condition: panel.Unreachable}),
	}}
}

// resolvedNotification is the recovery of noHash, ten minutes after it
// began.
func resolvedNotification() alert.Notification {
	a := noHash()
	a.State = alert.StateResolved
	a.ResolvedAt = t0.Add(10 * time.Minute)
	return alert.Notification{At: a.ResolvedAt, Resolved: []alert.Alert{a}}
}

// tlsServer starts a server that offers STARTTLS and the given mechanisms
// for testUser with password.
func tlsServer(t *testing.T, password string, mechanisms ...string) *mailtest.Server {
	t.Helper()
	return mailtest.Start(t, mailtest.Options{
		StartTLS:   true,
		Mechanisms: mechanisms,
		User:       testUser,
		Password:   password,
	})
}

// configFor returns the settings that reach srv with STARTTLS and PLAIN.
func configFor(srv *mailtest.Server, password string) Config {
	return Config{
		Host:     srv.Host,
		Port:     srv.Port,
		From:     testFrom,
		To:       testRecipients,
		User:     testUser,
		Password: password,
	}
}

// testOptions trusts the test servers' certificate and gives each
// exchange two seconds.
func testOptions(p *locale.Printer) Options {
	return Options{
		Printer:   p,
		TLSConfig: &tls.Config{RootCAs: mailtest.CertPool()},
		Timeout:   2 * time.Second,
		Hostname:  "monitor1",
	}
}

func newNotifier(t *testing.T, cfg Config, opts Options) *Notifier {
	t.Helper()
	n, err := New(cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}

// received is a message as a mail client reads it.
type received struct {
	header  netmail.Header
	subject string
	body    string
	// headerBlock is the raw header section, up to the blank line.
	headerBlock string
}

// readMessage parses raw DATA: it decodes the RFC 2047 subject and the
// body's transfer encoding, and checks that the body is UTF-8 plain text.
func readMessage(t *testing.T, data []byte) received {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, data)
	}
	var r received
	r.header = msg.Header
	r.headerBlock, _, _ = strings.Cut(string(data), "\r\n\r\n")

	r.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject %q: %v", msg.Header.Get("Subject"), err)
	}

	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("Content-Type %q, want text/plain; charset=UTF-8", msg.Header.Get("Content-Type"))
	}
	var body io.Reader = msg.Body
	switch cte := msg.Header.Get("Content-Transfer-Encoding"); strings.ToLower(cte) {
	case "quoted-printable":
		body = quotedprintable.NewReader(msg.Body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, msg.Body)
	default:
		t.Errorf("Content-Transfer-Encoding %q, want quoted-printable or base64", cte)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	if bare := strings.Count(string(text), "\n") - strings.Count(string(text), "\r\n"); bare != 0 {
		t.Errorf("body has %d line breaks without CR, want CRLF throughout", bare)
	}
	r.body = strings.ReplaceAll(string(text), "\r\n", "\n")
	return r
}

// logBuffer returns a logger that writes every level as text into the
// returned buffer.
func logBuffer() (*slog.Logger, *syncBuffer) {
	var buf syncBuffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// dispatch sends n through a real dispatcher with millisecond backoffs and
// returns every delivery report up to the final one.
func dispatch(t *testing.T, notifier alert.Notifier, n alert.Notification, log *slog.Logger) []alert.Delivery {
	t.Helper()
	d := alert.NewDispatcher([]alert.Notifier{notifier}, alert.DispatchOptions{
		BackoffBase:    10 * time.Millisecond,
		BackoffMax:     50 * time.Millisecond,
		RetryFor:       5 * time.Second,
		AttemptTimeout: 2 * time.Second,
		Logger:         log,
	})
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.Close(ctx); err != nil {
			t.Errorf("close dispatcher: %v", err)
		}
	}()

	d.Send(n)
	var deliveries []alert.Delivery
	timeout := time.After(10 * time.Second)
	for {
		select {
		case del, ok := <-d.Results():
			if !ok {
				t.Fatalf("results closed after %d deliveries without a final one", len(deliveries))
			}
			deliveries = append(deliveries, del)
			if del.Final {
				return deliveries
			}
		case <-timeout:
			t.Fatalf("no final delivery within 10s; got %+v", deliveries)
		}
	}
}
