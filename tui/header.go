package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"rigtop/alert"
)

// farmTotals are the header's figures, summed over every rig shown.
type farmTotals struct {
	rigsUp, rigs      int
	gpusHashing, gpus int
	hashByUnit        map[string]float64
	panelTime         time.Time
	panelClockKnown   bool
}

func computeTotals(c alert.Cycle) farmTotals {
	t := farmTotals{hashByUnit: map[string]float64{}}
	notReporting := alert.NotReporting(c.Alerts)
	for _, rig := range c.Rigs {
		t.rigs++
		if rig.GPUsDetected.Known {
			t.gpus += rig.GPUsDetected.Value
		}
		if rig.Condition.Down() || notReporting[[2]string{rig.Panel, rig.ID}] {
			continue
		}
		t.rigsUp++
		if rig.GPUsHashing.Known {
			t.gpusHashing += rig.GPUsHashing.Value
		}
		// A negative rate, which no working miner reports, would lower
		// the farm's total.
		if rig.Hash.Known && rig.Hash.Value > 0 {
			t.hashByUnit[alert.HashUnit(rig.Miner)] += rig.Hash.Value
		}
	}
	for _, ps := range c.Panels {
		if ps.Snapshot.PanelTime.After(t.panelTime) {
			t.panelTime = ps.Snapshot.PanelTime
			t.panelClockKnown = ps.Snapshot.PanelClockKnown
		}
	}
	return t
}

// hashText lists the total hash rate per unit, since miners of different
// algorithms report in units that cannot be added up.
func (t farmTotals) hashText() string {
	units := make([]string, 0, len(t.hashByUnit))
	for u := range t.hashByUnit {
		units = append(units, u)
	}
	sort.Strings(units)
	parts := make([]string, 0, len(units))
	for _, u := range units {
		parts = append(parts, strings.TrimSpace(fmt.Sprintf("%.1f %s", t.hashByUnit[u], u)))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, " + ")
}

// headerView draws two lines: the sources with the clocks, and the farm's
// totals. More lines name the error when the latest poll failed somewhere,
// the rigs that could not be read, and the alert state file when it cannot
// be used. Each line is cut to the width so the header never wraps, except
// the state file's warning, which takes up to two lines so that the advice
// after the file's path shows.
func (m Model) headerView() string {
	p, s := m.p, m.styles
	now := m.now()

	var clocks, totals []string
	if !m.haveData {
		totals = []string{s.Muted.Render(p.T("tui.header.loading"))}
	} else {
		t := m.totals
		totals = []string{
			p.T("tui.header.rigs", "Up", t.rigsUp, "Total", t.rigs),
			p.T("tui.header.gpus", "Hashing", t.gpusHashing, "Total", t.gpus),
			p.T("tui.header.hash_rate", "Hash", t.hashText()),
		}
		if !t.panelTime.IsZero() {
			clock := t.panelTime.Local().Format("15:04:05")
			if t.panelClockKnown {
				clocks = append(clocks, p.T("tui.header.panel_time", "Time", clock))
			} else {
				clocks = append(clocks, p.T("tui.header.local_time", "Time", clock))
			}
		}
		clocks = append(clocks, p.T("tui.header.updated", "Age", formatAge(now.Sub(m.lastUpdate))))
	}
	if status := m.pollStatus(now); status != "" {
		clocks = append(clocks, status)
	}

	right := strings.Join(clocks, "  ")
	names := make([]string, len(m.opts.Sources))
	for i, source := range m.opts.Sources {
		names[i] = shortPanelName(source)
	}
	left := s.Title.Render("rigtop") + " " + s.Muted.Render(strings.Join(names, ", "))
	leftWidth := max(m.width-lipgloss.Width(right)-2, min(m.width, 8))
	title := fit(left, leftWidth) + "  " + right

	lines := []string{fit(title, m.width), fit(strings.Join(totals, "  "), m.width)}
	if errText := m.fetchErrorText(); errText != "" {
		lines = append(lines, s.HeaderError.Render(fit(errText, m.width)))
	}
	if text := m.rigErrorText(); text != "" {
		lines = append(lines, s.Warn.Render(fit(text, m.width)))
	}
	if m.cycle.StateWarning != nil {
		text := m.p.T("tui.header.state_warning", "Error", alert.ErrorText(m.p, m.cycle.StateWarning))
		wrapped := strings.Split(wrap(text, m.width), "\n")
		for _, line := range wrapped[:min(len(wrapped), 2)] {
			lines = append(lines, s.HeaderError.Render(fit(line, m.width)))
		}
	}
	return strings.Join(lines, "\n")
}

func (m Model) pollStatus(now time.Time) string {
	if m.polling {
		return m.p.T("tui.header.polling")
	}
	if m.nextPoll.IsZero() {
		return ""
	}
	return m.p.T("tui.header.next_poll", "In", formatAge(max(m.nextPoll.Sub(now), 0)))
}

// fetchErrorText names the panels whose latest fetch failed, with the error
// of the first; the rest of the screen keeps their last good data.
func (m Model) fetchErrorText() string {
	var failed []alert.PanelStatus
	for _, ps := range m.cycle.Panels {
		if ps.Err != nil {
			failed = append(failed, ps)
		}
	}
	if len(failed) == 0 {
		return ""
	}
	first := failed[0]
	text := alert.ErrorText(m.p, first.Err)
	if !first.LastOK.IsZero() {
		text = m.p.T("tui.header.stale_since", "Error", text, "Age", formatAge(m.now().Sub(first.LastOK)))
	}
	if next := m.nextTry(first); !next.IsZero() {
		text = m.p.T("tui.header.next_try", "Error", text, "In", formatAge(max(next.Sub(m.now()), 0)))
	}
	if len(failed) > 1 {
		text = m.p.T("tui.header.more_failed", "Error", text, "Count", len(failed)-1)
	}
	return text
}

// nextTry returns when a failing panel is fetched again: at its NextFetch,
// which its backoff or its server's Retry-After sets, but not before the
// next poll. It is zero while a poll runs.
func (m Model) nextTry(ps alert.PanelStatus) time.Time {
	if m.polling {
		return time.Time{}
	}
	if ps.NextFetch.After(m.nextPoll) {
		return ps.NextFetch
	}
	return m.nextPoll
}

// rigErrorText names the rigs the panels listed but that could not be read.
func (m Model) rigErrorText() string {
	var ids []string
	var firstErr error
	for _, ps := range m.cycle.Panels {
		for _, re := range ps.Snapshot.RigErrors {
			ids = append(ids, re.RigID)
			if firstErr == nil {
				firstErr = re.Err
			}
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return m.p.N("tui.header.rigs_unreadable", len(ids), "IDs", strings.Join(ids, ", "), "Error", alert.ErrorText(m.p, firstErr))
}
