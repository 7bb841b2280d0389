package tui

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"rigtop/alert"
	"rigtop/locale"
	"rigtop/panel"
)

// countingWriter keeps every byte the program writes to the terminal.
type countingWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// from returns what was written from offset on, and the length so far.
func (w *countingWriter) from(offset int) (string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()[offset:], w.buf.Len()
}

// pollCounter is the monitor's model, counting the polls it has applied,
// so that the test can tell when a poll's frame is the one on screen.
type pollCounter struct {
	Model
	polls *atomic.Int32
}

func (c pollCounter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := c.Model.Update(msg)
	if m, ok := next.(Model); ok {
		c.Model = m
	}
	if _, ok := msg.(pollDoneMsg); ok {
		c.polls.Add(1)
	}
	return c, cmd
}

var ansiSequence = regexp.MustCompile(`\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][A-Z0-9])`)

// TestUnchangedPollRedrawsOnlyHeader polls the same panel twice, on a
// clock that does not move, through a real program and renderer. After the
// second poll nothing but the header's poll status may be written, because
// the standard renderer repaints only the lines that changed.
func TestUnchangedPollRedrawsOnlyHeader(t *testing.T) {
	srv := newPanelServer(t, readSample(t, "nvidia-3rigs.json"))
	clock := func() time.Time { return testNow }
	source, err := panel.ParseSource(srv.URL+"/", panel.HTTPOptions{Timeout: 5 * time.Second, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	monitor, err := alert.NewMonitor([]panel.Source{source}, alert.MonitorOptions{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Monitor:  monitor,
		Printer:  locale.New(locale.English),
		Sources:  []string{source.Name()},
		Interval: time.Hour,
		Now:      clock,
	}
	polls := &atomic.Int32{}
	out := &countingWriter{}
	program := tea.NewProgram(pollCounter{New(context.Background(), opts, asciiRenderer()), polls},
		tea.WithInput(nil), tea.WithOutput(out), tea.WithoutSignalHandler())
	done := make(chan tea.Model, 1)
	go func() {
		final, _ := program.Run()
		done <- final
	}()
	program.Send(sizeMsg(120, 35))

	// The first poll's frame is on screen once its header says when the next
	// poll is due.
	idleHeader := "next 1h00m"
	waitFor(t, func() bool {
		written, _ := out.from(0)
		return polls.Load() == 1 && strings.Contains(written, idleHeader)
	}, "the first poll's frame")
	_, mark := out.from(0)

	program.Send(keyMsg("r"))
	waitFor(t, func() bool { return polls.Load() == 2 }, "the second poll")
	program.Quit()
	final := (<-done).(pollCounter).Model

	written, _ := out.from(mark)
	text := ansiSequence.ReplaceAllString(written, "")
	header := strings.Split(final.View(), "\n")[0]
	if !strings.Contains(header, idleHeader) {
		t.Fatalf("final header %q does not show the next poll", header)
	}
	// The renderer may or may not have caught the frame whose header read
	// "polling…". Nothing else may have been written.
	for _, word := range strings.Fields(text) {
		if !strings.Contains(header, word) && word != "polling…" {
			t.Errorf("after an unchanged poll the program wrote %q, which is not in the header line %q", word, header)
		}
	}
	for _, other := range []string{"rig1", "subpc_hi", "Condition", "Rigs 3/3"} {
		if strings.Contains(text, other) {
			t.Errorf("after an unchanged poll the program rewrote %q, which did not change", other)
		}
	}
	// The header line twice, for "polling…" and back, with the renderer's
	// cursor moves, is far below one full 120x35 frame.
	if len(written) > 2*len(header)+400 {
		t.Errorf("after an unchanged poll the program wrote %d bytes, want about one header line at most:\n%q", len(written), written)
	}
	t.Logf("written after the second poll: %d bytes: %q", len(written), written)
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCachedTableFollowsPolls checks that the cached table frame is drawn
// again when a poll brings new data, even with the same number of rows and
// the cursor in the same place.
func TestCachedTableFollowsPolls(t *testing.T) {
	snap := loadSnapshot(t, "nvidia-3rigs.json")
	m := newTestModel(t, "en", 120, 35, cycleOf(snap))
	// subpc_hi hashes 59.03 MH/s in the sample.
	if line := lineWith(m.View(), "subpc_hi"); !strings.Contains(line, " 59.0 ") {
		t.Fatalf("row of subpc_hi %q, want 59.0 MH/s before the second poll", line)
	}

	changed := snap
	changed.Rigs = append([]panel.Rig(nil), snap.Rigs...)
	for i := range changed.Rigs {
		if changed.Rigs[i].Name() == "subpc_hi" {
			// A lower hash rate with no alert changes no rank, so the rows
			// keep their order and the cursor its place.
			changed.Rigs[i].Hash = panel.Some(42.0)
		}
	}
	m.polling = true
	m = update(t, m, pollMsgOf(cycleOf(changed)))

	if line := lineWith(m.View(), "subpc_hi"); !strings.Contains(line, " 42.0 ") {
		t.Errorf("row of subpc_hi %q after a poll that changed its hash rate, want 42.0", line)
	}
}
