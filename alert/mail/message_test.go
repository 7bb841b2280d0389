package mail

import (
	"bytes"
	"strings"
	"testing"

	"rigtop/alert"
	"rigtop/locale"
)

// render builds the message for n as a notifier with p would, and parses
// it back as a mail client does.
func render(t *testing.T, p *locale.Printer, n alert.Notification) received {
	t.Helper()
	notifier := newNotifier(t, Config{Host: "smtp.example.com", From: testFrom, To: testRecipients}, Options{Printer: p, Hostname: "monitor1"})
	msg, err := notifier.message(n)
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if _, err := msg.WriteTo(&raw); err != nil {
		t.Fatal(err)
	}
	return readMessage(t, raw.Bytes())
}

func TestSubject(t *testing.T) {
	warning := rigAlert("a00004", "rig4", alert.SeverityWarning, alert.KindGPUHot, alert.Values{TempC: 86, Threshold: 80})
	warning.Key.GPU = 2
	unreachable := alert.Alert{
		Key:      alert.Key{Panel: "abc123", GPU: alert.NoGPU, Kind: alert.KindUnreachable},
		Severity: alert.SeverityUnknown,
		State:    alert.StateFiring,
		Values:   alert.Values{Age: 0, Error: "connection refused"},
	}
	tests := []struct {
		name string
		p    *locale.Printer
		n    alert.Notification
		want string
	}{
		{"one alert", en, alert.Notification{Firing: []alert.Alert{noHash()}},
			"[rigtop] CRITICAL: rig2 (496406): no hash [no_hash]"},
		{"one alert ja", ja, alert.Notification{Firing: []alert.Alert{noHash()}},
			"[rigtop] 重大: rig2 (496406): ハッシュなし [no_hash]"},
		{"grouped", en, groupedNotification(),
			"[rigtop] CRITICAL: 2 rigs down: rig1, 1号機; 1 rig with problems: rig4"},
		{"grouped ja", ja, groupedNotification(),
			"[rigtop] 重大: リグ2台が停止: rig1、1号機 / リグ1台に異常: rig4"},
		{"warning only", en, alert.Notification{Firing: []alert.Alert{warning}},
			"[rigtop] WARNING: rig4 (a00004): GPU 2 hot, 86 °C ≥ 80 °C"},
		{"panel unreachable", en, alert.Notification{Firing: []alert.Alert{unreachable}},
			"[rigtop] UNKNOWN: Panel abc123 unreachable for 0s: connection refused"},
		{"resolved", en, resolvedNotification(), "[rigtop] Recovered: rig2"},
		{"resolved ja", ja, resolvedNotification(), "[rigtop] 復旧: rig2"},
		{"firing and resolved", en, alert.Notification{Firing: []alert.Alert{warning}, Resolved: resolvedNotification().Resolved},
			"[rigtop] WARNING: 1 rig with problems: rig4; Recovered: rig2"},
		{"test", en, alert.Notification{Test: true}, "[rigtop] Test notification"},
		{"test ja", ja, alert.Notification{Test: true}, "[rigtop] テスト通知"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, tt.p, tt.n).subject; got != tt.want {
				t.Errorf("subject\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestBodyEnglish(t *testing.T) {
	got := render(t, en, groupedNotification())
	want := "Firing (3)\n" +
		"- rig1 (a00001): unreachable [unreachable]\n" +
		"  critical · rig condition · panel http://127.0.0.1:8080/ · since 2024-05-01 12:00 UTC\n" +
		"- 1号機 (b00001): no hash [no_hash]\n" +
		"  critical · rig condition · panel http://127.0.0.1:8080/ · since 2024-05-01 12:00 UTC\n" +
		"- rig4 (a00004): GPU 2 hot, 86 °C ≥ 80 °C\n" +
		"  warning · GPU hot · panel http://127.0.0.1:8080/ · since 2024-05-01 12:00 UTC\n" +
		"\n" +
		"Panel:\n" +
		"  http://127.0.0.1:8080/\n" +
		"\n" +
		"-- \n" +
		"Sent by rigtop on monitor1 at 2024-05-01 12:05 UTC.\n"
	if got.body != want {
		t.Errorf("body\n%s\nwant\n%s", got.body, want)
	}
	if cte := got.header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Errorf("English body encoded as %q, want quoted-printable", cte)
	}
}

func TestBodyJapanese(t *testing.T) {
	got := render(t, ja, groupedNotification())
	want := "発生中（3件）\n" +
		"- rig1 (a00001): 応答なし [unreachable]\n" +
		"  重大・リグの状態・パネル http://127.0.0.1:8080/・2024-05-01 12:00 UTC から\n" +
		"- 1号機 (b00001): ハッシュなし [no_hash]\n" +
		"  重大・リグの状態・パネル http://127.0.0.1:8080/・2024-05-01 12:00 UTC から\n" +
		"- rig4 (a00004): GPU 2 が高温 86 °C（しきい値 80 °C）\n" +
		"  警告・GPU 高温・パネル http://127.0.0.1:8080/・2024-05-01 12:00 UTC から\n" +
		"\n" +
		"パネル:\n" +
		"  http://127.0.0.1:8080/\n" +
		"\n" +
		"-- \n" +
		"monitor1 の rigtop が 2024-05-01 12:05 UTC に送信しました。\n"
	if got.body != want {
		t.Errorf("body\n%s\nwant\n%s", got.body, want)
	}
	if cte := got.header.Get("Content-Transfer-Encoding"); cte != "base64" {
		t.Errorf("Japanese body encoded as %q, want base64", cte)
	}
	// The raw subject is RFC 2047 encoded-words only: no raw UTF-8 bytes.
	for _, line := range strings.Split(got.headerBlock, "\r\n") {
		for i := 0; i < len(line); i++ {
			if line[i] >= 0x80 {
				t.Fatalf("header line %q has a raw 8-bit byte", line)
			}
		}
	}
}

func TestBodyResolved(t *testing.T) {
	got := render(t, ja, resolvedNotification())
	want := "復旧（1件）\n" +
		"- rig2 (496406): ハッシュなし [no_hash]\n" +
		"  リグの状態・パネル http://127.0.0.1:8080/・2024-05-01 12:00 UTC 〜 2024-05-01 12:10 UTC（10分）\n"
	if !strings.HasPrefix(got.body, want) {
		t.Errorf("body\n%s\ndoes not start with\n%s", got.body, want)
	}
	if !strings.Contains(got.body, "2024-05-01 12:10 UTC に送信しました。") {
		t.Errorf("body does not end with the time of the recovery:\n%s", got.body)
	}
}

func TestMessageHeaders(t *testing.T) {
	got := render(t, en, groupedNotification())
	if from := got.header.Get("From"); from != `"rigtop" <rigs@example.com>` {
		t.Errorf("From = %q", from)
	}
	to, err := got.header.AddressList("To")
	if err != nil {
		t.Fatalf("To: %v", err)
	}
	if len(to) != len(testRecipients) {
		t.Fatalf("To lists %d addresses, want %d: %v", len(to), len(testRecipients), to)
	}
	for i, addr := range to {
		if addr.Address != testRecipients[i] {
			t.Errorf("To[%d] = %s, want %s", i, addr.Address, testRecipients[i])
		}
	}
	if date := got.header.Get("Date"); date != "Wed, 01 May 2024 12:05:00 +0000" {
		t.Errorf("Date = %q, want the notification's time", date)
	}
	if id := got.header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID = %q, want <random@example.com>", id)
	}
	if auto := got.header.Get("Auto-Submitted"); auto != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", auto)
	}
	if got.header.Get("Bcc") != "" || got.header.Get("Cc") != "" {
		t.Errorf("unexpected Cc or Bcc:\n%s", got.headerBlock)
	}
}

func TestMessageIDsDiffer(t *testing.T) {
	first := render(t, en, groupedNotification()).header.Get("Message-Id")
	second := render(t, en, groupedNotification()).header.Get("Message-Id")
	if first == second {
		t.Errorf("two messages share the Message-ID %s", first)
	}
}

func TestPanelLinks(t *testing.T) {
	tests := []struct{ panel, want string }{
		{"abc123", "http://abc123.ethosdistro.com/"},
		{"http://abc123.ethosdistro.com/", "http://abc123.ethosdistro.com/"},
		{"https://op:secret@panel.example.com/farm?json=yes", "https://panel.example.com/farm?json=yes"},
		{"/var/lib/rigtop/farm.json", "/var/lib/rigtop/farm.json"},
		{"farm\r\n.json", "farm  .json"},
	}
	for _, tt := range tests {
		if got := panelLink(tt.panel); got != tt.want {
			t.Errorf("panelLink(%q) = %q, want %q", tt.panel, got, tt.want)
		}
	}
}

func TestPanelLinksOncePerPanel(t *testing.T) {
	n := groupedNotification()
	other := noHash()
	other.Key.Panel = "abc123"
	n.Resolved = []alert.Alert{other}
	got := panelLinks(n)
	want := []string{"http://127.0.0.1:8080/", "http://abc123.ethosdistro.com/"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("panelLinks = %q, want %q", got, want)
	}
}

func TestHeaderTextRemovesControls(t *testing.T) {
	tests := []struct{ in, want string }{
		{"rig2\r\nBcc: victim@example.com", "rig2 Bcc: victim@example.com"},
		{"rig2\nX-Injected: yes", "rig2 X-Injected: yes"},
		{"a\x00b\x1b[31mc\x7fd", "a b [31mc d"},
		{"next\u0085line\u2028sep\u2029para", "next line sep para"},
		{"evil\u202egnp.exe", "evil gnp.exe"},
		{"  spaced \t out  ", "spaced out"},
		{"1号機", "1号機"},
	}
	for _, tt := range tests {
		if got := headerText(tt.in); got != tt.want {
			t.Errorf("headerText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTestNotificationNamesRoute(t *testing.T) {
	got := render(t, en, alert.Notification{At: sentAt, Test: true})
	want := "Test notification from rigtop: this channel works.\n" +
		"Sent through smtp.example.com:587 (STARTTLS) to ops@example.com, tanaka@example.jp, night-shift@example.org.\n" +
		"\n" +
		"-- \n" +
		"Sent by rigtop on monitor1 at 2024-05-01 12:05 UTC.\n"
	if got.body != want {
		t.Errorf("body\n%s\nwant\n%s", got.body, want)
	}
}
