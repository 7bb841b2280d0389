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
		{"ja", "デスクトップの通知に失敗しました"},
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

func TestSilencePromptFitsNarrowScreen(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		m := newTestModel(t, lang, 80, 24, cycleOf(loadSnapshot(t, "nvidia-3rigs.json")))
		existing := alert.RigSilence("farm1", "496406", time.Time{})
		m.prompt = &silencePrompt{target: existing, name: "rig2", existing: &existing}
		view := m.View()
		// The prompt wraps, so compare with the lines joined.
		joined := strings.Join(strings.Fields(view), " ")
		for _, want := range []string{"4) ", "u) ", m.p.T("tui.silence.cancel")} {
			if !strings.Contains(joined, want) {
				t.Errorf("%s: prompt lacks %q at 80 columns:\n%s", lang, want, view)
			}
		}
		if n := len(strings.Split(view, "\n")); n > 24 {
			t.Errorf("%s: %d lines on a 24-line screen", lang, n)
		}
	}
}

func TestSilenceShowsBeforeNextPoll(t *testing.T) {
	c := cycleOf(loadSnapshot(t, "nvidia-3rigs.json"))
	c.Alerts = []alert.Alert{{
		Key:      alert.Key{Panel: "farm1", RigID: "496406", GPU: alert.NoGPU, Kind: alert.KindCondition},
		Severity: alert.SeverityCritical, RigLabel: "rig2", State: alert.StateFiring,
	}}
	m := newTestModel(t, "en", 120, 35, c)
	m = update(t, m, silenceDoneMsg{silences: []alert.Silence{alert.RigSilence("farm1", "496406", time.Time{})}})
	if !m.cycle.Alerts[0].Silenced {
		t.Error("alert of the silenced rig not marked silenced until the next poll")
	}
	m = press(t, m, "a")
	if !strings.Contains(m.View(), "rig rig2 (496406) on farm1") {
		t.Errorf("silence not listed with the rig's label:\n%s", m.View())
	}
}
