package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"rigtop/alert"
	"rigtop/panel"
)

var sizes = []struct{ width, height int }{{120, 35}, {80, 24}}

func TestTableGolden(t *testing.T) {
	for _, sample := range []string{"nvidia-3rigs.json", "amd-10rigs-one-unreachable.json"} {
		for _, lang := range []string{"en", "ja"} {
			for _, size := range sizes {
				name := fmt.Sprintf("%s/%s/%dx%d", strings.TrimSuffix(sample, ".json"), lang, size.width, size.height)
				t.Run(name, func(t *testing.T) {
					m := newTestModel(t, lang, size.width, size.height, cycleOf(loadSnapshot(t, sample)))
					golden.RequireEqual(t, m.View())
				})
			}
		}
	}
}

// The figures below are read off nvidia-3rigs.json by hand.
func TestTableShowsEveryRig(t *testing.T) {
	want := []struct{ label, cond, hash, gpus string }{
		{"rig1", "mining", "183.5", "6/6"},
		{"rig2", "mining", "255.2", "13/13"},
		{"subpc_hi", "mining", "59.0", "3/3"},
	}
	for _, size := range sizes {
		m := newTestModel(t, "en", size.width, size.height, cycleOf(loadSnapshot(t, "nvidia-3rigs.json")))
		view := m.View()
		for _, w := range want {
			line := lineWith(view, w.label)
			if line == "" {
				t.Fatalf("%dx%d: no line for %s in\n%s", size.width, size.height, w.label, view)
			}
			for _, field := range []string{w.cond, w.hash, w.gpus} {
				if !strings.Contains(line, field) {
					t.Errorf("%dx%d: line for %s lacks %q: %q", size.width, size.height, w.label, field, line)
				}
			}
		}
		if !strings.Contains(view, "Rigs 3/3 up") {
			t.Errorf("%dx%d: header lacks rig totals:\n%s", size.width, size.height, view)
		}
		if !strings.Contains(view, "GPUs 22/22 hashing") {
			t.Errorf("%dx%d: header lacks GPU totals", size.width, size.height)
		}
		// 183.51 + 255.17 + 59.03
		if !strings.Contains(view, "497.7 MH/s") {
			t.Errorf("%dx%d: header lacks total hash 497.7 MH/s", size.width, size.height)
		}
	}
}

func TestTableLinesFitWidth(t *testing.T) {
	for _, size := range []struct{ width, height int }{{120, 35}, {80, 24}, {60, 15}, {40, 10}} {
		for _, lang := range []string{"en", "ja"} {
			m := newTestModel(t, lang, size.width, size.height, cycleOf(loadSnapshot(t, "amd-10rigs-one-unreachable.json")))
			lines := strings.Split(m.View(), "\n")
			if len(lines) > size.height {
				t.Errorf("%s %dx%d: %d lines", lang, size.width, size.height, len(lines))
			}
			for i, line := range lines {
				if w := ansi.StringWidth(line); w > size.width {
					t.Errorf("%s %dx%d: line %d is %d cells wide: %q", lang, size.width, size.height, i, w, line)
				}
			}
		}
	}
}

func TestUnreachableRigFirst(t *testing.T) {
	m := newTestModel(t, "en", 120, 35, cycleOf(loadSnapshot(t, "amd-10rigs-one-unreachable.json")))
	first, ok := m.table.selected()
	if !ok {
		t.Fatal("no rig selected")
	}
	if first.rig.Condition != panel.Unreachable {
		t.Errorf("first rig is %s (%s), want the unreachable one", first.rig.Name(), first.rig.Condition)
	}
	if first.level != levelBad {
		t.Errorf("unreachable rig level = %d, want bad", first.level)
	}
}

func TestSortCycles(t *testing.T) {
	m := newTestModel(t, "en", 120, 35, cycleOf(loadSnapshot(t, "nvidia-3rigs.json")))
	m = press(t, m, "s")
	if m.sort != sortName {
		t.Fatalf("sort after one s = %d, want name", m.sort)
	}
	names := []string{}
	for _, r := range m.table.rows {
		names = append(names, r.rig.Name())
	}
	if got := strings.Join(names, ","); got != "rig1,rig2,subpc_hi" {
		t.Errorf("by name = %s", got)
	}
	m = press(t, m, "s")
	if first, _ := m.table.selected(); m.table.rows[0].rig.Name() != "rig2" {
		t.Errorf("by hash first = %s (selected %s), want rig2 (255.17)", m.table.rows[0].rig.Name(), first.rig.Name())
	}
	if !strings.Contains(m.View(), "sorted by hash rate") {
		t.Error("status line does not name the sort order")
	}
	for range sortModeCount - 2 {
		m = press(t, m, "s")
	}
	if m.sort != sortProblems {
		t.Errorf("sort did not cycle back to problems first: %d", m.sort)
	}
}

func TestFilterByNameIDAndCondition(t *testing.T) {
	base := newTestModel(t, "en", 120, 35, cycleOf(loadSnapshot(t, "amd-10rigs-one-unreachable.json")))
	tests := []struct {
		query string
		want  int
	}{
		{"r1_10", 1},
		{"a10002", 1},
		{"unreachable", 1},
		{"nothing-matches", 0},
	}
	for _, tt := range tests {
		m := press(t, base, "/")
		m = press(t, m, tt.query, "enter")
		if got := len(m.table.rows); got != tt.want {
			t.Errorf("filter %q: %d rows, want %d", tt.query, got, tt.want)
		}
		if !strings.Contains(m.View(), "filter: "+tt.query) {
			t.Errorf("filter %q not shown in the footer", tt.query)
		}
		m = press(t, m, "esc")
		if got := len(m.table.rows); got != 10 {
			t.Errorf("after esc: %d rows, want all 10", got)
		}
	}
}

func TestFailedPollKeepsLastData(t *testing.T) {
	snap := loadSnapshot(t, "nvidia-3rigs.json")
	m := newTestModel(t, "en", 120, 35, cycleOf(snap))

	failed := cycleOf(snap)
	failed.At = testNow
	failed.Panels[0].Err = &panel.FetchError{URL: "http://127.0.0.1:9/?json=yes", Kind: panel.KindRefused}
	failed.Panels[0].Stale = true
	m.polling = true
	m = update(t, m, pollMsgOf(failed))

	view := m.View()
	for _, label := range []string{"rig1", "rig2", "subpc_hi"} {
		line := lineWith(view, label)
		if line == "" {
			t.Fatalf("rig %s disappeared after a failed poll:\n%s", label, view)
		}
		if !strings.Contains(line, "mining?") {
			t.Errorf("rig %s not marked stale: %q", label, line)
		}
	}
	if !strings.Contains(view, "refused") {
		t.Errorf("header does not show the fetch error:\n%s", view)
	}
}

func TestStaleTickDropped(t *testing.T) {
	m := newTestModel(t, "en", 120, 35, cycleOf(loadSnapshot(t, "nvidia-3rigs.json")))
	gen := m.tickGen
	m = press(t, m, "r")
	if !m.polling {
		t.Fatal("r did not start a poll")
	}
	m.polling = false
	next, cmd := m.Update(pollTickMsg{gen: gen})
	if cmd != nil || next.(Model).polling {
		t.Error("a tick armed before the manual refresh started another poll")
	}
}

func TestRefreshWhilePollingQueues(t *testing.T) {
	m := newTestModel(t, "en", 120, 35, cycleOf(loadSnapshot(t, "nvidia-3rigs.json")))
	m.polling = true
	next, cmd := m.Update(keyMsg("r"))
	if cmd != nil {
		t.Error("r during a poll started a second one")
	}
	if !next.(Model).refreshPending {
		t.Error("r during a poll was forgotten")
	}
}

func TestTooSmall(t *testing.T) {
	m := newTestModel(t, "en", 30, 8, cycleOf(loadSnapshot(t, "nvidia-3rigs.json")))
	view := m.View()
	if !strings.Contains(view, "too small") {
		t.Errorf("no notice at 30x8:\n%s", view)
	}
	for _, line := range strings.Split(view, "\n") {
		if ansi.StringWidth(line) > 30 {
			t.Errorf("notice line wider than the window: %q", line)
		}
	}
	m = update(t, m, sizeMsg(80, 24))
	if strings.Contains(m.View(), "too small") {
		t.Error("notice still shown after growing to 80x24")
	}
}

func TestWorstAlertShown(t *testing.T) {
	c := cycleOf(loadSnapshot(t, "nvidia-3rigs.json"))
	c.Alerts = []alert.Alert{{
		Key:      alert.Key{Panel: "farm1", RigID: "496406", GPU: 0, Kind: alert.KindGPUHot},
		Severity: alert.SeverityWarning, RigLabel: "rig2", State: alert.StateFiring,
		Values: alert.Values{TempC: 81, Threshold: 80},
	}}
	m := newTestModel(t, "en", 120, 35, c)
	first, _ := m.table.selected()
	if first.rig.Name() != "rig2" {
		t.Errorf("rig with a firing alert is not first: %s", first.rig.Name())
	}
	if line := lineWith(m.View(), "rig2"); !strings.Contains(line, alert.KindName(m.p, alert.KindGPUHot)) {
		t.Errorf("rig2 line lacks its alert: %q", line)
	}
}

func TestPanelColumnWithSeveralPanels(t *testing.T) {
	first := loadSnapshot(t, "nvidia-3rigs.json")
	body := readSample(t, "ethos13-just-booted.json")
	second, err := panel.Decode(body, "farm2", testNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range sizes {
		m := newTestModel(t, "en", size.width, size.height, cycleOf(first, second))
		view := m.View()
		if line := lineWith(view, "rig2"); !strings.Contains(line, "farm1") {
			t.Errorf("%dx%d: rig2 does not name its panel: %q", size.width, size.height, line)
		}
		if line := lineWith(view, "a40001"); !strings.Contains(line, "farm2") {
			t.Errorf("%dx%d: a40001 does not name its panel: %q", size.width, size.height, line)
		}
	}
}

func TestKeysInOneReadEachCount(t *testing.T) {
	m := newTestModel(t, "en", 120, 35, cycleOf(loadSnapshot(t, "amd-10rigs-one-unreachable.json")))
	m = update(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj")})
	if m.table.cursor != 3 {
		t.Errorf("cursor after jjj in one read = %d, want 3", m.table.cursor)
	}
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("qq")})
	if cmd == nil {
		t.Fatal("qq in one read did not quit")
	}
	batch, ok := cmd().(tea.BatchMsg)
	if !ok {
		t.Fatalf("qq returned %T, want a batch", cmd())
	}
	quits := 0
	for _, c := range batch {
		if c == nil {
			continue
		}
		if _, ok := c().(tea.QuitMsg); ok {
			quits++
		}
	}
	if quits == 0 {
		t.Error("qq in one read did not quit")
	}
}

func TestShortPanelName(t *testing.T) {
	tests := map[string]string{
		"http://abc123.ethosdistro.com/":          "abc123",
		"http://abc123.ethosdistro.com/?json=yes": "abc123",
		"abc123": "abc123",
		"http://127.0.0.1:8765/nvidia-3rigs.json":  "127.0.0.1:8765/nvidia-3rigs.json",
		"https://panel.example:8443/farm?json=yes": "panel.example:8443/farm",
		"testdata/panels/nvidia-3rigs.json":        "testdata/panels/nvidia-3rigs.json",
		"saved?.json":                              "saved?.json",
	}
	for in, want := range tests {
		if got := shortPanelName(in); got != want {
			t.Errorf("shortPanelName(%q) = %q, want %q", in, got, want)
		}
	}
	// A long name keeps its end, which differs between panels.
	if got := fitTail("127.0.0.1:8765/nvidia-3rigs.json", 12); got != "…-3rigs.json" {
		t.Errorf("fitTail = %q", got)
	}
}

func TestHashCellCarriesOtherUnits(t *testing.T) {
	cpu := rigRow{rig: &panel.Rig{Miner: "xmr-stak", Hash: panel.Some(3693.3)}}
	if got := hashCell(cpu); got != "3693 H/s" {
		t.Errorf("CPU miner hash cell = %q, want 3693 H/s", got)
	}
	gpu := rigRow{rig: &panel.Rig{Miner: "claymore", Hash: panel.Some(183.51)}}
	if got := hashCell(gpu); got != "183.5" {
		t.Errorf("ethash hash cell = %q, want 183.5", got)
	}
}

// A rig that stopped reporting is not counted as up, whatever its last
// condition was.
func TestStaleRigNotCountedUp(t *testing.T) {
	c := cycleOf(loadSnapshot(t, "nvidia-3rigs.json"))
	c.Alerts = []alert.Alert{{
		Key:      alert.Key{Panel: "farm1", RigID: "074ac8", GPU: alert.NoGPU, Kind: alert.KindStale},
		Severity: alert.SeverityCritical, RigLabel: "subpc_hi", State: alert.StateFiring,
	}}
	m := newTestModel(t, "en", 120, 35, c)
	view := m.View()
	// subpc_hi has 3 GPUs and 59.03 MH/s: 22-3 = 19 GPUs, 497.71-59.03 = 438.68.
	for _, want := range []string{"Rigs 2/3 up", "GPUs 19/22 hashing", "438.7 MH/s"} {
		if !strings.Contains(view, want) {
			t.Errorf("header lacks %q:\n%s", want, view)
		}
	}
}
