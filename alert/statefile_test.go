package alert

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"rigtop/panel"
)

// readState decodes the state file at path.
func readState(t *testing.T, path string) savedState {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st savedState
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("state file %s: %v\n%s", path, err, data)
	}
	return st
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestStateFullDisk(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	c := newClock()
	src := hotFarm()
	log, buf := logBuffer()
	m, err := NewMonitor([]panel.Source{src}, MonitorOptions{StatePath: path, Now: c.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if cy := poll(m, c, 0); cy.StateWarning != nil {
		t.Fatalf("first save: %v", cy.StateWarning)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	// The disk fills up: half the new state is written, then ENOSPC.
	m.store.writeTemp = func(f *os.File, data []byte) error {
		f.Write(data[:len(data)/2])
		return syscall.ENOSPC
	}
	src.set(withTemp(withTemp(testRig("r1", "rig1", 30, 30), 0, 90), 1, 91))
	cy := poll(m, c, time.Minute)
	if firing, _ := notified(cy); len(firing) != 1 {
		t.Errorf("firing %v, want GPU 1 hot announced although the state cannot be saved", firing)
	}
	warn := cy.StateWarning
	if !errors.Is(warn, syscall.ENOSPC) {
		t.Errorf("StateWarning = %v, want ENOSPC", warn)
	}
	if want := "save alert state " + path + ": write temporary file: no space left on device"; warn == nil || warn.Error() != want {
		t.Errorf("StateWarning = %v, want %q", warn, want)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"state.json"}) {
		t.Errorf("directory holds %v, want only state.json: the partial temporary file must go", names)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("state file changed by the failed save:\n%s", after)
	}
	poll(m, c, time.Minute)
	if n := strings.Count(buf.String(), "saving alert state failed"); n != 1 {
		t.Errorf("save failure logged %d times over two polls, want once:\n%s", n, buf)
	}
	if !strings.Contains(buf.String(), "path="+path) {
		t.Errorf("log does not name %s:\n%s", path, buf)
	}

	// Space is freed: the next poll saves both alerts and clears the warning.
	m.store.writeTemp = nil
	cy = poll(m, c, time.Minute)
	if cy.StateWarning != nil {
		t.Errorf("StateWarning after space was freed: %v", cy.StateWarning)
	}
	if st := readState(t, path); len(st.Alerts) != 2 {
		t.Errorf("state file holds %d alerts, want 2", len(st.Alerts))
	}
}

func TestStateFileNotRegular(t *testing.T) {
	// A FIFO at the state path would block a plain read forever.
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	c := newClock()
	created := make(chan *Monitor, 1)
	go func() {
		m, err := NewMonitor([]panel.Source{hotFarm()}, MonitorOptions{StatePath: path, Now: c.Now})
		if err != nil {
			t.Error(err)
		}
		created <- m
	}()
	var m *Monitor
	select {
	case m = <-created:
	case <-time.After(5 * time.Second):
		t.Fatal("NewMonitor blocked reading a FIFO")
	}
	if m == nil {
		return
	}

	warn := m.StateWarning()
	if warn == nil || !strings.Contains(warn.Error(), "read alert state "+path+": not a regular file") {
		t.Errorf("StateWarning() = %v, want one naming %s as not a regular file", warn, path)
	}
	// The first save replaces the FIFO with a state file.
	if cy := poll(m, c, 0); cy.StateWarning == nil || !strings.Contains(cy.StateWarning.Error(), "not a regular file") {
		t.Errorf("first Cycle.StateWarning = %v, want the restore warning", cy.StateWarning)
	}
	if cy := poll(m, c, time.Minute); cy.StateWarning != nil {
		t.Errorf("Cycle.StateWarning after the FIFO was replaced: %v", cy.StateWarning)
	}
	if st := readState(t, path); len(st.Alerts) != 1 {
		t.Errorf("state file holds %d alerts, want 1", len(st.Alerts))
	}
}

func TestStatePathUnderAFile(t *testing.T) {
	// The state directory's name is taken by a file: nothing can be read
	// or written, and the monitor still polls and announces.
	file := filepath.Join(t.TempDir(), "rigtop")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(file, "state.json")
	c := newClock()
	m := newTestMonitor(t, c, DefaultConfig(), path, hotFarm())

	cy := poll(m, c, 0)
	if firing, _ := notified(cy); len(firing) != 1 {
		t.Errorf("firing %v, want the hot GPU", firing)
	}
	if warn := cy.StateWarning; warn == nil || !strings.Contains(warn.Error(), "save alert state "+path) ||
		!errors.Is(warn, syscall.ENOTDIR) {
		t.Errorf("StateWarning = %v, want the save failure naming %s, not a directory", warn, path)
	}
}

func TestCycleStateWarning(t *testing.T) {
	// A file that cannot be restored is reported in the first cycle, and
	// the first save replaces it. A directory in its place cannot be
	// replaced, so every cycle reports the failed save.
	corrupt := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(corrupt, []byte("{\"version\":1,\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	directory := filepath.Join(t.TempDir(), "state.json")
	if err := os.Mkdir(directory, 0o700); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, path string
		// first and later are what the first and the next cycles' warnings
		// contain, "" for none.
		first, later string
	}{
		{"corrupt", corrupt, "decode alert state " + corrupt, ""},
		{"directory", directory, "read alert state " + directory, "save alert state " + directory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			m := newTestMonitor(t, c, DefaultConfig(), tt.path, hotFarm())
			for i, want := range []string{tt.first, tt.later, tt.later} {
				cy := poll(m, c, time.Minute)
				switch {
				case want == "" && cy.StateWarning != nil:
					t.Errorf("cycle %d: StateWarning = %v, want none", i+1, cy.StateWarning)
				case want != "" && (cy.StateWarning == nil || !strings.Contains(cy.StateWarning.Error(), want)):
					t.Errorf("cycle %d: StateWarning = %v, want one containing %q", i+1, cy.StateWarning, want)
				}
			}
		})
	}
}
