package tui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"rigtop/alert"
	"rigtop/locale"
)

// column is one column of the rig table. Columns with a higher drop
// priority are left out first when the terminal is too narrow.
type column struct {
	title string
	width int
	// minWidth is the width the column may shrink to when space is short;
	// 0 means it never shrinks.
	minWidth int
	right    bool
	drop     int
	// flex columns take the width left over once the columns are chosen.
	flex bool
	// keepTail cuts a long cell at its start instead of its end, for values
	// such as panel addresses whose start is the same on every row.
	keepTail bool
	cell     func(r rigRow) string
	style    func(r rigRow) *lipgloss.Style
}

// rigTable is the list of rigs: the main view.
type rigTable struct {
	p      *locale.Printer
	styles *Styles

	rows   []rigRow // after filtering
	cursor int
	offset int
	width  int
	height int
	// multiPanel adds a panel column when rigs come from several panels.
	multiPanel bool

	// generation counts the calls to setRows, so that the cached frame is
	// redrawn when the rows change even if their number does not.
	generation int
	// cache holds the last frame drawn. The clock redraws the screen every
	// second with the table unchanged, and drawing the table was three
	// quarters of the work of that redraw. The copies of the model share
	// the cache, and nil turns it off.
	cache *tableFrame
}

// tableFrame is a drawn table and what it was drawn from.
type tableFrame struct {
	key  tableFrameKey
	text string
}

type tableFrameKey struct {
	generation, cursor, offset, width, height int
}

func (t *rigTable) setSize(width, height int) {
	t.width, t.height = width, height
	t.clamp()
}

func (t *rigTable) setRows(rows []rigRow, keepID string) {
	t.rows = rows
	t.generation++
	if keepID != "" {
		for i, r := range rows {
			if r.id == keepID {
				t.cursor = i
				break
			}
		}
	}
	t.clamp()
}

func (t *rigTable) selected() (rigRow, bool) {
	if t.cursor < 0 || t.cursor >= len(t.rows) {
		return rigRow{}, false
	}
	return t.rows[t.cursor], true
}

func (t *rigTable) moveTo(index int) {
	t.cursor = index
	t.clamp()
}

// bodyHeight is the number of rig rows that fit under the column titles.
func (t *rigTable) bodyHeight() int { return max(t.height-1, 1) }

func (t *rigTable) clamp() {
	t.cursor = max(min(t.cursor, len(t.rows)-1), 0)
	body := t.bodyHeight()
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+body {
		t.offset = t.cursor - body + 1
	}
	t.offset = max(min(t.offset, len(t.rows)-body), 0)
}

func (t *rigTable) columns() []column {
	p, s := t.p, t.styles
	cols := []column{
		{title: p.T("tui.table.condition"), width: 12, drop: 0,
			cell:  func(r rigRow) string { return conditionCell(p, r) },
			style: func(r rigRow) *lipgloss.Style { return levelStyle(s, r.level) }},
		{title: p.T("tui.table.name"), width: 16, minWidth: 10, drop: 0, flex: true,
			cell: func(r rigRow) string { return r.rig.Name() }},
		{title: p.T("tui.table.hash_rate"), width: 9, right: true, drop: 0,
			cell: hashCell},
		{title: p.T("tui.table.gpus"), width: 6, right: true, drop: 0,
			cell: func(r rigRow) string { return gpuCountCell(r) },
			style: func(r rigRow) *lipgloss.Style {
				if r.deadGPUs > 0 || gpuShortfall(r) {
					return &s.Dead
				}
				return nil
			}},
		{title: p.T("tui.table.temp"), width: 5, right: true, drop: 1,
			cell: func(r rigRow) string { return formatFloat(r.maxTempC, 0) },
			style: func(r rigRow) *lipgloss.Style {
				if r.maxTempC.Known && r.maxTempC.Value >= hotWarnC {
					return &s.Hot
				}
				return nil
			}},
		{title: p.T("tui.table.report_age"), width: 7, right: true, drop: 1,
			cell: func(r rigRow) string { return formatOptAge(r.rig.ReportAge) }},
		{title: p.T("tui.table.uptime"), width: 7, right: true, drop: 3,
			cell: func(r rigRow) string { return formatOptAge(r.rig.Uptime) }},
		{title: p.T("tui.table.alert"), width: 24, minWidth: 12, drop: 1, flex: true,
			cell: func(r rigRow) string { return alertCell(p, r) },
			style: func(r rigRow) *lipgloss.Style {
				if r.worst == nil {
					return nil
				}
				return levelStyle(s, severityLevel(r.worst.Severity))
			}},
	}
	if p.Japanese() {
		// Operators search for the raw ethOS condition, so it stays visible
		// beside the translated word when there is room.
		cols = append(cols, column{title: "ethOS", width: 12, drop: 4,
			cell: func(r rigRow) string { return string(r.rig.Condition) }})
	}
	if t.multiPanel {
		cols = append(cols, column{title: p.T("tui.table.panel"), width: 14, minWidth: 8, drop: 2,
			cell: func(r rigRow) string { return shortPanelName(r.rig.Panel) }, keepTail: true})
	}
	cols = append(cols,
		column{title: p.T("tui.table.miner"), width: 10, drop: 5,
			cell: func(r rigRow) string { return r.rig.Miner }},
		column{title: p.T("tui.table.ip"), width: 15, drop: 6,
			cell: func(r rigRow) string { return r.rig.IP }},
		column{title: p.T("tui.table.pool"), width: 24, minWidth: 12, drop: 7,
			cell: func(r rigRow) string { return r.rig.Pool }},
		column{title: p.T("tui.table.version"), width: 7, drop: 8,
			cell: func(r rigRow) string { return r.rig.Version }},
	)
	for i := range cols {
		cols[i].width = max(cols[i].width, ansi.StringWidth(cols[i].title))
	}
	return cols
}

// coreDrop is the highest drop priority of the columns that are kept by
// shrinking other columns before they are dropped: condition, name, hash,
// GPUs, temperature, report age, alert, panel and uptime.
const coreDrop = 3

// layout picks the columns that fit in width. Columns outside the core are
// dropped first, least important first. Then the shrinkable columns shrink
// towards their minimum, and core columns are dropped only when even that
// does not fit. Width left over goes to the flexible columns.
func layout(cols []column, width int) []column {
	total := func(cs []column, minimum bool) int {
		w := 0
		for _, c := range cs {
			if minimum && c.minWidth > 0 {
				w += c.minWidth + 1
			} else {
				w += c.width + 1
			}
		}
		return w
	}
	dropWorst := func(limit int) bool {
		worst := -1
		for i, c := range cols {
			if c.drop > 0 && c.drop >= limit && (worst < 0 || c.drop > cols[worst].drop) {
				worst = i
			}
		}
		if worst < 0 {
			return false
		}
		cols = append(cols[:worst:worst], cols[worst+1:]...)
		return true
	}

	for total(cols, false) > width+1 && dropWorst(coreDrop+1) {
	}
	for total(cols, true) > width+1 && dropWorst(1) {
	}
	// Shrink from the right, so that the rig name keeps its room longest.
	for i := len(cols) - 1; i >= 0; i-- {
		if excess := total(cols, false) - width - 1; excess > 0 && cols[i].minWidth > 0 {
			cols[i].width -= min(excess, cols[i].width-cols[i].minWidth)
		}
	}

	// On a very narrow screen the shrinkable columns give up even their
	// minimum, keeping at least a few cells each.
	for i := len(cols) - 1; i >= 0; i-- {
		if excess := total(cols, false) - width - 1; excess > 0 && cols[i].minWidth > 0 {
			cols[i].width -= min(excess, max(cols[i].width-3, 0))
		}
	}

	flex := 0
	for _, c := range cols {
		if c.flex {
			flex++
		}
	}
	if spare := width + 1 - total(cols, false); spare > 0 && flex > 0 {
		for i := range cols {
			if cols[i].flex {
				cols[i].width += spare / flex
			}
		}
	}
	return cols
}

func (t *rigTable) view() string {
	key := tableFrameKey{t.generation, t.cursor, t.offset, t.width, t.height}
	if t.cache != nil && t.cache.key == key && t.cache.text != "" {
		return t.cache.text
	}
	text := t.draw()
	if t.cache != nil {
		*t.cache = tableFrame{key: key, text: text}
	}
	return text
}

func (t *rigTable) draw() string {
	cols := layout(t.columns(), t.width-len(cursorMark))

	var b strings.Builder
	titles := make([]string, len(cols))
	for i, c := range cols {
		if c.right {
			titles[i] = fitRight(c.title, c.width)
		} else {
			titles[i] = fit(c.title, c.width)
		}
	}
	b.WriteString(noMark + t.styles.ColumnTitle.Render(strings.Join(titles, " ")))

	if len(t.rows) == 0 {
		b.WriteString("\n" + t.styles.Muted.Render(t.p.T("tui.table.empty")))
		return b.String()
	}

	end := min(t.offset+t.bodyHeight(), len(t.rows))
	for i := t.offset; i < end; i++ {
		b.WriteString("\n")
		b.WriteString(t.renderRow(cols, t.rows[i], i == t.cursor))
	}
	return b.String()
}

func (t *rigTable) renderRow(cols []column, r rigRow, selected bool) string {
	cells := make([]string, len(cols))
	for i, c := range cols {
		text := c.cell(r)
		switch {
		case c.keepTail:
			text = fitTail(text, c.width)
		case c.right:
			text = fitRight(text, c.width)
		default:
			text = fit(text, c.width)
		}
		if !selected && c.style != nil {
			if st := c.style(r); st != nil {
				text = st.Render(text)
			}
		}
		cells[i] = text
	}
	line := strings.Join(cells, " ")
	if selected {
		return cursorMark + t.styles.Selected.Render(line)
	}
	return noMark + line
}

// The selected row carries a mark as well as reverse video, because without
// colour (NO_COLOR, TERM=dumb) no style is drawn at all.
const (
	cursorMark = ">"
	noMark     = " "
)

func levelStyle(s *Styles, l level) *lipgloss.Style {
	switch l {
	case levelGood:
		return &s.Good
	case levelWarn:
		return &s.Warn
	case levelBad:
		return &s.Bad
	default:
		return &s.Unknown
	}
}

// conditionCell is the condition in words. In English that is the ethOS
// condition itself, the word operators search for. Other languages
// translate it and show the raw condition in a column of its own. A stale
// rig is marked so, since its condition is only the last one the panel knew.
func conditionCell(p *locale.Printer, r rigRow) string {
	word := string(r.rig.Condition)
	if p.Japanese() {
		word = alert.ConditionName(p, r.rig.Condition)
	}
	if r.stale {
		return p.T("tui.table.stale_mark", "Condition", word)
	}
	return word
}

func gpuCountCell(r rigRow) string {
	return formatInt(r.rig.GPUsHashing) + "/" + formatInt(r.rig.GPUsDetected)
}

func gpuShortfall(r rigRow) bool {
	h, d := r.rig.GPUsHashing, r.rig.GPUsDetected
	return h.Known && d.Known && h.Value < d.Value && !r.rig.Condition.Down()
}

func alertCell(p *locale.Printer, r rigRow) string {
	if r.worst == nil {
		return ""
	}
	return alert.KindName(p, r.worst.Key.Kind)
}

// hashCell is the rig's hash rate. The column is in MH/s, the unit of
// ethash miners. A rig whose miner reports in another unit (H/s for a CPU
// miner, Sol/s for equihash) carries its unit in the cell, so that it is
// not read as MH/s.
func hashCell(r rigRow) string {
	unit := alert.HashUnit(r.rig.Miner)
	if unit == alert.DefaultHashUnit || !r.rig.Hash.Known {
		return formatFloat(r.rig.Hash, 1)
	}
	return formatFloat(r.rig.Hash, 0) + " " + unit
}
