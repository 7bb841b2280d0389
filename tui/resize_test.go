package tui

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestResizeTooSmallAndBack(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			m := newTestModel(t, lang, 120, 35, cycleOf(loadSnapshot(t, "nvidia-3rigs.json")))
			m = press(t, m, "j")
			before := m.View()

			m = update(t, m, sizeMsg(20, 5))
			small := m.View()
			checkScreen(t, small, 20, 5)
			if want := map[string]string{"en": "too small", "ja": "小さすぎます"}[lang]; !strings.Contains(strings.ReplaceAll(small, "\n", ""), want) {
				t.Errorf("no notice at 20x5:\n%s", small)
			}
			if strings.Contains(small, "rig1") {
				t.Errorf("the table is drawn at 20x5:\n%s", small)
			}

			// Keys still work while the window is small.
			m = press(t, m, "j", "k")

			m = update(t, m, sizeMsg(120, 35))
			if after := m.View(); after != before {
				t.Errorf("screen after resizing back differs from before:\n%s\nwant:\n%s", after, before)
			}
		})
	}
}

func TestResizeEverySmallSize(t *testing.T) {
	// Around the minimum size and down to 1×1: every frame fits the
	// terminal, and either the monitor or the notice is drawn. The hostile
	// panel adds the longest header: a warning line and a status line.
	models := map[string]Model{
		"nvidia":  newTestModel(t, "en", 120, 35, cycleOf(loadSnapshot(t, "nvidia-3rigs.json"))),
		"hostile": hostileModel(t, "en", asciiRenderer()),
	}
	// Every header line at once: a failing panel, a rig that could not be
	// read and a state file that cannot be saved.
	warned := hostileModel(t, "en", asciiRenderer())
	cycle := failedCycle(warned.cycle, refusedPanel, testNow.Add(-time.Minute), testNow.Add(time.Minute))
	cycle.StateWarning = fmt.Errorf("save alert state /var/lib/rigtop/state.json: write temporary file: %w", syscall.ENOSPC)
	warned.polling = true
	models["warnings"] = update(t, warned, pollMsgOf(cycle))

	for _, size := range []struct{ width, height int }{
		{minWidth, minHeight}, {minWidth - 1, minHeight}, {minWidth, minHeight - 1},
		{20, 5}, {10, 2}, {1, 1}, {200, 3}, {3, 60},
	} {
		for name, m := range models {
			t.Run(fmt.Sprintf("%s/%dx%d", name, size.width, size.height), func(t *testing.T) {
				m := update(t, m, sizeMsg(size.width, size.height))
				for _, view := range []string{m.View(), press(t, m, "enter").View(), press(t, m, "a").View(), press(t, m, "?").View(),
					press(t, m, "?", "/", "r", "i").View()} {
					checkScreen(t, view, size.width, size.height)
					small := size.width < minWidth || size.height < minHeight
					if got := strings.Contains(strings.ReplaceAll(view, "\n", ""), "small"); small && size.width >= 10 && !got {
						t.Errorf("no notice:\n%s", view)
					}
					if !small && !strings.Contains(view, "rigtop") {
						t.Errorf("no header at the minimum size:\n%s", view)
					}
				}
			})
		}
	}
}
