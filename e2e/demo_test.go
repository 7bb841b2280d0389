package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestDemoShowsFailure runs the demo with no network and no config and
// waits for its first failure, which the simulated farm produces within
// its first minute.
func TestDemoShowsFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("waits up to a minute for the simulated farm")
	}
	s := startTmux(t, 120, 35, nil, rigtopBin, "demo", "--no-desktop")
	s.waitFor(screenTimeout, "Rigs 12/12 up")

	failures := []string{"no_hash", "stuck_miners", "overheat", "unreachable", "GPU dead"}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		screen := s.screen()
		for _, f := range failures {
			if strings.Contains(screen, f) {
				return
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("no failure within 60 s; screen:\n%s", s.screen())
}
