package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"rigtop/alert"
	"rigtop/locale"
	"rigtop/panel"
)

// refusedPanel is the fetch error of a panel nothing listens for.
var refusedPanel = &panel.FetchError{URL: "http://127.0.0.1:9/?json=yes", Kind: panel.KindRefused, Offset: -1}

// failedCycle is c with its first panel failing with err since lastOK and
// fetched again at nextFetch.
func failedCycle(c alert.Cycle, err error, lastOK, nextFetch time.Time) alert.Cycle {
	c.Panels = append([]alert.PanelStatus(nil), c.Panels...)
	c.Panels[0].Err = err
	c.Panels[0].Stale = true
	c.Panels[0].LastOK = lastOK
	c.Panels[0].NextFetch = nextFetch
	c.Panels[0].Failures = 3
	return c
}

func TestHeaderShowsNextTry(t *testing.T) {
	good := cycleOf(loadSnapshot(t, "nvidia-3rigs.json"))
	const errText = "http://127.0.0.1:9/?json=yes refused the connection: nothing is listening there"
	tests := []struct {
		name      string
		nextFetch time.Time
		want      string
	}{
		// Backing off past the next poll, which is 1m away.
		{"backoff", testNow.Add(4 * time.Minute), "retry in 4m: " + errText + " (data 5m old)"},
		// Due before the next poll: the next poll tries it.
		{"next poll", testNow.Add(10 * time.Second), "retry in 1m: " + errText + " (data 5m old)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(t, "en", 120, 35, good)
			m.polling = true
			m = update(t, m, pollMsgOf(failedCycle(good, refusedPanel, testNow.Add(-5*time.Minute), tt.nextFetch)))
			view := m.View()
			if line := lineWith(view, "refused"); strings.TrimSpace(line) != tt.want {
				t.Errorf("error line %q, want %q", strings.TrimSpace(line), tt.want)
			}
			if !strings.Contains(lineWith(view, "rig2"), "mining?") {
				t.Errorf("rig2 not kept and marked stale:\n%s", view)
			}

			// While the next poll runs, it is that poll which tries.
			m = press(t, m, "r")
			if line := lineWith(m.View(), "refused"); strings.Contains(line, "retry") {
				t.Errorf("error line during a poll %q, want no retry time", line)
			}
		})
	}
}

func TestHeaderNextTryJapanese(t *testing.T) {
	good := cycleOf(loadSnapshot(t, "nvidia-3rigs.json"))
	m := newTestModel(t, "ja", 120, 35, good)
	m.polling = true
	m = update(t, m, pollMsgOf(failedCycle(good, refusedPanel, testNow.Add(-5*time.Minute), testNow.Add(4*time.Minute))))
	if line := lineWith(m.View(), "127.0.0.1:9"); !strings.HasPrefix(line, "4m後に再試行: ") {
		t.Errorf("error line %q, want it to start with the retry time", line)
	}
}

func TestHeaderShowsStateWarning(t *testing.T) {
	good := cycleOf(loadSnapshot(t, "nvidia-3rigs.json"))
	m := newTestModel(t, "en", 120, 35, good)
	warned := good
	warned.StateWarning = fmt.Errorf("save alert state /var/lib/rigtop/state.json: write temporary file: %w", syscall.ENOSPC)
	m.polling = true
	m = update(t, m, pollMsgOf(warned))

	// At 80 columns the header wraps the warning onto two lines, so that
	// the cause at its end shows; the status line holds its start.
	m = update(t, m, sizeMsg(80, 24))
	lines := strings.Split(m.View(), "\n")
	const (
		first  = "alert state file problem (free space, fix the file or use --state): save alert"
		second = "state /var/lib/rigtop/state.json: write temporary file: no space left on device"
	)
	if got := strings.TrimSpace(lines[2]); got != first {
		t.Errorf("header line 3 = %q, want %q", got, first)
	}
	if got := strings.TrimSpace(lines[3]); got != second {
		t.Errorf("header line 4 = %q, want %q", got, second)
	}
	if status := lines[len(lines)-2]; !strings.HasPrefix(status, "alert state file problem (free space") {
		t.Errorf("status line = %q, want the warning", status)
	}

	// The header keeps it while the polls carry it; the state saved again
	// clears the header.
	m.polling = true
	m = update(t, m, pollMsgOf(good))
	if lines := strings.Split(m.View(), "\n"); strings.Contains(lines[2], "alert state") {
		t.Errorf("header still warns after a good poll: %q", lines[2])
	}
}

// countingSource fails until set, counting its fetches. A fetch blocks
// while hang is set, until its context ends.
type countingSource struct {
	snap    panel.Snapshot
	mu      sync.Mutex
	err     error
	hang    bool
	fetches atomic.Int64
}

func (s *countingSource) Name() string { return "farm1" }

func (s *countingSource) Fetch(ctx context.Context) (panel.Snapshot, error) {
	s.fetches.Add(1)
	s.mu.Lock()
	err, hang := s.err, s.hang
	s.mu.Unlock()
	if hang {
		<-ctx.Done()
		return panel.Snapshot{}, &panel.FetchError{URL: "http://farm1/", Kind: panel.KindCanceled, Offset: -1, Err: ctx.Err()}
	}
	return s.snap, err
}

func TestRefreshFetchesBackingOffPanel(t *testing.T) {
	now := testNow
	clock := func() time.Time { return now }
	src := &countingSource{snap: loadSnapshot(t, "nvidia-3rigs.json"), err: refusedPanel}
	cfg := alert.DefaultConfig()
	cfg.StaleAfter = alert.Duration(time.Minute)
	monitor, err := alert.NewMonitor([]panel.Source{src}, alert.MonitorOptions{Config: cfg, Now: clock, Interval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// Failures at minutes 0 to 3. The panel has failed for longer than
	// StaleAfter (1m) at minutes 2 and 3, which back off 1 and 2 minutes:
	// the next fetch is at minute 5.
	for range 4 {
		monitor.Poll(context.Background())
		now = now.Add(time.Minute)
	}

	m := New(context.Background(), Options{Monitor: monitor, Printer: locale.New(locale.English),
		Sources: []string{"farm1"}, Interval: time.Minute, Now: clock}, asciiRenderer())
	m = update(t, m, sizeMsg(120, 35))

	// run performs cmd as Bubble Tea would and delivers its message.
	run := func(m Model, cmd tea.Cmd) Model {
		t.Helper()
		if cmd == nil {
			t.Fatal("no poll started")
		}
		next, _ := m.Update(cmd())
		return next.(Model)
	}

	// A scheduled poll at minute 4 leaves the panel alone.
	next, cmd := m.Update(pollTickMsg{gen: m.tickGen})
	m = run(next.(Model), cmd)
	if n := src.fetches.Load(); n != 4 {
		t.Errorf("%d fetches after a scheduled poll during backoff, want 4", n)
	}
	if view := m.View(); !strings.Contains(view, "retry in 1m: http://127.0.0.1:9/?json=yes refused") {
		t.Errorf("header lacks the retry time and error:\n%s", view)
	}

	// r fetches it now, and the panel has come back.
	src.mu.Lock()
	src.err = nil
	src.mu.Unlock()
	next, cmd = m.Update(keyMsg("r"))
	m = run(next.(Model), cmd)
	if n := src.fetches.Load(); n != 5 {
		t.Errorf("%d fetches after r, want 5", n)
	}
	// rig2 last reported 82 s before the panel clock, past this test's
	// stale_after of 1m, so it is read but not counted as up.
	if view := m.View(); strings.Contains(view, "refused") || !strings.Contains(view, "Rigs 2/3 up") {
		t.Errorf("after r the panel is not shown as read:\n%s", view)
	}
}

func TestKeysWhilePollHangs(t *testing.T) {
	// The poll runs in a command, so a panel that never responds leaves
	// the keys and the silences working.
	src := &countingSource{snap: loadSnapshot(t, "nvidia-3rigs.json"), hang: true}
	monitor, err := alert.NewMonitor([]panel.Source{src}, alert.MonitorOptions{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), Options{Monitor: monitor, Printer: locale.New(locale.English),
		Sources: []string{"farm1"}, Interval: time.Minute, Now: func() time.Time { return testNow }}, asciiRenderer())
	m = update(t, m, sizeMsg(120, 35))

	ctx, cancel := context.WithCancel(context.Background())
	polled := make(chan alert.Cycle, 1)
	go func() { polled <- monitor.Poll(ctx) }()
	for src.fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}

	done := make(chan Model, 1)
	go func() {
		m := press(t, m, "j", "?", "a", "esc")
		if err := monitor.Silence(alert.RigSilence("farm1", "f547c3", time.Time{})); err != nil {
			t.Error(err)
		}
		monitor.Alerts()
		done <- m
	}()
	select {
	case m = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("keys or Silence blocked behind a hung fetch")
	}
	if !strings.Contains(m.View(), "loading") {
		t.Errorf("the screen does not say it is loading:\n%s", m.View())
	}

	cancel()
	select {
	case cy := <-polled:
		if cy.Notification != nil {
			t.Errorf("a cancelled poll announced %+v", cy.Notification)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Poll did not return once its context was cancelled")
	}
}
