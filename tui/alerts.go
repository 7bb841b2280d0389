package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"rigtop/alert"
	"rigtop/locale"
)

// alertsView lists what is firing, pending and silenced, and the log of
// notifications sent.
type alertsView struct {
	p      *locale.Printer
	styles *Styles

	cycle      alert.Cycle
	deliveries []deliveryRecord
	silences   []alert.Silence
	cursor     int
	offset     int
	width      int
	height     int
}

func (v *alertsView) setCycle(c alert.Cycle) {
	v.cycle = c
	v.clamp()
}

func (v *alertsView) setSize(width, height int) {
	v.width, v.height = width, height
	v.clamp()
}

// active returns the alerts that can be selected and silenced.
func (v *alertsView) active() []alert.Alert {
	var out []alert.Alert
	for _, a := range v.cycle.Alerts {
		if a.State != alert.StateResolved {
			out = append(out, a)
		}
	}
	return out
}

func (v *alertsView) selected() (alert.Alert, bool) {
	active := v.active()
	if v.cursor < 0 || v.cursor >= len(active) {
		return alert.Alert{}, false
	}
	return active[v.cursor], true
}

func (v *alertsView) handleKey(msg tea.KeyMsg, keys KeyMap) {
	v.cursor, _ = keys.moved(msg, v.cursor, v.height, len(v.active())-1)
	v.clamp()
}

// clamp keeps the cursor on an active alert. It runs after every message,
// so it counts the alerts instead of copying them as active does.
func (v *alertsView) clamp() {
	n := 0
	for i := range v.cycle.Alerts {
		if v.cycle.Alerts[i].State != alert.StateResolved {
			n++
		}
	}
	v.cursor = max(min(v.cursor, n-1), 0)
}

func (v *alertsView) view() string {
	lines := v.lines()
	// Keep the selected alert on screen: it is on line cursor+2 (after the
	// section title), counted from the top.
	sel := v.cursor + 1
	if sel < v.offset {
		v.offset = sel
	}
	if sel >= v.offset+v.height {
		v.offset = sel - v.height + 1
	}
	v.offset = max(min(v.offset, len(lines)-v.height), 0)
	end := min(v.offset+v.height, len(lines))
	return strings.Join(lines[v.offset:end], "\n")
}

func (v *alertsView) lines() []string {
	p, s := v.p, v.styles
	active := v.active()

	lines := []string{s.Header.Render(fit(p.T("tui.alerts.active_title", "Count", len(active)), v.width))}
	if len(active) == 0 {
		lines = append(lines, s.Muted.Render(p.T("tui.alerts.none")))
	}
	for i, a := range active {
		lines = append(lines, v.alertLine(a, i == v.cursor))
	}

	lines = append(lines, "", s.Header.Render(fit(p.T("tui.alerts.silences_title", "Count", len(v.silences)), v.width)))
	if len(v.silences) == 0 {
		lines = append(lines, s.Muted.Render(p.T("tui.alerts.no_silences")))
	}
	for _, sil := range v.silences {
		lines = append(lines, fit(noMark+v.silenceLine(sil), v.width))
	}

	lines = append(lines, "", s.Header.Render(fit(p.T("tui.alerts.log_title"), v.width)))
	if len(v.deliveries) == 0 {
		lines = append(lines, s.Muted.Render(p.T("tui.alerts.log_empty")))
	}
	for i := len(v.deliveries) - 1; i >= 0; i-- {
		lines = append(lines, v.deliveryLine(v.deliveries[i]))
	}
	return lines
}

func (v *alertsView) alertLine(a alert.Alert, selected bool) string {
	p, s := v.p, v.styles
	state := p.T("tui.alerts.state_pending")
	switch {
	case a.Silenced:
		state = p.T("tui.alerts.state_silenced")
	case a.State == alert.StateFiring:
		state = p.T("tui.alerts.state_firing")
	}
	text := fit(state, 10) + " " + fit(alert.SeverityName(p, a.Severity), 8) + " " +
		a.Since.Local().Format("01-02 15:04") + " " + alert.Describe(p, a)
	text = fit(text, v.width-len(cursorMark))
	switch {
	case selected:
		return cursorMark + s.Selected.Render(text)
	case a.Silenced || a.State == alert.StatePending:
		return noMark + s.Muted.Render(text)
	}
	return noMark + levelStyle(s, severityLevel(a.Severity)).Render(text)
}

func (v *alertsView) deliveryLine(d deliveryRecord) string {
	p, s := v.p, v.styles
	result := p.T("tui.alerts.sent")
	st := s.Good
	if d.err != nil {
		result = p.T("tui.alerts.failed", "Error", alert.ErrorText(p, d.err))
		st = s.Bad
	}
	text := d.at.Local().Format("01-02 15:04:05") + " " + fit(channelName(v.p, d.channel), 12) + " " +
		d.headline + ": " + result
	return st.Render(fit(text, v.width))
}

func (v *alertsView) silenceLine(s alert.Silence) string {
	p := v.p
	until := p.T("tui.alerts.until_resumed")
	if !s.Until.IsZero() {
		until = p.T("tui.alerts.until", "Time", s.Until.Local().Format("01-02 15:04"))
	}
	what := s.Key.String()
	if s.Rig() {
		what = p.T("tui.alerts.silenced_rig", "Panel", shortPanelName(s.Key.Panel), "Rig", v.rigName(s.Key.Panel, s.Key.RigID))
	}
	return what + "  " + until
}

// rigName returns the rig's label with its id, or the id alone when the
// rig is not in the latest poll or has no label.
func (v *alertsView) rigName(panelName, rigID string) string {
	for i := range v.cycle.Rigs {
		r := &v.cycle.Rigs[i]
		if r.Panel == panelName && r.ID == rigID && r.Label != "" && r.Label != r.ID {
			return r.Label + " (" + r.ID + ")"
		}
	}
	return rigID
}

// channelName returns a notification channel's name in the operator's
// language; a channel the catalogue does not know keeps its own name.
func channelName(p *locale.Printer, name string) string {
	switch name {
	case "desktop":
		return p.T("tui.channel.desktop")
	case "mail":
		return p.T("tui.channel.mail")
	}
	return name
}
