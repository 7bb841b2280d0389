// Package e2e drives the built rigtop binary inside tmux, as an operator
// would over SSH, against panels served on loopback.
package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var rigtopBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rigtop-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rigtopBin = filepath.Join(dir, "rigtop")
	build := exec.Command("go", "build", "-o", rigtopBin, "../cmd/rigtop")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build rigtop:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// panelServer serves a panel body that the test swaps between polls.
type panelServer struct {
	*httptest.Server
	body     atomic.Pointer[[]byte]
	requests atomic.Int64
}

func newPanelServer(t *testing.T, body []byte) *panelServer {
	t.Helper()
	s := &panelServer{}
	s.set(body)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
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

// tmuxSession is one rigtop run in a detached tmux session on a private
// tmux server, so that no tmux of the user's is touched.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

// startTmux runs command in a new session of width×height with env added
// to a minimal environment.
func startTmux(t *testing.T, width, height int, env []string, command ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	s := &tmuxSession{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock"), name: "rigtop"}

	home := t.TempDir()
	base := []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"PATH=" + os.Getenv("PATH"),
		"TERM=xterm-256color",
	}
	args := []string{"-S", s.socket, "-f", "/dev/null", "new-session", "-d", "-s", s.name,
		"-x", fmt.Sprint(width), "-y", fmt.Sprint(height), "env", "-i"}
	args = append(args, append(base, env...)...)
	args = append(args, command...)
	cmd := exec.Command("tmux", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	// Keep the pane after rigtop exits so that a crash can be read.
	s.tmux("set-option", "-t", s.name, "remain-on-exit", "on")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

// screen returns what the pane shows now, without colours.
func (s *tmuxSession) screen() string {
	return s.tmux("capture-pane", "-p", "-t", s.name)
}

func (s *tmuxSession) keys(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

// waitFor polls the pane until every text is on screen at once.
func (s *tmuxSession) waitFor(timeout time.Duration, texts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	var screen string
	for time.Now().Before(deadline) {
		screen = s.screen()
		all := true
		for _, text := range texts {
			if !strings.Contains(screen, text) {
				all = false
				break
			}
		}
		if all {
			return screen
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("%s: timed out after %v waiting for %q; screen:\n%s", runtime.GOOS, timeout, texts, screen)
	return ""
}

func lineWith(screen, text string) string {
	for _, line := range strings.Split(screen, "\n") {
		if strings.Contains(line, text) {
			return line
		}
	}
	return ""
}

func countLines(screen, text string) int {
	n := 0
	for _, line := range strings.Split(screen, "\n") {
		if strings.Contains(line, text) {
			n++
		}
	}
	return n
}

func setCondition(t *testing.T, body []byte, rigID, from, to string) []byte {
	t.Helper()
	old := []byte(fmt.Sprintf(`"%s":{"condition":"%s"`, rigID, from))
	if !bytes.Contains(body, old) {
		t.Fatalf("sample has no %s", old)
	}
	return bytes.Replace(body, old, []byte(fmt.Sprintf(`"%s":{"condition":"%s"`, rigID, to)), 1)
}
