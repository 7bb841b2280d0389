package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rigtop/internal/desktoptest"
)

// TestSilenceRigSurvivesRestart silences a failing rig from the table of
// the monitor in tmux and then changes that rig's state in every way that
// would otherwise be announced. No desktop notification may be sent for it
// while another rig still notifies, before and after a restart with the
// same state file.
func TestSilenceRigSurvivesRestart(t *testing.T) {
	t.Parallel()
	bus := desktoptest.Start(t)
	healthy := loadFarm(t, "nvidia-3rigs.json")
	clock := healthy.clock(t)
	farm := func(edit func(f *farmState)) []byte {
		f := healthy.clone(t)
		edit(f)
		return f.body(t, clock)
	}
	srv := newPanelServer(t, healthy.body(t, clock))
	panelName := srv.URL + "/"
	state := filepath.Join(t.TempDir(), "state.json")
	env := []string{"DBUS_SESSION_BUS_ADDRESS=" + bus.Address}
	args := []string{rigtopBin, "--interval", "1s", "--state", state, panelName}

	s := startTmux(t, 120, 35, env, args...)
	s.waitFor(screenTimeout, "Rigs 3/3 up")

	rig2Stalled := "rig2 (496406): no hash [no_hash]"
	srv.set(farm(func(f *farmState) { f.stall(t, "496406", "no_hash") }))
	checkNotes(t, bus, []wantNote{{rig2Stalled, nil}}, "rig2 stalls")

	s.keys("a")
	screen := s.waitFor(screenTimeout, "Alerts (1)", rig2Stalled)
	if line := lineWith(screen, rig2Stalled); !strings.Contains(line, "firing") || !strings.Contains(line, "critical") {
		t.Errorf("alerts view does not list rig2 as a firing critical alert: %q", line)
	}

	// Back in the table, rig2 is first: problems sort first. Escape goes
	// alone, because Escape and g in one write read as alt+g.
	s.keys("Escape")
	s.waitFor(screenTimeout, "Condition", "subpc_hi")
	s.keys("g")
	s.waitSelected(screenTimeout, "rig2")
	s.keys("S")
	s.waitFor(screenTimeout, "Silence rig2 for:", "4) until resumed")
	s.keys("4")
	s.waitFor(screenTimeout, "1 silenced")

	// Every change of rig2 from now on goes unannounced.
	want := []wantNote{{rig2Stalled, nil}}
	for _, change := range []struct {
		name string
		body []byte
	}{
		{"rig2 recovers", healthy.body(t, clock)},
		{"rig2 stalls again", farm(func(f *farmState) { f.stall(t, "496406", "no_hash") })},
		{"rig2 mines with GPU 0 at 91 °C", farm(func(f *farmState) { f.setGPU(t, "496406", "temp", 0, "91") })},
	} {
		srv.set(change.body)
		waitRequests(t, srv, 3)
		checkNotes(t, bus, want, change.name)
	}

	// Another rig still notifies, and the notification leaves rig2 out.
	rig1Stalled := "rig1 (f547c3): no hash [no_hash]"
	rig2HotRig1Stalled := farm(func(f *farmState) {
		f.setGPU(t, "496406", "temp", 0, "91")
		f.stall(t, "f547c3", "no_hash")
	})
	srv.set(rig2HotRig1Stalled)
	want = append(want, wantNote{rig1Stalled, []string{rig1Stalled}})
	checkNotes(t, bus, want, "rig1 stalls")
	waitRequests(t, srv, 2)
	checkNotes(t, bus, want, "rig1 stays down")

	rig2Hot := "rig2 (496406): GPU 0 hot, 91 °C ≥ 85 °C"
	// The alerts view names a silenced rig by label and id, and its panel
	// without the scheme and trailing slash.
	rig2Silence := "rig rig2 (496406) on " + strings.TrimSuffix(strings.TrimPrefix(panelName, "http://"), "/")
	s.keys("a")
	screen = s.waitFor(screenTimeout, "Alerts (2)", rig2Hot, rig1Stalled, "Silences (1)")
	if line := lineWith(screen, rig2Hot); !strings.Contains(line, "silenced") {
		t.Errorf("rig2's alert is not shown as silenced: %q", line)
	}
	if line := lineWith(screen, rig2Silence); !strings.Contains(line, "until resumed") {
		t.Errorf("silence of rig2 not listed as lasting until resumed:\n%s", screen)
	}
	s.keys("q")
	s.waitExit(screenTimeout)

	// The same state file in a new session: the silence still holds.
	s = startTmux(t, 120, 35, env, args...)
	s.waitFor(screenTimeout, "Rigs 2/3 up")
	s.keys("a")
	screen = s.waitFor(screenTimeout, "Silences (1)", rig2Silence, rig2Hot)
	if line := lineWith(screen, rig2Hot); !strings.Contains(line, "silenced") {
		t.Errorf("after restart, rig2's alert is not shown as silenced: %q", line)
	}

	// rig2 stalls again and rig1 recovers in the same poll: one notification,
	// about rig1 only.
	srv.set(farm(func(f *farmState) { f.stall(t, "496406", "no_hash") }))
	want = append(want, wantNote{"Recovered: rig1", []string{"Recovered: " + rig1Stalled}})
	checkNotes(t, bus, want, "rig1 recovers after the restart")
	waitRequests(t, srv, 2)
	checkNotes(t, bus, want, "rig2 stays silenced after the restart")
	if last := bus.Notifications()[len(want)-1]; strings.Contains(last.Summary+last.Body, "rig2") {
		t.Errorf("notification of rig1's recovery mentions silenced rig2: %+v", last)
	}
	s.waitFor(screenTimeout, rig2Stalled)
	s.keys("q")
	s.waitExit(screenTimeout)
}

// waitSelected waits until the table row marked as selected contains
// text.
func (s *tmuxSession) waitSelected(timeout time.Duration, text string) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	var screen string
	for time.Now().Before(deadline) {
		screen = s.screen()
		for _, line := range strings.Split(screen, "\n") {
			if strings.HasPrefix(line, ">") && strings.Contains(line, text) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("selected row lacks %q after %v; screen:\n%s", text, timeout, screen)
}

// waitRequests waits until the panel has received n more requests. A poll
// has finished once the request of the poll after it arrives.
func waitRequests(t *testing.T, srv *panelServer, n int64) {
	t.Helper()
	target := srv.requests.Load() + n
	deadline := time.Now().Add(time.Duration(n)*time.Second + noticeTimeout)
	for srv.requests.Load() < target {
		if time.Now().After(deadline) {
			t.Fatalf("panel polled %d times, waiting for %d", srv.requests.Load(), target)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitExit waits until the program in the pane has exited, so that a
// second run does not share the state file with the first.
func (s *tmuxSession) waitExit(timeout time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{pane_dead}")) == "1" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("rigtop still running %v after q; screen:\n%s", timeout, s.screen())
}
