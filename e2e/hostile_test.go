package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hangingServer serves a panel body, or, while hanging, accepts each
// request and sends no response until the test ends or stops hanging.
type hangingServer struct {
	*httptest.Server
	body     atomic.Pointer[[]byte]
	requests atomic.Int64
	// held counts the requests left without a response.
	held atomic.Int64

	mu      sync.Mutex
	release chan struct{}
}

func newHangingServer(t *testing.T, body []byte) *hangingServer {
	t.Helper()
	s := &hangingServer{}
	s.body.Store(&body)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		release := s.release
		s.mu.Unlock()
		if release != nil {
			s.held.Add(1)
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		_, _ = w.Write(*s.body.Load())
	}))
	// Closing the server waits for its handlers, so release them first.
	t.Cleanup(func() {
		s.respond(*s.body.Load())
		s.Close()
	})
	return s
}

// hang leaves every request from now on without a response.
func (s *hangingServer) hang() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.release == nil {
		s.release = make(chan struct{})
	}
}

// respond serves body from now on, to the held requests too.
func (s *hangingServer) respond(body []byte) {
	s.body.Store(&body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.release != nil {
		close(s.release)
		s.release = nil
	}
}

// waitHeld waits until n requests are held.
func (s *hangingServer) waitHeld(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(screenTimeout)
	for s.held.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests held, waiting for %d", s.held.Load(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// keyTimeout bounds how long a key may take to show its effect. It is far
// below the fetch timeout of the tests, so a key that waited for the hung
// fetch would miss it.
const keyTimeout = 3 * time.Second

// waitCursorOn waits until the line holding label is the selected one,
// which starts with the ">" mark.
func (s *tmuxSession) waitCursorOn(timeout time.Duration, label string) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		screen := s.screen()
		if strings.HasPrefix(lineWith(screen, label), ">") {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s not selected after %v:\n%s", label, timeout, screen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// paneDead reports whether the program in the session's pane has exited.
func (s *tmuxSession) paneDead() bool {
	return strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{pane_dead}")) == "1"
}

func TestHungPanelKeepsKeys(t *testing.T) {
	healthy := readSample(t, "nvidia-3rigs.json")
	srv := newHangingServer(t, healthy)
	s := startTmux(t, 120, 35, nil, rigtopBin, "--no-desktop", "--interval", "1s", "--timeout", "8s", srv.URL+"/")
	s.waitFor(screenTimeout, "rig1", "rig2", "subpc_hi", "Rigs 3/3 up")

	// The next poll hangs. Keys work while it does.
	srv.hang()
	srv.waitHeld(t, 1)
	s.waitFor(keyTimeout, "polling…")
	s.keys("j")
	s.waitCursorOn(keyTimeout, "rig2")
	s.keys("?")
	s.waitFor(keyTimeout, "bottom", "page down")
	s.keys("?")
	screen := s.waitFor(keyTimeout, "more keys")
	if !strings.Contains(screen, "polling…") {
		t.Errorf("the poll ended while keys were tested, so they proved nothing:\n%s", screen)
	}

	// The fetch times out: the header names the error and the next try,
	// and the last rigs stay, marked stale.
	screen = s.waitFor(15*time.Second, "did not respond in time", "retry in")
	if !strings.Contains(lineWith(screen, "rig1"), "mining?") {
		t.Errorf("rig1 not kept and marked stale:\n%s", screen)
	}

	// The panel responds again, with rig2 down: polling resumes by itself.
	srv.respond(setCondition(t, healthy, "496406", "mining", "no_hash"))
	screen = s.waitFor(30*time.Second, "no_hash", "Rigs 2/3 up")
	if strings.Contains(screen, "did not respond") {
		t.Errorf("the error is still shown after the panel responded:\n%s", screen)
	}

	// q quits at once, even while a poll hangs.
	srv.hang()
	held := srv.held.Load()
	srv.waitHeld(t, held+1)
	s.keys("q")
	deadline := time.Now().Add(keyTimeout)
	for !s.paneDead() {
		if time.Now().After(deadline) {
			t.Fatalf("rigtop still runs %v after q during a hung poll:\n%s", keyTimeout, s.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestHostilePanelLeavesTerminalAlone(t *testing.T) {
	hostile, err := os.ReadFile(filepath.Join("..", "testdata", "hostile", "panel.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := newPanelServer(t, readSample(t, "nvidia-3rigs.json"))
	s := startTmux(t, 120, 35, nil, rigtopBin, "--no-desktop", "--interval", "1s", srv.URL+"/")
	s.waitFor(screenTimeout, "rig1", "Rigs 3/3 up")

	// Let the pane do what the escape sequences ask: accept OSC 52
	// clipboard writes into a paste buffer, and titles and window names.
	// tmux's own renaming after the running program is turned off.
	s.tmux("set-option", "-s", "set-clipboard", "on")
	s.tmux("set-option", "-t", s.name, "allow-rename", "on")
	s.tmux("set-option", "-t", s.name, "automatic-rename", "off")
	s.tmux("set-option", "-t", s.name, "set-titles", "on")
	title := s.tmux("display-message", "-p", "-t", s.name, "#{pane_title}|#{window_name}")

	srv.set(hostile)
	screen := s.waitFor(screenTimeout, "rigone", "überheat", "ラック２番", "1 rig could not be read: strrig")
	want := map[string][]string{
		"rigone":            {">no_hash", "0.0", "1/2", "95", "rig condition", "claymore"},
		"tab here new line": {"überheat", "20.0", "1/1", "50"},
		"ラック２番":             {"mining", "30.1", "1/1", "61", "ethminer"},
	}
	for label, fields := range want {
		line := lineWith(screen, label)
		for _, field := range fields {
			if !strings.Contains(line, field) {
				t.Errorf("line for %s lacks %q: %q", label, field, line)
			}
		}
	}
	if strings.Contains(screen, "pwned") {
		t.Errorf("escape sequence text reached the screen:\n%s", screen)
	}

	// The detail view shows the rest of the rig's text, as cleanly.
	s.keys("Enter")
	screen = s.waitFor(screenTimeout, "GeForce GTX 1070", "Radeon RX 580", "Motherboard: ASUSB250", "LAN: Intel I219",
		"Drive: Samsung 850", "IP: 10.0.0.1", "Pool: pool xevillre", "Miner: claymore")
	if strings.Contains(screen, "pwned") || strings.Contains(screen, "evil.invalid") {
		t.Errorf("escape sequence text reached the detail view:\n%s", screen)
	}
	s.keys("Escape")
	s.waitFor(screenTimeout, "tab here new line")

	if got := s.tmux("display-message", "-p", "-t", s.name, "#{pane_title}|#{window_name}"); got != title {
		t.Errorf("pane title and window name changed from %q to %q", title, got)
	}
	if buffers := strings.TrimSpace(s.tmux("list-buffers")); buffers != "" {
		t.Errorf("an OSC 52 write reached the clipboard: %q", buffers)
	}
	if mode := strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{alternate_on} #{cursor_flag} #{mouse_any_flag}")); mode != "1 0 0" {
		t.Errorf("alternate screen, cursor and mouse flags %q, want \"1 0 0\" as rigtop sets them", mode)
	}
	s.keys("q")
}
