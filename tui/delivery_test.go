package tui

import (
	"strings"
	"testing"
	"time"

	"rigtop/alert"
)

// A desktop notification that fails on a box without a desktop session is
// shown in the status line and the alerts log, in the operator's language,
// and the monitor keeps its data.
func TestFailedNotificationShown(t *testing.T) {
	for _, tt := range []struct{ lang, want string }{
		{"en", "desktop notification failed"},
		{"ja", "desktopの通知に失敗しました"},
	} {
		m := newTestModel(t, tt.lang, 120, 35, cycleOf(loadSnapshot(t, "nvidia-3rigs.json")))
		d := alert.Delivery{Channel: "desktop", At: testNow, Attempt: 1, Err: alert.ErrNoDesktopSession, Final: true}
		m = update(t, m, deliveryMsg(d))
		view := m.View()
		status := lineWith(view, tt.want)
		if status == "" {
			t.Fatalf("%s: status line lacks %q:\n%s", tt.lang, tt.want, view)
		}
		if explained := alert.ErrorText(m.p, alert.ErrNoDesktopSession); !strings.Contains(status, explained[:min(len(explained), 12)]) {
			t.Errorf("%s: status line does not explain the error: %q", tt.lang, status)
		}
		if !strings.Contains(view, "rig2") {
			t.Errorf("%s: rigs vanished after a failed notification", tt.lang)
		}
		m = press(t, m, "a")
		if !strings.Contains(m.View(), explainedPrefix(m, alert.ErrNoDesktopSession)) {
			t.Errorf("%s: alerts log does not list the failure:\n%s", tt.lang, m.View())
		}
	}
}

func explainedPrefix(m Model, err error) string {
	text := alert.ErrorText(m.p, err)
	r := []rune(text)
	return string(r[:min(len(r), 8)])
}

func TestSilenceCountPlural(t *testing.T) {
	m := newTestModel(t, "en", 120, 35, cycleOf(loadSnapshot(t, "nvidia-3rigs.json")))
	one := []alert.Silence{alert.RigSilence("farm1", "496406", testNow.Add(time.Hour))}
	m = update(t, m, silenceDoneMsg{silences: one})
	if !strings.Contains(m.View(), "1 silence in force") {
		t.Errorf("one silence not in the singular:\n%s", m.View())
	}
	two := append(one, alert.RigSilence("farm1", "f547c3", time.Time{}))
	m = update(t, m, silenceDoneMsg{silences: two})
	if !strings.Contains(m.View(), "2 silences in force") {
		t.Errorf("two silences not in the plural:\n%s", m.View())
	}
}
