package tui

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"rigtop/alert"
	"rigtop/locale"
	"rigtop/panel"
)

// testNow is the fixed local clock of the view tests: the panel clock of
// nvidia-3rigs.json (per_info.claymore.current_time 1504924911) plus 5 s.
var testNow = time.Unix(1504924916, 0)

func TestMain(m *testing.M) {
	// Clock times in the header are shown in local time; fix the zone so
	// the golden files do not depend on the machine.
	time.Local = time.UTC
	os.Exit(m.Run())
}

// asciiRenderer draws without any colour or attribute, so golden files
// hold plain text.
func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return r
}

// loadSnapshot decodes a panel file from the shared testdata folder, as if
// served by the panel with id "farm1".
func loadSnapshot(t *testing.T, name string) panel.Snapshot {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "testdata", "panels", name))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := panel.Decode(body, "farm1", testNow)
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return snap
}

// cycleOf builds a poll result from snapshots, as the monitor would when
// every panel was read.
func cycleOf(snaps ...panel.Snapshot) alert.Cycle {
	c := alert.Cycle{At: testNow}
	for _, s := range snaps {
		c.Panels = append(c.Panels, alert.PanelStatus{Name: s.Source, Snapshot: s, LastOK: testNow})
		c.Rigs = append(c.Rigs, s.Rigs...)
	}
	return c
}

// newTestModel returns a sized model in lang that has received c as its
// first poll.
func newTestModel(t *testing.T, lang string, width, height int, c alert.Cycle) Model {
	t.Helper()
	tag, err := locale.Parse(lang)
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, ps := range c.Panels {
		sources = append(sources, ps.Name)
	}
	opts := Options{
		Printer:  locale.New(tag),
		Sources:  sources,
		Interval: time.Minute,
		Now:      func() time.Time { return testNow },
	}
	m := New(context.Background(), opts, asciiRenderer())
	m = update(t, m, tea.WindowSizeMsg{Width: width, Height: height})
	m.polling = true
	return update(t, m, pollMsgOf(c))
}

func update(t *testing.T, m Model, msg tea.Msg) Model {
	t.Helper()
	next, _ := m.Update(msg)
	return next.(Model)
}

func press(t *testing.T, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "up":
			msg = tea.KeyMsg{Type: tea.KeyUp}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		m = update(t, m, msg)
	}
	return m
}

// lineWith returns the first line of view that contains text.
func lineWith(view, text string) string {
	for _, line := range strings.Split(view, "\n") {
		if strings.Contains(line, text) {
			return line
		}
	}
	return ""
}

// selectRig moves the table cursor onto the rig named name.
func selectRig(t *testing.T, m Model, name string) Model {
	t.Helper()
	for range len(m.table.rows) {
		if r, ok := m.table.selected(); ok && r.rig.Name() == name {
			return m
		}
		m = press(t, m, "down")
	}
	t.Fatalf("rig %q not in the table", name)
	return m
}

func keyMsg(k string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)} }

func sizeMsg(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// pollMsgOf is the message a poll returning c delivers.
func pollMsgOf(c alert.Cycle) pollDoneMsg {
	return pollDoneMsg{cycle: c, rows: buildRows(c, sortProblems), mode: sortProblems, totals: computeTotals(c)}
}
