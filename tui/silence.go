package tui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"rigtop/alert"
)

// silenceChoice is one entry of the silence prompt; 0 lasts until resumed.
type silenceChoice struct {
	key      string
	duration time.Duration
}

var silenceChoices = []silenceChoice{
	{"1", time.Hour},
	{"2", 4 * time.Hour},
	{"3", 24 * time.Hour},
	{"4", 0},
}

// silencePrompt is the open question "silence what, for how long".
type silencePrompt struct {
	target alert.Silence
	name   string
	// existing is the silence already covering target, if any, so that u
	// can lift it.
	existing *alert.Silence
}

// silenceDoneMsg reports that a silence was set or lifted.
type silenceDoneMsg struct {
	silences []alert.Silence
	err      error
}

// silenceCmd saves a silence through the monitor, which writes its state
// file, so it runs as a command rather than in Update.
func silenceCmd(m *alert.Monitor, s alert.Silence) tea.Cmd {
	return func() tea.Msg {
		err := m.Silence(s)
		return silenceDoneMsg{silences: m.Silences(), err: err}
	}
}

func unsilenceCmd(m *alert.Monitor, id string) tea.Cmd {
	return func() tea.Msg {
		err := m.Unsilence(id)
		return silenceDoneMsg{silences: m.Silences(), err: err}
	}
}

// openSilencePrompt prompts for how long to silence what is selected: the rig in
// the table and detail views, the alert in the alerts view.
func (m *Model) openSilencePrompt() {
	var prompt silencePrompt
	switch m.view {
	case viewAlerts:
		a, ok := m.alerts.selected()
		if !ok {
			return
		}
		prompt = silencePrompt{target: alert.KeySilence(a.Key, time.Time{}), name: alert.Describe(m.p, a)}
	case viewDetail:
		r := m.detail.row
		prompt = silencePrompt{target: alert.RigSilence(r.rig.Panel, r.rig.ID, time.Time{}), name: r.rig.Name()}
	default:
		r, ok := m.table.selected()
		if !ok {
			return
		}
		prompt = silencePrompt{target: alert.RigSilence(r.rig.Panel, r.rig.ID, time.Time{}), name: r.rig.Name()}
	}
	for _, s := range m.silences {
		if s.Key == prompt.target.Key {
			s := s
			prompt.existing = &s
		}
	}
	m.prompt = &prompt
}

func (m Model) handlePromptKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	prompt := m.prompt
	m.prompt = nil
	if msg.Type == tea.KeyCtrlC {
		return m, tea.Quit
	}
	if m.opts.Monitor == nil {
		return m, nil
	}
	k := msg.String()
	if k == "u" && prompt.existing != nil {
		return m, unsilenceCmd(m.opts.Monitor, prompt.existing.ID)
	}
	for _, c := range silenceChoices {
		if k != c.key {
			continue
		}
		s := prompt.target
		if c.duration > 0 {
			s.Until = m.now().Add(c.duration)
		}
		return m, silenceCmd(m.opts.Monitor, s)
	}
	return m, nil
}

// promptView draws the silence prompt, wrapped onto as many lines as the
// width needs, so that no choice is cut off on a narrow screen.
func (m Model) promptView() string {
	text := m.p.T("tui.silence.prompt", "Name", m.prompt.name)
	if m.prompt.existing != nil {
		text += "  " + m.p.T("tui.silence.resume")
	}
	text += "  " + m.p.T("tui.silence.cancel")
	return m.styles.Notice.Render(wrap(text, m.width))
}

func (m *Model) handleSilenceDone(msg silenceDoneMsg) {
	if msg.err != nil {
		m.status = m.p.T("tui.status.silence_failed", "Error", alert.ErrorText(m.p, msg.err))
		m.statusErr = true
		m.log.Warn("silence failed", "err", msg.err)
		return
	}
	m.silences = msg.silences
	m.alerts.silences = msg.silences
	m.markSilenced()
	m.status = m.p.N("tui.status.silences", len(msg.silences))
	m.statusErr = false
}

// silencedCount is the number of alerts muted by a silence.
func silencedCount(alerts []alert.Alert) int {
	n := 0
	for _, a := range alerts {
		if a.Silenced && a.State != alert.StateResolved {
			n++
		}
	}
	return n
}

// markSilenced applies the current silences to the alerts on screen, so a
// silence shows at once rather than after the next poll.
func (m *Model) markSilenced() {
	now := m.now()
	alerts := make([]alert.Alert, len(m.cycle.Alerts))
	copy(alerts, m.cycle.Alerts)
	for i := range alerts {
		alerts[i].Silenced = false
		for _, s := range m.silences {
			if s.Active(now) && s.Matches(alerts[i].Key) {
				alerts[i].Silenced = true
			}
		}
	}
	m.cycle.Alerts = alerts
	m.alerts.setCycle(m.cycle)
}
