package alert

import (
	"context"
	"testing"

	"rigtop/panel"
)

func TestSinglePollMonitorKeepsNoHistory(t *testing.T) {
	c := newClock()
	// r2's GPU 1 reads zero while the rig hashes: a dead GPU, which needs no
	// history, so the single poll must report it as the usual monitor does.
	src := newFakeSource("farm", testRig("r1", "", 30, 30), withGPUHash(testRig("r2", "", 30, 30), 1, 0))
	m, err := NewSinglePollMonitor([]panel.Source{src}, MonitorOptions{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}

	cycle := m.Poll(context.Background())

	if _, ok := findAlert(cycle.Alerts, gpuKey("farm", "r2", 1, KindGPUDead)); !ok {
		t.Errorf("alerts %v, want farm/r2/gpu1/gpu_dead", keysOf(cycle.Alerts))
	}
	if len(cycle.Alerts) != 1 {
		t.Errorf("alerts %v, want only the dead GPU", keysOf(cycle.Alerts))
	}
	if n := len(m.rules.history.rigs); n != 0 {
		t.Errorf("history holds %d rigs after one poll, want none", n)
	}
}
