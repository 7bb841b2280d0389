package tui

import (
	"cmp"
	"slices"
	"strings"

	"rigtop/alert"
	"rigtop/panel"
)

// Temperatures at which a GPU is drawn as hot in the table and detail view.
// They match the alert engine's default GPU hot thresholds.
const (
	hotWarnC     = 80.0
	hotCriticalC = 85.0
)

// level is the colour class of a row or cell.
type level int

const (
	levelGood level = iota
	levelWarn
	levelBad
	levelUnknown
)

// rigRow is one rig with everything the table needs precomputed, so that
// drawing a frame only formats the visible rows.
type rigRow struct {
	// rig points into the poll's cycle, which nothing changes once the poll
	// has returned it.
	rig *panel.Rig
	// name is rig.Name(), which the sort compares many times.
	name  string
	id    string // panel and rig id, unique across panels
	level level
	// stale is set when the rig's data is old: its panel failed the latest
	// poll, or the rig stopped reporting.
	stale    bool
	worst    *alert.Alert
	maxTempC panel.Opt[float64]
	deadGPUs int
	hotGPUs  int
	// rank orders problems first: higher is worse.
	rank int
	// search is the lower-case text the filter matches: name, id,
	// condition and panel.
	search string
}

func rowID(panelName, rigID string) string { return panelName + "\x00" + rigID }

// buildRows turns a poll's result into table rows in the order of sortMode.
func buildRows(c alert.Cycle, mode sortMode) []rigRow {
	stalePanels := map[string]bool{}
	for _, ps := range c.Panels {
		if ps.Stale || ps.Err != nil {
			stalePanels[ps.Name] = true
		}
	}
	worst := worstAlerts(c.Alerts)

	rows := make([]rigRow, len(c.Rigs))
	for i := range c.Rigs {
		rig := &c.Rigs[i]
		r := &rows[i]
		r.rig, r.name, r.id = rig, rig.Name(), rowID(rig.Panel, rig.ID)
		r.stale = stalePanels[rig.Panel]
		if a, ok := worst[r.id]; ok {
			r.worst = a
			if a.Key.Kind == alert.KindStale {
				r.stale = true
			}
		}
		r.maxTempC, r.hotGPUs, r.deadGPUs = gpuFigures(rig)
		r.level = rowLevel(r)
		r.rank = rowRank(r)
		r.search = searchText(r.name, rig.ID, string(rig.Condition), rig.Panel)
	}
	sortRows(rows, mode)
	return rows
}

// searchText joins the parts with spaces in lower case, in one allocation.
func searchText(parts ...string) string {
	size := len(parts) - 1
	for _, part := range parts {
		size += len(part)
	}
	var b strings.Builder
	b.Grow(size)
	for i, part := range parts {
		if i > 0 {
			b.WriteByte(' ')
		}
		if isLowerASCII(part) {
			b.WriteString(part)
		} else {
			b.WriteString(strings.ToLower(part))
		}
	}
	return b.String()
}

func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// gpuFigures returns the hottest GPU temperature and how many GPUs are hot
// and dead. A GPU is dead when it reports zero hash while its rig mines.
func gpuFigures(rig *panel.Rig) (maxTempC panel.Opt[float64], hot, dead int) {
	for i := range rig.GPUs {
		g := &rig.GPUs[i]
		if tempC, ok := g.TempC.Get(); ok {
			if !maxTempC.Known || tempC > maxTempC.Value {
				maxTempC = panel.Some(tempC)
			}
			if tempC >= hotWarnC {
				hot++
			}
		}
		if gpuDead(rig, g) {
			dead++
		}
	}
	return maxTempC, hot, dead
}

func gpuDead(rig *panel.Rig, g *panel.GPU) bool {
	return rig.Condition == panel.Mining && g.Hash.Known() && g.Hash.Value() <= 0
}

func rowLevel(r *rigRow) level {
	if r.stale {
		return levelUnknown
	}
	switch r.rig.Condition.Health() {
	case panel.Healthy:
		if r.deadGPUs > 0 {
			return levelBad
		}
		if r.worst != nil && r.worst.State == alert.StateFiring {
			return severityLevel(r.worst.Severity)
		}
		return levelGood
	case panel.Transitional, panel.Degraded:
		return levelWarn
	case panel.Failure:
		return levelBad
	default:
		return levelUnknown
	}
}

func severityLevel(s alert.Severity) level {
	switch s {
	case alert.SeverityCritical:
		return levelBad
	case alert.SeverityWarning:
		return levelWarn
	case alert.SeverityUnknown:
		return levelUnknown
	}
	return levelGood
}

func rowRank(r *rigRow) int {
	rank := 0
	switch r.level {
	case levelBad:
		rank = 300
	case levelUnknown:
		rank = 200
	case levelWarn:
		rank = 100
	}
	if r.worst != nil {
		rank += int(r.worst.Severity) * 10
	}
	return rank + min(r.deadGPUs+r.hotGPUs, 9)
}

// worstAlerts maps each rig's row id to its worst pending or firing alert,
// which points into alerts.
func worstAlerts(alerts []alert.Alert) map[string]*alert.Alert {
	worst := map[string]*alert.Alert{}
	for i := range alerts {
		a := &alerts[i]
		if a.Key.RigID == "" || a.State == alert.StateResolved {
			continue
		}
		id := rowID(a.Key.Panel, a.Key.RigID)
		cur, ok := worst[id]
		if !ok || alertWorse(a, cur) {
			worst[id] = a
		}
	}
	return worst
}

func alertWorse(a, b *alert.Alert) bool {
	if (a.State == alert.StateFiring) != (b.State == alert.StateFiring) {
		return a.State == alert.StateFiring
	}
	return a.Severity > b.Severity
}

// sortMode is the order of the rig table; s cycles through them.
type sortMode int

const (
	sortProblems sortMode = iota
	sortName
	sortHash
	sortTemp
	sortAge
	sortModeCount
)

// sortRows orders rows by mode, then by name and id. The id is unique, so
// the order is total and an unstable sort gives the same result as a
// stable one.
func sortRows(rows []rigRow, mode sortMode) {
	switch mode {
	case sortName:
		slices.SortFunc(rows, compareNames)
	case sortHash:
		slices.SortFunc(rows, func(a, b rigRow) int {
			return thenByName(cmp.Compare(b.rig.Hash.Value, a.rig.Hash.Value), a, b)
		})
	case sortTemp:
		slices.SortFunc(rows, func(a, b rigRow) int {
			return thenByName(cmp.Compare(b.maxTempC.Value, a.maxTempC.Value), a, b)
		})
	case sortAge:
		slices.SortFunc(rows, func(a, b rigRow) int {
			return thenByName(cmp.Compare(b.rig.ReportAge.Value, a.rig.ReportAge.Value), a, b)
		})
	default:
		slices.SortFunc(rows, func(a, b rigRow) int {
			return thenByName(cmp.Compare(b.rank, a.rank), a, b)
		})
	}
}

// thenByName returns c, or the order by name and id when c is 0.
func thenByName(c int, a, b rigRow) int {
	if c != 0 {
		return c
	}
	return compareNames(a, b)
}

func compareNames(a, b rigRow) int {
	if c := strings.Compare(a.name, b.name); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// filterRows returns the rows whose name, id, condition or panel contains
// query, case-insensitively.
func filterRows(rows []rigRow, query string) []rigRow {
	query = strings.ToLower(strings.TrimSpace(query))
	if query == "" {
		return rows
	}
	out := make([]rigRow, 0, len(rows))
	for _, r := range rows {
		if strings.Contains(r.search, query) {
			out = append(out, r)
		}
	}
	return out
}
