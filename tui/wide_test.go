package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"rigtop/panel"
)

// wideLabels gives the NVIDIA sample's rigs full-width and mixed labels,
// one of them longer than any name column.
func wideLabels(t *testing.T) panel.Snapshot {
	snap := loadSnapshot(t, "nvidia-3rigs.json")
	labels := map[string]string{
		"f547c3": "１号機",
		"496406": "サブPC",
		"074ac8": "ラック上段の予備機ＧＴＸ１０６０混在リグ",
	}
	for i := range snap.Rigs {
		snap.Rigs[i].Label = labels[snap.Rigs[i].ID]
	}
	return snap
}

func TestWideLabelsGolden(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		for _, size := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", lang, size.width, size.height), func(t *testing.T) {
				m := newTestModel(t, lang, size.width, size.height, cycleOf(wideLabels(t)))
				golden.RequireEqual(t, m.View())
			})
		}
	}
}

// hashEnd returns the display column where text ends in line, or -1.
func hashEnd(line, text string) int {
	i := strings.Index(line, text)
	if i < 0 {
		return -1
	}
	return ansi.StringWidth(line[:i+len(text)])
}

func TestWideLabelsKeepColumnsAligned(t *testing.T) {
	// Rig hashes from nvidia-3rigs.json, rounded to one decimal.
	hashes := map[string]string{"１号機": "183.5", "サブPC": "255.2", "ラック上段": "59.0"}
	for _, lang := range []string{"en", "ja"} {
		for _, size := range []struct{ width, height int }{{120, 35}, {80, 24}, {60, 20}} {
			m := newTestModel(t, lang, size.width, size.height, cycleOf(wideLabels(t)))
			view := m.View()
			col := -1
			for label, hash := range hashes {
				line := lineWith(view, label)
				if line == "" {
					t.Fatalf("%s %dx%d: no line for %s:\n%s", lang, size.width, size.height, label, view)
				}
				if w := ansi.StringWidth(line); w > size.width {
					t.Errorf("%s %dx%d: line for %s is %d cells wide", lang, size.width, size.height, label, w)
				}
				end := hashEnd(line, hash)
				if col >= 0 && end != col {
					t.Errorf("%s %dx%d: hash of %s ends at column %d, others at %d", lang, size.width, size.height, label, end, col)
				}
				col = end
			}
		}
	}
}

func TestFitNeverSplitsWideCharacters(t *testing.T) {
	for width := 1; width <= 12; width++ {
		got := fit("サブPC１号機", width)
		if w := ansi.StringWidth(got); w != width {
			t.Errorf("fit to %d: %q is %d cells", width, got, w)
		}
		if strings.ContainsRune(got, '\uFFFD') {
			t.Errorf("fit to %d produced a broken character: %q", width, got)
		}
	}
	// サ and ブ are two cells each and the ellipsis one: 2+2+1 = 5.
	if got := fit("サブPC", 5); got != "サブ…" {
		t.Errorf("fit(サブPC, 5) = %q", got)
	}
	// Four cells do not hold サブ plus the ellipsis: サ, the ellipsis and a
	// space of padding.
	if got := fit("サブPC", 4); got != "サ… " {
		t.Errorf("fit(サブPC, 4) = %q", got)
	}
}
