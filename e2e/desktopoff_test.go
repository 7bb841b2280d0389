package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWatchDesktopOffWarnsOnce runs watch with no desktop session in its
// environment and makes the panel fire and resolve alerts several times.
// The desktop channel fails once and logs one warning that it is off. After
// that it makes no further attempts and logs no warnings or errors.
func TestWatchDesktopOffWarnsOnce(t *testing.T) {
	t.Parallel()
	healthy := readSample(t, "nvidia-3rigs.json")
	srv := newPanelServer(t, healthy)
	w := startWatch(t, nil, "watch", "--interval", "1s", srv.URL+"/")

	// Four notifications: two alerts, each fired and resolved.
	for i, rig := range []string{"f547c3", "496406"} {
		srv.set(setCondition(t, healthy, rig, "mining", "no_hash"))
		waitLogCount(t, w, "alert fired: ", i+1)
		srv.set(healthy)
		waitLogCount(t, w, "alert resolved: ", i+1)
	}
	// Let a last poll pass, so a notification still queued would show.
	time.Sleep(2 * time.Second)
	if code := w.stop(t, syscall.SIGTERM); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}

	lines := parseLog(t, w.stderr.String())
	var desktop []logLine
	for _, l := range lines {
		if l.attrs["channel"] == "desktop" {
			desktop = append(desktop, l)
		}
		if l.attrs["level"] == "ERROR" {
			t.Errorf("error logged: %q %v", l.msg, l.attrs)
		}
	}
	if len(desktop) != 1 {
		t.Fatalf("%d log lines about the desktop channel, want 1:\n%s", len(desktop), w.stderr)
	}
	off := desktop[0]
	if off.attrs["level"] != "WARN" || !strings.Contains(off.msg, "off until rigtop restarts") {
		t.Errorf("desktop line %q at %s, want a warning that the channel is off", off.msg, off.attrs["level"])
	}
	if !strings.Contains(off.attrs["error"], "no desktop session") {
		t.Errorf("desktop line gives no reason: error=%q", off.attrs["error"])
	}
}

// waitLogCount waits until n log lines start with prefix.
func waitLogCount(t *testing.T, w *watchProcess, prefix string, n int) {
	t.Helper()
	deadline := time.Now().Add(noticeTimeout)
	for time.Now().Before(deadline) {
		if len(linesWith(parseLog(t, w.stderr.String()), prefix)) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("fewer than %d log lines %q within %v; output:\n%s", n, prefix, noticeTimeout, w.stderr)
}
