package alert

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"rigtop/panel"
)

// hotFarm is a source with rig r1's GPU 0 at 90 °C.
func hotFarm() *fakeSource {
	return newFakeSource("farm", withTemp(testRig("r1", "rig1", 30), 0, 90))
}

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rigtop", "state.json")
	c := newClock()
	m1 := newTestMonitor(t, c, DefaultConfig(), path, hotFarm())
	poll(m1, c, 0)
	if err := m1.Silence(RigSilence("farm", "r2", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}

	c.Advance(time.Minute)
	m2 := newTestMonitor(t, c, DefaultConfig(), path, hotFarm())
	if err := m2.StateWarning(); err != nil {
		t.Fatalf("StateWarning() = %v", err)
	}
	key := gpuKey("farm", "r1", 0, KindGPUHot)
	a, ok := findAlert(m2.Alerts(), key)
	if !ok {
		t.Fatalf("restored alerts %v, want %v", keysOf(m2.Alerts()), key)
	}
	if a.State != StateFiring || !a.NotifiedAt.Equal(t0) || !a.Since.Equal(t0) || a.RigLabel != "rig1" || a.Values.TempC != 90 {
		t.Errorf("restored alert %+v", a)
	}
	silences := m2.Silences()
	if len(silences) != 1 || silences[0].ID != "1" || silences[0].Key.RigID != "r2" || !silences[0].Until.Equal(t0.Add(time.Hour)) {
		t.Errorf("restored silences %+v", silences)
	}
	if err := m2.Silence(RigSilence("farm", "r3", time.Time{})); err != nil {
		t.Fatal(err)
	}
	if got := m2.Silences(); len(got) != 2 || got[1].ID != "2" {
		t.Errorf("silence after restart got id %+v, want 2", got)
	}
}

func TestRestartRepeatsNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	c := newClock()
	m1 := newTestMonitor(t, c, DefaultConfig(), path, hotFarm())
	if cy := poll(m1, c, 0); cy.Notification == nil {
		t.Fatal("first run announced nothing")
	}

	m2 := newTestMonitor(t, c, DefaultConfig(), path, hotFarm())
	if cy := poll(m2, c, 2*time.Minute); cy.Notification != nil {
		t.Errorf("after restart: notification %+v, want none", cy.Notification)
	}
	// The repeat interval still counts from the announcement before the restart.
	firing, _ := notified(poll(m2, c, 4*time.Hour-2*time.Minute))
	if !slices.Equal(firing, []Key{gpuKey("farm", "r1", 0, KindGPUHot)}) {
		t.Errorf("4h after the first announcement: firing %v, want the repeat", firing)
	}
}

func TestRestartAnnouncesResolutionWhileStopped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	c := newClock()
	m1 := newTestMonitor(t, c, DefaultConfig(), path, hotFarm())
	poll(m1, c, 0)

	cool := newFakeSource("farm", testRig("r1", "rig1", 30))
	m2 := newTestMonitor(t, c, DefaultConfig(), path, cool)
	cy := poll(m2, c, time.Hour)
	firing, resolved := notified(cy)
	key := gpuKey("farm", "r1", 0, KindGPUHot)
	if len(firing) != 0 || !slices.Equal(resolved, []Key{key}) {
		t.Fatalf("first poll after restart: firing %v resolved %v, want resolved [%v]", firing, resolved, key)
	}
	if got := cy.Notification.Resolved[0]; !got.Since.Equal(t0) || !got.ResolvedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("resolution %+v, want since t0, resolved t0+1h", got)
	}

	// And only once, also across another restart.
	m3 := newTestMonitor(t, c, DefaultConfig(), path, cool)
	if cy := poll(m3, c, time.Minute); cy.Notification != nil {
		t.Errorf("second restart: notification %+v", cy.Notification)
	}
}

func TestRestartKeepsSourceAlertWhilePanelFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	c := newClock()
	src := hotFarm()
	m1 := newTestMonitor(t, c, DefaultConfig(), path, src)
	poll(m1, c, 0)
	src.fail(&panel.FetchError{URL: "http://farm/", Kind: panel.KindTimeout, Offset: -1})
	poll(m1, c, time.Minute)
	if firing, _ := notified(poll(m1, c, 11*time.Minute)); len(firing) != 1 {
		t.Fatalf("source alert did not fire before the restart: %v", firing)
	}

	m2 := newTestMonitor(t, c, DefaultConfig(), path, src)
	cy := poll(m2, c, time.Minute)
	if cy.Notification != nil {
		t.Errorf("panel still failing after restart: notification %+v, want none", cy.Notification)
	}
	srcKey := Key{Panel: "farm", GPU: NoGPU, Kind: KindUnreachable}
	if a, _ := findAlert(cy.Alerts, srcKey); a.State != StateFiring || a.Values.Age != 12*time.Minute {
		// The first failed fetch was at t0+1m, the poll after the restart at t0+13m.
		t.Errorf("source alert after restart %+v, want firing, failing 12m since before the restart", a)
	}
	if a, _ := findAlert(cy.Alerts, gpuKey("farm", "r1", 0, KindGPUHot)); a.State != StateFiring {
		t.Errorf("rig alert after restart %+v, want kept firing", a)
	}
}

func TestRestartDropsUnmonitoredPanel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	c := newClock()
	old := newFakeSource("old", withTemp(testRig("x1", "", 30), 0, 90))
	m1 := newTestMonitor(t, c, DefaultConfig(), path, hotFarm(), old)
	poll(m1, c, 0)

	log, buf := logBuffer()
	m2, err := NewMonitor([]panel.Source{hotFarm()}, MonitorOptions{StatePath: path, Now: c.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if cy := poll(m2, c, time.Minute); cy.Notification != nil {
		t.Errorf("notification %+v for a panel no longer monitored", cy.Notification)
	}
	if !strings.Contains(buf.String(), "panel=old") {
		t.Errorf("log %q does not name the dropped panel", buf.String())
	}
}

func TestCorruptStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte(`{"version":1,"alerts":[{`), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newClock()
	log, buf := logBuffer()
	m, err := NewMonitor([]panel.Source{hotFarm()}, MonitorOptions{StatePath: path, Now: c.Now, Logger: log})
	if err != nil {
		t.Fatalf("NewMonitor with a corrupt state file: %v", err)
	}
	warn := m.StateWarning()
	if warn == nil || !strings.Contains(warn.Error(), path) {
		t.Errorf("StateWarning() = %v, want one naming %s", warn, path)
	}
	if !strings.Contains(buf.String(), "alert state file unreadable") {
		t.Errorf("log %q has no warning", buf.String())
	}

	// The monitor runs with empty state and replaces the file.
	if firing, _ := notified(poll(m, c, 0)); len(firing) != 1 {
		t.Errorf("first poll: firing %v, want the hot GPU", firing)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st savedState
	if err := json.Unmarshal(data, &st); err != nil || st.Version != 1 || len(st.Alerts) != 1 {
		t.Errorf("state file after poll: %v, %+v", err, st)
	}
}

func TestStateFileOtherVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte(`{"version":99,"alerts":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	m := newTestMonitor(t, newClock(), DefaultConfig(), path)
	if warn := m.StateWarning(); warn == nil || !strings.Contains(warn.Error(), "version 99") {
		t.Errorf("StateWarning() = %v, want one naming version 99", warn)
	}
}

func TestStateFileInvalidEntriesSkipped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	doc := `{"version":1,"alerts":[
		{"key":{"panel":"farm","rig":"r1","gpu":0,"kind":"gpu_hot"},"state":2,"since":"2024-05-01T12:00:00Z","notified_at":"2024-05-01T12:00:00Z"},
		{"key":{"panel":"farm","rig":"r1","gpu":1,"kind":""},"state":2,"since":"2024-05-01T12:00:00Z"},
		{"key":{"panel":"farm","rig":"r1","gpu":2,"kind":"gpu_hot"},"state":7,"since":"2024-05-01T12:00:00Z"}
	]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	m := newTestMonitor(t, newClock(), DefaultConfig(), path, hotFarm())
	if got := keysOf(m.Alerts()); !slices.Equal(got, []Key{gpuKey("farm", "r1", 0, KindGPUHot)}) {
		t.Errorf("restored %v, want only the valid alert", got)
	}
	if warn := m.StateWarning(); warn == nil || !strings.Contains(warn.Error(), "skipped 2 invalid alerts") {
		t.Errorf("StateWarning() = %v", warn)
	}
}

func TestStateUnwritable(t *testing.T) {
	// A directory where the state file should be: it can be neither read
	// nor replaced.
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	c := newClock()
	log, buf := logBuffer()
	m, err := NewMonitor([]panel.Source{hotFarm()}, MonitorOptions{StatePath: path, Now: c.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if cy := poll(m, c, 0); cy.Notification == nil {
		t.Error("poll with an unwritable state file announced nothing")
	}
	warn := m.StateWarning()
	if warn == nil || !strings.Contains(warn.Error(), "read alert state") || !strings.Contains(warn.Error(), "save alert state") {
		t.Errorf("StateWarning() = %v, want both the read and the save failure", warn)
	}
	poll(m, c, time.Minute)
	if n := strings.Count(buf.String(), "saving alert state failed"); n != 1 {
		t.Errorf("save failure logged %d times over two polls, want once", n)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want no temporary file left", len(entries))
	}
}

func TestStateFileAtomicWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rigtop")
	path := filepath.Join(dir, "state.json")
	c := newClock()
	m := newTestMonitor(t, c, DefaultConfig(), path, hotFarm())
	poll(m, c, 0)
	poll(m, c, time.Minute)

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "state.json" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only state.json", names)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("state file mode %v, want 0600", perm)
	}
}
