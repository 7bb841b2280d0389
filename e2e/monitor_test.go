package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"rigtop/internal/desktoptest"
)

const screenTimeout = 15 * time.Second

// The figures below are read off nvidia-3rigs.json by hand.
var nvidiaRigs = []struct{ label, hash, gpus string }{
	{"rig1", "183.5", "6/6"},
	{"rig2", "255.2", "13/13"},
	{"subpc_hi", "59.0", "3/3"},
}

func TestMonitorShowsEveryRig(t *testing.T) {
	srv := newPanelServer(t, readSample(t, "nvidia-3rigs.json"))
	for _, size := range []struct{ width, height int }{{120, 35}, {80, 24}} {
		t.Run(fmt.Sprintf("%dx%d", size.width, size.height), func(t *testing.T) {
			s := startTmux(t, size.width, size.height, nil, rigtopBin, "--no-desktop", srv.URL+"/")
			screen := s.waitFor(screenTimeout, "rig1", "rig2", "subpc_hi")
			for _, rig := range nvidiaRigs {
				line := lineWith(screen, rig.label)
				for _, want := range []string{"mining", rig.hash, rig.gpus} {
					if !strings.Contains(line, want) {
						t.Errorf("line for %s lacks %q: %q", rig.label, want, line)
					}
				}
			}
			if !strings.Contains(screen, "Rigs 3/3 up") {
				t.Errorf("header lacks the rig count:\n%s", screen)
			}

			// Rows are sorted by name when nothing is wrong: rig1, rig2, subpc_hi.
			s.keys("j", "Enter")
			screen = s.waitFor(screenTimeout, "GeForce GTX 1060 3GB", "496406")
			for _, want := range []string{"18.37", "79", "H110 Pro BTC"} {
				if !strings.Contains(screen, want) {
					t.Errorf("rig2 detail lacks %q:\n%s", want, screen)
				}
			}
			visible := countLines(screen, "GeForce GTX 1060")
			if size.height >= 35 && visible != 13 {
				t.Errorf("%d GPU rows at %dx%d, want all 13:\n%s", visible, size.width, size.height, screen)
			}
			if visible < 13 {
				s.keys("G")
			}
			// GPU 8 is the only 6GB card; GPU 12 is the last.
			s.waitFor(screenTimeout, "GeForce GTX 1060 6GB", "22.79", "22.27")

			s.keys("Escape")
			s.waitFor(screenTimeout, "subpc_hi", "Rigs 3/3 up")
			s.keys("q")
		})
	}
}

// TestMonitorNotifiesOncePerChange serves the NVIDIA sample, turns rig2 to
// no_hash and back, and counts the desktop notifications that reach a
// notification server on a private D-Bus session bus.
func TestMonitorNotifiesOncePerChange(t *testing.T) {
	bus := desktoptest.Start(t)
	healthy := readSample(t, "nvidia-3rigs.json")
	broken := setCondition(t, healthy, "496406", "mining", "no_hash")
	srv := newPanelServer(t, healthy)

	env := []string{"DBUS_SESSION_BUS_ADDRESS=" + bus.Address}
	s := startTmux(t, 120, 35, env, rigtopBin, "--interval", "1s", srv.URL+"/")
	s.waitFor(screenTimeout, "Rigs 3/3 up")
	waitPolls(t, srv, 2)
	if n := len(bus.Notifications()); n != 0 {
		t.Fatalf("%d notifications for a healthy farm: %+v", n, bus.Notifications())
	}

	srv.set(broken)
	screen := s.waitFor(screenTimeout, "no_hash", "Rigs 2/3 up")
	if line := lineWith(screen, "rig2"); !strings.Contains(line, "no_hash") {
		t.Errorf("rig2 not shown as no_hash: %q", line)
	}
	failure := bus.WaitFor(t, screenTimeout, func(n desktoptest.Notification) bool { return true })
	if !strings.Contains(failure.Summary+failure.Body, "rig2") {
		t.Errorf("failure notification does not name rig2: %+v", failure)
	}
	waitPolls(t, srv, 3)
	if n := len(bus.Notifications()); n != 1 {
		t.Fatalf("%d notifications while rig2 stays down, want 1: %+v", n, bus.Notifications())
	}

	srv.set(healthy)
	s.waitFor(screenTimeout, "Rigs 3/3 up")
	waitNotifications(t, bus, 2)
	recovery := bus.Notifications()[1]
	if !strings.Contains(recovery.Summary+recovery.Body, "rig2") {
		t.Errorf("recovery notification does not name rig2: %+v", recovery)
	}
	waitPolls(t, srv, 3)
	if n := len(bus.Notifications()); n != 2 {
		t.Fatalf("%d notifications after recovery, want 2: %+v", n, bus.Notifications())
	}
	s.keys("q")
}

func TestMonitorJapanese(t *testing.T) {
	srv := newPanelServer(t, readSample(t, "amd-10rigs-one-unreachable.json"))
	for _, size := range []struct{ width, height int }{{120, 35}, {80, 24}} {
		t.Run(fmt.Sprintf("%dx%d", size.width, size.height), func(t *testing.T) {
			env := []string{"LANG=ja_JP.UTF-8"}
			s := startTmux(t, size.width, size.height, env, rigtopBin, "--no-desktop", srv.URL+"/")
			screen := s.waitFor(screenTimeout, "リグ 9/10 稼働", "状態", "r1_15")
			if line := lineWith(screen, "r1_15"); !strings.Contains(line, "応答なし") {
				t.Errorf("unreachable rig not shown in Japanese: %q", line)
			}
			s.keys("Enter")
			s.waitFor(screenTimeout, "モデル", "Radeon RX 580")
			s.keys("q")
		})
	}
}

func waitPolls(t *testing.T, srv *panelServer, n int64) {
	t.Helper()
	target := srv.requests.Load() + n
	deadline := time.Now().Add(screenTimeout)
	for srv.requests.Load() < target {
		if time.Now().After(deadline) {
			t.Fatalf("panel polled %d times, waiting for %d", srv.requests.Load(), target)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Give the last poll time to be evaluated and its notification sent.
	time.Sleep(500 * time.Millisecond)
}

func waitNotifications(t *testing.T, bus *desktoptest.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(screenTimeout)
	for len(bus.Notifications()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d notifications, want %d: %+v", len(bus.Notifications()), n, bus.Notifications())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
