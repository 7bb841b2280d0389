package tui

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"rigtop/alert"
	"rigtop/locale"
	"rigtop/panel"
)

// snapshotSource serves one snapshot, so that a real monitor raises the
// alerts rigtop would raise for it.
type snapshotSource struct{ snap panel.Snapshot }

func (s snapshotSource) Name() string { return s.snap.Source }

func (s snapshotSource) Fetch(context.Context) (panel.Snapshot, error) { return s.snap, nil }

// hostileCycle decodes testdata/hostile/panel.json, whose every text field
// carries terminal control sequences, and polls it once through a real
// monitor at testNow. The monitor's log goes to log.
func hostileCycle(t *testing.T, log *slog.Logger) (alert.Cycle, *alert.Monitor) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "testdata", "hostile", "panel.json"))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := panel.Decode(body, "farm1", testNow)
	if err != nil {
		t.Fatalf("decode the hostile panel: %v", err)
	}
	monitor, err := alert.NewMonitor([]panel.Source{snapshotSource{snap}},
		alert.MonitorOptions{Now: func() time.Time { return testNow }, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	cycle := monitor.Poll(context.Background())
	if cycle.Notification == nil {
		t.Fatal("the hostile panel raised no alert")
	}
	return cycle, monitor
}

// hostileModel is the monitor at 120×35 after polling the hostile panel,
// with a silence of rig evil01 and the notification of the poll sent, so
// that every view has panel text to show.
func hostileModel(t *testing.T, lang string, renderer *lipgloss.Renderer) Model {
	t.Helper()
	cycle, monitor := hostileCycle(t, nil)
	if err := monitor.Silence(alert.RigSilence("farm1", "evil01", testNow.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	tag, err := locale.Parse(lang)
	if err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), Options{
		Printer:  locale.New(tag),
		Sources:  []string{"farm1"},
		Interval: time.Minute,
		Now:      func() time.Time { return testNow },
	}, renderer)
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 35})
	m.polling = true
	msg := pollMsgOf(cycle)
	msg.silences = monitor.Silences()
	m = update(t, m, msg)
	return update(t, m, deliveryMsg(alert.Delivery{Channel: "mail", At: testNow, Notification: *cycle.Notification, Attempt: 1, Final: true}))
}

// hostileViews returns the table, the detail of rig evil01 and the alerts
// view of m.
func hostileViews(t *testing.T, m Model) map[string]string {
	t.Helper()
	views := map[string]string{"table": m.View()}
	m = selectRig(t, m, "rigone")
	m = press(t, m, "enter")
	views["detail"] = m.View()
	m = press(t, m, "esc", "a")
	views["alerts"] = m.View()
	return views
}

func TestHostileGolden(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		views := hostileViews(t, hostileModel(t, lang, asciiRenderer()))
		for _, name := range []string{"table", "detail", "alerts"} {
			t.Run(lang+"/"+name, func(t *testing.T) {
				checkScreen(t, views[name], 120, 35)
				if strings.Contains(views[name], "\x1b") {
					t.Errorf("an ESC byte without colour:\n%q", views[name])
				}
				golden.RequireEqual(t, views[name])
			})
		}
	}
}

// sgrPattern matches one Select Graphic Rendition sequence, the only
// escape sequence lipgloss writes for colours and attributes.
var sgrPattern = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

func TestHostileTextOnlyStyledInColour(t *testing.T) {
	// With colour on, the only escape sequences on screen are the styles'
	// own SGR sequences: none comes from the panel.
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(true)
	views := hostileViews(t, hostileModel(t, "en", r))
	for name, view := range views {
		if !strings.Contains(view, "\x1b[") {
			t.Fatalf("%s view has no colour at all; the check below would prove nothing", name)
		}
		plain := sgrPattern.ReplaceAllString(view, "")
		if i := strings.IndexByte(plain, 0x1b); i >= 0 {
			t.Errorf("%s view has an escape sequence other than SGR: %q", name, plain[i:min(i+20, len(plain))])
		}
		checkScreen(t, plain, 120, 35)
	}
}

// checkScreen checks that a frame fits a width×height terminal and holds no
// character that moves the cursor, changes the terminal or reorders text.
func checkScreen(t *testing.T, view string, width, height int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > height {
		t.Errorf("%d lines on a %d-line terminal", len(lines), height)
	}
	for i, line := range lines {
		if w := ansi.StringWidth(line); w > width {
			t.Errorf("line %d is %d cells wide on a %d-column terminal: %q", i+1, w, width, line)
		}
		if r, ok := unsafeRune(ansi.Strip(line)); ok {
			t.Errorf("line %d holds %U: %q", i+1, r, line)
		}
	}
}

// unsafeRune returns the first character of s that is a control character,
// invalid UTF-8, a bidirectional control, an invisible format character
// or a line or paragraph separator.
func unsafeRune(s string) (rune, bool) {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\ufffd"):
			return r, true
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), unicode.Is(unicode.Cf, r),
			r == '\u2028', r == '\u2029':
			return r, true
		}
	}
	return 0, false
}

func TestHostileHeadlineOneLine(t *testing.T) {
	// The headline is a mail subject: one line of printable text.
	cycle, _ := hostileCycle(t, nil)
	for _, p := range []*locale.Printer{locale.New(locale.English), locale.New(locale.Japanese)} {
		headline := alert.Headline(p, *cycle.Notification)
		if r, ok := unsafeRune(headline); ok {
			t.Errorf("headline holds %U: %q", r, headline)
		}
		if !strings.Contains(headline, "rigone") {
			t.Errorf("headline %q does not name rig evil01 by its cleaned label", headline)
		}
	}
}

// logRecords checks that a slog text log holds one line per record, each
// ending in its newline and free of control and invisible characters, and
// returns the lines.
func logRecords(t *testing.T, log string) []string {
	t.Helper()
	if !strings.HasSuffix(log, "\n") {
		t.Errorf("log does not end in a newline: %q", log)
	}
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	for _, line := range lines {
		if !strings.HasPrefix(line, "time=") {
			t.Errorf("log line does not start a record, so a record was split: %q", line)
		}
		if r, ok := unsafeRune(line); ok {
			t.Errorf("log line holds %U: %q", r, line)
		}
	}
	return lines
}

func TestHostileTextInLogLines(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))

	// The monitor's own log of the rig that could not be decoded.
	cycle, _ := hostileCycle(t, log)

	// Alerts logged as rigtop watch logs them.
	for _, a := range cycle.Notification.Firing {
		log.Warn("alert fired: "+alert.Describe(locale.New(locale.English), a), "key", a.Key.String(), "rig", a.RigLabel)
	}

	// Fetch errors whose text comes from the response: invalid JSON at a
	// raw ESC byte, and a redirect to a Location full of escapes.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			w.Header()["Location"] = []string{"ftp://evil\x1b]0;pwned\x07.invalid/\u202e"}
			w.WriteHeader(http.StatusFound)
			return
		}
		io.WriteString(w, "{\"rigs\":{\"a\":\x1b[2J\r\n}}")
	}))
	defer srv.Close()
	for _, path := range []string{"/", "/redirect"} {
		src, err := panel.ParseSource(srv.URL+path, panel.HTTPOptions{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		monitor, err := alert.NewMonitor([]panel.Source{src}, alert.MonitorOptions{Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		if cy := monitor.Poll(context.Background()); cy.Panels[0].Err == nil {
			t.Fatalf("fetch %s: no error", path)
		}
	}

	lines := logRecords(t, buf.String())
	// One line for the undecodable rig, one per alert fired, one per fetch.
	if want := 1 + len(cycle.Notification.Firing) + 2; len(lines) != want {
		t.Errorf("%d log lines, want %d:\n%s", len(lines), want, buf.String())
	}
	for _, want := range []string{"rigs=[strrig]", "rigone", `invalid character '\\x1b'`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
}
