package tui

import (
	"fmt"
	"math"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"rigtop/alert"
	"rigtop/locale"
	"rigtop/panel"
)

// rigDetail shows one rig: its details and one row per GPU. It follows the
// rig across polls by id, so the numbers stay live while it is open.
type rigDetail struct {
	p      *locale.Printer
	styles *Styles

	row    rigRow
	found  bool
	offset int
	width  int
	height int
}

func (d *rigDetail) open(r rigRow) {
	d.row, d.found, d.offset = r, true, 0
}

// refresh picks up the rig's new data after a poll. A rig that disappeared
// from the panel keeps its last data, marked as gone.
func (d *rigDetail) refresh(rows []rigRow) {
	for _, r := range rows {
		if r.id == d.row.id {
			d.row, d.found = r, true
			return
		}
	}
	d.found = false
}

func (d *rigDetail) setSize(width, height int) {
	d.width, d.height = width, height
	d.clamp()
}

func (d *rigDetail) handleKey(msg tea.KeyMsg, keys KeyMap) {
	// clamp stops the scroll at the last page, so "bottom" can overshoot
	// without building the lines twice.
	d.offset, _ = keys.moved(msg, d.offset, d.height, math.MaxInt)
	d.clamp()
}

func (d *rigDetail) clamp() {
	if d.row.rig == nil {
		// Nothing was opened yet: there is nothing to scroll.
		d.offset = 0
		return
	}
	d.offset = max(min(d.offset, len(d.lines())-d.height), 0)
}

func (d *rigDetail) view() string {
	lines := d.lines()
	end := min(d.offset+d.height, len(lines))
	shown := lines[min(d.offset, end):end]
	// When more lines follow, the last one shows it, since nothing else on
	// the screen shows that the GPU list goes on.
	if more := len(lines) - end; more > 0 && len(shown) > 1 {
		shown = append(shown[:len(shown)-1:len(shown)-1],
			d.styles.Muted.Render(fit(d.p.N("tui.detail.more", more+1), d.width)))
	}
	return strings.Join(shown, "\n")
}

// lines renders the whole detail; the view scrolls through it.
func (d *rigDetail) lines() []string {
	p, s, r := d.p, d.styles, d.row
	rig := r.rig

	title := s.Title.Render(rig.Name())
	if rig.Label != "" && rig.Label != rig.ID {
		title += " " + s.Muted.Render("("+rig.ID+")")
	}
	word := conditionCell(p, r)
	title += "  " + levelStyle(s, r.level).Render(word)
	if !strings.Contains(word, string(rig.Condition)) {
		title += " " + s.Muted.Render("["+string(rig.Condition)+"]")
	}
	if !d.found {
		title += "  " + s.Bad.Render(p.T("tui.detail.gone"))
	}
	lines := []string{fit(title, d.width)}

	if rig.Condition == panel.Unreachable || r.stale {
		lines = append(lines, s.Warn.Render(fit(p.T("tui.detail.stale_values", "Age", formatOptAge(rig.ReportAge)), d.width)))
	}
	if r.worst != nil {
		st := levelStyle(s, severityLevel(r.worst.Severity))
		lines = append(lines, st.Render(fit(alert.Describe(p, *r.worst), d.width)))
	}
	lines = append(lines, d.infoLines()...)
	lines = append(lines, "")
	lines = append(lines, d.gpuLines()...)
	return lines
}

// infoLines lays the rig's details out as label: value pairs, as many per
// line as fit.
func (d *rigDetail) infoLines() []string {
	p, rig := d.p, d.row.rig
	pairs := [][2]string{
		{p.T("tui.detail.hash_rate"), formatFloat(rig.Hash, 2) + " " + alert.HashUnit(rig.Miner)},
		{p.T("tui.detail.gpus"), gpuCountCell(d.row)},
		{p.T("tui.detail.report_age"), formatOptAge(rig.ReportAge)},
		{p.T("tui.detail.uptime"), formatOptAge(rig.Uptime)},
		{p.T("tui.detail.miner"), rig.Miner},
		{p.T("tui.detail.miner_uptime"), formatOptAge(rig.MinerUptime)},
		{p.T("tui.detail.version"), rig.Version},
		{p.T("tui.detail.driver"), rig.Driver},
		{p.T("tui.detail.pool"), rig.Pool},
		{p.T("tui.detail.ip"), rig.IP},
		{p.T("tui.detail.load"), formatFloat(rig.Load, 2)},
		{p.T("tui.detail.cpu_temp"), formatFloat(rig.CPUTempC, 0) + " °C"},
		{p.T("tui.detail.ram"), formatFloat(rig.RAMGB, 0) + " GB"},
		{p.T("tui.detail.free_space"), formatFloat(rig.FreeSpaceGB, 1) + " GB"},
		{p.T("tui.detail.network"), formatFloat(rig.RxKbps, 2) + "/" + formatFloat(rig.TxKbps, 2) + " kbps"},
		{p.T("tui.detail.motherboard"), rig.Motherboard},
		{p.T("tui.detail.bios"), rig.BIOSVersion},
		{p.T("tui.detail.drive"), rig.DriveName},
		{p.T("tui.detail.lan"), rig.LANChip},
	}
	if rig.RigWatts.Known {
		pairs = append(pairs, [2]string{p.T("tui.detail.rig_watts"), formatFloat(rig.RigWatts, 0) + " W"})
	}
	if rig.Panel != "" {
		pairs = append(pairs, [2]string{p.T("tui.detail.panel"), rig.Panel})
	}

	const cellWidth = 38
	perLine := max(d.width/cellWidth, 1)
	var lines []string
	var line strings.Builder
	for i, pair := range pairs {
		value := pair[1]
		if strings.TrimSpace(value) == "" {
			value = unknownValue
		}
		cell := d.styles.Muted.Render(pair[0]+":") + " " + value
		if perLine > 1 {
			cell = fit(cell, cellWidth-1) + " "
		}
		line.WriteString(cell)
		if (i+1)%perLine == 0 || i == len(pairs)-1 {
			lines = append(lines, fit(strings.TrimRight(line.String(), " "), d.width))
			line.Reset()
		}
	}
	return lines
}

type gpuColumn struct {
	title string
	width int
	right bool
	cell  func(g panel.GPU) string
	style func(g panel.GPU) *lipgloss.Style
}

func (d *rigDetail) gpuLines() []string {
	p, s, rig := d.p, d.styles, d.row.rig
	dead := func(g panel.GPU) *lipgloss.Style {
		if gpuDead(rig, &g) {
			return &s.Dead
		}
		return nil
	}
	cols := []gpuColumn{
		{title: "#", width: 3, right: true, cell: func(g panel.GPU) string { return fmt.Sprint(g.Index) }},
		{title: p.T("tui.gpu.model"), width: 22, cell: func(g panel.GPU) string { return g.Info().Model }},
		{title: p.T("tui.gpu.hash_rate"), width: 8, right: true, cell: func(g panel.GPU) string { return formatFloat(g.Hash.Opt(), 2) }, style: dead},
		{title: p.T("tui.gpu.temp"), width: 5, right: true, cell: func(g panel.GPU) string { return formatFloat(g.TempC.Opt(), 0) },
			style: func(g panel.GPU) *lipgloss.Style {
				if g.TempC.Known() && g.TempC.Value() >= hotWarnC {
					return &s.Hot
				}
				return nil
			}},
		{title: p.T("tui.gpu.fan"), width: 6, right: true, cell: func(g panel.GPU) string { return formatFloat(g.FanRPM.Opt(), 0) }},
		{title: p.T("tui.gpu.power"), width: 6, right: true, cell: func(g panel.GPU) string { return formatFloat(g.Watts.Opt(), 0) }},
		{title: p.T("tui.gpu.core"), width: 6, right: true, cell: func(g panel.GPU) string { return formatFloat(g.CoreMHz.Opt(), 0) }},
		{title: p.T("tui.gpu.mem"), width: 6, right: true, cell: func(g panel.GPU) string { return formatFloat(g.MemMHz.Opt(), 0) }},
		{title: p.T("tui.gpu.state"), width: 10, cell: func(g panel.GPU) string { return gpuState(p, rig, &g) }, style: dead},
	}
	// Shrink the model column to make the rest fit.
	total := 0
	for _, c := range cols {
		total += c.width + 1
	}
	if excess := total - 1 - d.width; excess > 0 {
		cols[1].width = max(cols[1].width-excess, 8)
	}

	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = align(c.title, c.width, c.right)
	}
	lines := []string{s.ColumnTitle.Render(fit(strings.Join(titles, " "), d.width))}
	if len(rig.GPUs) == 0 {
		return append(lines, s.Muted.Render(p.T("tui.detail.no_gpus")))
	}
	for _, g := range rig.GPUs {
		cells := make([]string, len(cols))
		for i, c := range cols {
			text := align(c.cell(g), c.width, c.right)
			if c.style != nil {
				if st := c.style(g); st != nil {
					text = st.Render(text)
				}
			}
			cells[i] = text
		}
		lines = append(lines, fit(strings.Join(cells, " "), d.width))
	}
	return lines
}

func align(text string, width int, right bool) string {
	if right {
		return fitRight(text, width)
	}
	return fit(text, width)
}

// gpuState is a word for a GPU that needs attention, empty when it is fine.
func gpuState(p *locale.Printer, rig *panel.Rig, g *panel.GPU) string {
	switch {
	case gpuDead(rig, g):
		return p.T("tui.gpu.dead")
	case g.TempC.Known() && g.TempC.Value() >= hotCriticalC:
		return p.T("tui.gpu.overheat")
	case g.TempC.Known() && g.TempC.Value() >= hotWarnC:
		return p.T("tui.gpu.hot")
	}
	return ""
}
