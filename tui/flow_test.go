package tui

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"rigtop/alert"
	"rigtop/locale"
	"rigtop/panel"
)

// panelServer serves a panel body that the test can swap between polls.
type panelServer struct {
	*httptest.Server
	body atomic.Pointer[[]byte]
}

func newPanelServer(t *testing.T, body []byte) *panelServer {
	t.Helper()
	s := &panelServer{}
	s.body.Store(&body)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The real panel serves its JSON as text/html.
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		_, _ = w.Write(*s.body.Load())
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *panelServer) set(body []byte) { s.body.Store(&body) }

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "testdata", "panels", name))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// desktopRecorder replaces the desktop: it records every notification
// the desktop notifier shows.
type desktopRecorder struct {
	mu     sync.Mutex
	titles []string
}

func (d *desktopRecorder) notify(title, message string, icon any) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.titles = append(d.titles, title+"\n"+message)
	return nil
}

func (d *desktopRecorder) all() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.titles...)
}

func waitForText(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte(text))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// TestFlowNoHashNotifiesOnce runs the whole monitor against a real HTTP
// panel: a rig turning no_hash shows as a failure after a refresh and is
// announced once; its recovery is announced once.
func TestFlowNoHashNotifiesOnce(t *testing.T) {
	healthy := readSample(t, "nvidia-3rigs.json")
	broken := bytes.Replace(healthy,
		[]byte(`"496406":{"condition":"mining"`), []byte(`"496406":{"condition":"no_hash"`), 1)
	if bytes.Equal(healthy, broken) {
		t.Fatal("could not edit rig 496406's condition in the sample")
	}
	srv := newPanelServer(t, healthy)

	p := locale.New(locale.English)
	source, err := panel.ParseSource(srv.URL+"/", panel.HTTPOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	monitor, err := alert.NewMonitor([]panel.Source{source}, alert.MonitorOptions{Printer: p})
	if err != nil {
		t.Fatal(err)
	}
	desktop := &desktopRecorder{}
	dispatcher := alert.NewDispatcher([]alert.Notifier{
		alert.NewDesktop(alert.DesktopOptions{Printer: p, Notify: desktop.notify, Getenv: func(string) string { return "unix:path=/test" }}),
	}, alert.DispatchOptions{})
	t.Cleanup(func() { _ = dispatcher.Close(context.Background()) })

	opts := Options{
		Monitor:    monitor,
		Dispatcher: dispatcher,
		Printer:    p,
		Sources:    []string{source.Name()},
		Interval:   time.Hour,
	}
	tm := teatest.NewTestModel(t, New(context.Background(), opts, asciiRenderer()), teatest.WithInitialTermSize(120, 35))

	waitForText(t, tm, "subpc_hi")
	if n := len(desktop.all()); n != 0 {
		t.Fatalf("%d notifications for a healthy farm: %q", n, desktop.all())
	}

	srv.set(broken)
	tm.Send(keyMsg("r"))
	waitForText(t, tm, "Rigs 2/3 up")
	waitForNotifications(t, desktop, 1)
	if got := desktop.all()[0]; !strings.Contains(got, "rig2") {
		t.Errorf("failure notification does not name rig2: %q", got)
	}

	// Two more polls with nothing changed: no new notification.
	tm.Send(keyMsg("r"))
	tm.Send(keyMsg("r"))
	time.Sleep(300 * time.Millisecond)
	if n := len(desktop.all()); n != 1 {
		t.Fatalf("%d notifications after unchanged polls, want 1: %q", n, desktop.all())
	}

	srv.set(healthy)
	tm.Send(keyMsg("r"))
	waitForText(t, tm, "Rigs 3/3 up")
	waitForNotifications(t, desktop, 2)
	if got := desktop.all()[1]; !strings.Contains(got, "rig2") {
		t.Errorf("recovery notification does not name rig2: %q", got)
	}

	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if n := len(desktop.all()); n != 2 {
		t.Errorf("%d notifications in all, want one failure and one recovery: %q", n, desktop.all())
	}
}

func waitForNotifications(t *testing.T, d *desktopRecorder, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(d.all()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d notifications, want %d: %q", len(d.all()), n, d.all())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
