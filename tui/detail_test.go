package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"rigtop/panel"
)

func TestDetailGolden(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		for _, size := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", lang, size.width, size.height), func(t *testing.T) {
				m := newTestModel(t, lang, size.width, size.height, cycleOf(loadSnapshot(t, "nvidia-3rigs.json")))
				m = press(t, selectRig(t, m, "rig2"), "enter")
				golden.RequireEqual(t, m.View())
			})
		}
	}
}

// The per-GPU figures of rig2 (id 496406) are read off nvidia-3rigs.json by
// hand: models from meminfo, hashes from miner_hashes, temps from temp.
func TestDetailShowsEveryGPU(t *testing.T) {
	m := newTestModel(t, "en", 120, 35, cycleOf(loadSnapshot(t, "nvidia-3rigs.json")))
	m = press(t, selectRig(t, m, "rig2"), "enter")
	if m.view != viewDetail {
		t.Fatal("enter did not open the detail view")
	}
	view := m.View()
	want := []struct{ index, model, hash, temp string }{
		{"0", "GeForce GTX 1060 3GB", "18.37", "79"},
		{"5", "GeForce GTX 1060 3GB", "22.44", "61"},
		{"8", "GeForce GTX 1060 6GB", "22.79", "58"},
		{"12", "GeForce GTX 1060 3GB", "22.27", "60"},
	}
	for _, w := range want {
		line := lineWith(view, w.hash)
		if line == "" {
			t.Fatalf("no GPU line with hash %s:\n%s", w.hash, view)
		}
		fields := strings.Fields(line)
		if fields[0] != w.index {
			t.Errorf("GPU with hash %s has index %s, want %s", w.hash, fields[0], w.index)
		}
		for _, s := range []string{w.model, w.temp} {
			if !strings.Contains(line, s) {
				t.Errorf("GPU %s line lacks %q: %q", w.index, s, line)
			}
		}
	}
	gpuLines := 0
	for _, line := range strings.Split(view, "\n") {
		if strings.Contains(line, "GeForce GTX 1060") {
			gpuLines++
		}
	}
	if gpuLines != 13 {
		t.Errorf("%d GPU lines, want 13", gpuLines)
	}
	for _, s := range []string{"rig2", "496406", "H110 Pro BTC", "192.168.0.100", "us2.ethermine.org:4444"} {
		if !strings.Contains(view, s) {
			t.Errorf("detail lacks %q", s)
		}
	}

	m = press(t, m, "esc")
	if m.view != viewTable {
		t.Error("esc did not return to the table")
	}
}

func TestDetailScrollsAtSmallHeight(t *testing.T) {
	m := newTestModel(t, "en", 80, 24, cycleOf(loadSnapshot(t, "nvidia-3rigs.json")))
	m = press(t, selectRig(t, m, "rig2"), "enter")
	if strings.Contains(m.View(), "22.27") {
		t.Skip("all 13 GPUs fit at 80x24; nothing to scroll")
	}
	m = press(t, m, "G")
	if !strings.Contains(m.View(), "22.27") {
		t.Errorf("the last GPU is not reachable by scrolling:\n%s", m.View())
	}
}

func TestDetailMarksDeadAndHotGPUs(t *testing.T) {
	snap := loadSnapshot(t, "nvidia-3rigs.json")
	for i := range snap.Rigs {
		if snap.Rigs[i].ID != "f547c3" {
			continue
		}
		snap.Rigs[i].GPUs[2].Hash = panel.KnownReading(0)
		snap.Rigs[i].GPUs[4].TempC = panel.KnownReading(86)
	}
	m := newTestModel(t, "en", 120, 35, cycleOf(snap))
	if first, _ := m.table.selected(); first.rig.ID != "f547c3" || first.deadGPUs != 1 {
		t.Fatalf("rig with a dead GPU not first or not counted: %s dead=%d", first.rig.ID, first.deadGPUs)
	}
	m = press(t, m, "enter")
	view := m.View()
	if line := lineWith(view, "30.91"); line != "" {
		t.Errorf("dead GPU still shows its old hash: %q", line)
	}
	dead := ""
	for _, line := range strings.Split(view, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "2 ") {
			dead = line
		}
	}
	if !strings.Contains(dead, "DEAD") {
		t.Errorf("GPU 2 not marked dead: %q", dead)
	}
	if line := lineWith(view, "OVERHEAT"); !strings.HasPrefix(strings.TrimSpace(line), "4 ") {
		t.Errorf("GPU 4 at 86 °C not marked overheating: %q", line)
	}
}
