package alert

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"rigtop/locale"
	"rigtop/panel"
)

// KindName returns the localized name of an alert kind.
func KindName(p *locale.Printer, k Kind) string {
	switch k {
	case KindCondition, KindStale, KindGPUDead, KindGPUSlow, KindGPUHot,
		KindFanStopped, KindHashDrop, KindUnreachable:
		return p.T("alert.kind." + string(k))
	}
	return oneLine(string(k))
}

// SeverityName returns the localized name of a severity.
func SeverityName(p *locale.Printer, s Severity) string {
	switch s {
	case SeverityWarning:
		return p.T("alert.severity.warning")
	case SeverityCritical:
		return p.T("alert.severity.critical")
	case SeverityUnknown:
		return p.T("alert.severity.unknown")
	}
	return p.T("alert.severity.none")
}

// StateName returns the localized name of a lifecycle state.
func StateName(p *locale.Printer, s State) string {
	switch s {
	case StateFiring:
		return p.T("alert.state.firing")
	case StateResolved:
		return p.T("alert.state.resolved")
	}
	return p.T("alert.state.pending")
}

// ConditionName returns the localized word for an ethOS condition. Every
// unattested condition gets the same "unknown condition" word, so callers
// show the raw condition beside it.
func ConditionName(p *locale.Printer, c panel.Condition) string {
	if !c.Known() {
		return p.T("alert.condition.unrecognised")
	}
	return p.T("alert.condition." + string(c))
}

// Describe returns one line about an alert: the rig (label and id), what is
// wrong and the readings behind it, for example
// "rig2 (496406): GPU 3 hot, 86 °C ≥ 85 °C".
func Describe(p *locale.Printer, a Alert) string {
	v := a.Values
	rig := rigText(p, a)
	gpu := strconv.Itoa(a.Key.GPU)
	unit := v.Unit
	if unit == "" {
		unit = DefaultHashUnit
	}

	var text string
	switch a.Key.Kind {
	case KindCondition:
		text = describeCondition(p, rig, v)
	case KindStale:
		text = p.T("alert.describe.stale", "Rig", rig,
			"Age", formatDuration(p, v.Age), "Limit", formatDuration(p, v.Limit))
	case KindGPUDead:
		if a.Key.GPU == NoGPU {
			text = p.T("alert.describe.gpus_missing", "Rig", rig,
				"Hashing", v.Hashing, "Detected", v.Detected)
		} else {
			text = p.T("alert.describe.gpu_dead", "Rig", rig, "GPU", gpu, "Unit", unit)
		}
	case KindGPUSlow:
		text = p.T("alert.describe.gpu_slow", "Rig", rig, "GPU", gpu,
			"Hash", formatHash(v.Hash), "Median", formatHash(v.Median),
			"Share", formatNumber(v.SharePct), "Unit", unit)
	case KindGPUHot:
		text = p.T("alert.describe.gpu_hot", "Rig", rig, "GPU", gpu,
			"Temp", formatNumber(v.TempC), "Threshold", formatNumber(v.Threshold))
	case KindFanStopped:
		text = p.T("alert.describe.fan_stopped", "Rig", rig, "GPU", gpu,
			"Temp", formatNumber(v.TempC))
	case KindHashDrop:
		text = p.T("alert.describe.hash_drop", "Rig", rig,
			"Hash", formatHash(v.Hash), "Median", formatHash(v.Median),
			"Share", formatNumber(v.SharePct), "Unit", unit)
	case KindUnreachable:
		text = p.T("alert.describe.source_unreachable", "Panel", a.Key.Panel,
			"Age", formatDuration(p, v.Age), "Error", sourceErrorText(p, v))
	default:
		text = p.T("alert.describe.unrecognised_kind", "Rig", rig, "Kind", KindName(p, a.Key.Kind))
	}
	return oneLine(text)
}

func describeCondition(p *locale.Printer, rig string, v Values) string {
	if v.Condition == panel.JustBooted {
		return p.T("alert.describe.just_booted", "Rig", rig,
			"Held", formatDuration(p, v.Age), "Limit", formatDuration(p, v.Limit))
	}
	return p.T("alert.describe.condition", "Rig", rig,
		"Condition", ConditionName(p, v.Condition), "Raw", string(v.Condition))
}

// sourceErrorText localizes the fetch error behind a source alert. A restored
// alert has only the error's text until the next failed fetch.
func sourceErrorText(p *locale.Printer, v Values) string {
	if v.Err != nil {
		return ErrorText(p, v.Err)
	}
	return v.Error
}

// rigText returns "label (id)", or the id alone when the rig has no label of
// its own.
func rigText(p *locale.Printer, a Alert) string {
	if a.RigLabel == "" || a.RigLabel == a.Key.RigID {
		return a.Key.RigID
	}
	return p.T("alert.describe.rig", "Label", a.RigLabel, "ID", a.Key.RigID)
}

// Headline returns a one-line summary of a notification, used as the desktop
// title and the mail subject: "3 rigs down: rig1, rig4, 1号機",
// "Recovered: rig2", or several such parts joined. A notification with a
// single firing alert and nothing resolved is headed by that alert's
// description.
func Headline(p *locale.Printer, n Notification) string {
	if n.Test {
		return p.T("alert.headline.test")
	}
	firing := sortedCopy(n.Firing)
	resolved := sortedCopy(n.Resolved)
	if len(firing) == 1 && len(resolved) == 0 {
		return Describe(p, firing[0])
	}

	var panels, down, problems, recovered nameSet
	for _, a := range firing {
		switch {
		case a.Key.Kind == KindUnreachable:
			panels.add(a.Key.Panel, a.Key.Panel)
		case rigDown(a):
			down.add(a.Key.Panel+"/"+a.Key.RigID, rigLabel(a))
		}
	}
	for _, a := range firing {
		id := a.Key.Panel + "/" + a.Key.RigID
		if a.Key.Kind != KindUnreachable && !down.has(id) {
			problems.add(id, rigLabel(a))
		}
	}
	for _, a := range resolved {
		if a.Key.Kind == KindUnreachable {
			recovered.add("panel:"+a.Key.Panel, a.Key.Panel)
		} else {
			recovered.add(a.Key.Panel+"/"+a.Key.RigID, rigLabel(a))
		}
	}

	var parts []string
	if len(panels.names) > 0 {
		parts = append(parts, p.N("alert.headline.unreachable", len(panels.names), "Names", nameList(p, panels.names)))
	}
	if len(down.names) > 0 {
		parts = append(parts, p.N("alert.headline.down", len(down.names), "Names", nameList(p, down.names)))
	}
	if len(problems.names) > 0 {
		parts = append(parts, p.N("alert.headline.problems", len(problems.names), "Names", nameList(p, problems.names)))
	}
	if len(recovered.names) > 0 {
		parts = append(parts, p.T("alert.headline.recovered", "Names", nameList(p, recovered.names)))
	}
	if len(parts) == 0 {
		return p.T("alert.headline.empty")
	}
	return oneLine(strings.Join(parts, p.T("alert.headline.separator")))
}

// rigDown reports whether a firing alert means its rig is down: a failure
// condition or no report for too long.
func rigDown(a Alert) bool {
	switch a.Key.Kind {
	case KindStale:
		return true
	case KindCondition:
		return a.Values.Condition.Health() == panel.Failure
	}
	return false
}

// rigLabel returns the rig's display name: its label, else its id.
func rigLabel(a Alert) string {
	if a.RigLabel != "" {
		return a.RigLabel
	}
	return a.Key.RigID
}

// maxHeadlineNames is how many rig or panel names a headline lists before
// it counts the rest.
const maxHeadlineNames = 5

func nameList(p *locale.Printer, names []string) string {
	shown := names
	if len(shown) > maxHeadlineNames {
		shown = shown[:maxHeadlineNames]
	}
	text := strings.Join(shown, p.T("alert.list_separator"))
	if rest := len(names) - len(shown); rest > 0 {
		text += p.T("alert.list_separator") + p.T("alert.headline.more", "Count", rest)
	}
	return text
}

// nameSet collects display names in first-seen order, once per id.
type nameSet struct {
	seen  map[string]bool
	names []string
}

func (s *nameSet) add(id, name string) {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if s.seen[id] {
		return
	}
	s.seen[id] = true
	s.names = append(s.names, name)
}

func (s *nameSet) has(id string) bool { return s.seen[id] }

// Body returns the full text of a notification: every firing and resolved
// alert, worst first, each as its description followed by a line with its
// severity, kind, panel and times.
func Body(p *locale.Printer, n Notification) string {
	if n.Test {
		return p.T("alert.body.test")
	}
	var b strings.Builder
	firing := sortedCopy(n.Firing)
	resolved := sortedCopy(n.Resolved)

	if len(firing) > 0 {
		b.WriteString(p.T("alert.body.firing", "Count", len(firing)) + "\n")
		for _, a := range firing {
			b.WriteString("- " + Describe(p, a) + "\n")
			b.WriteString("  " + oneLine(p.T("alert.body.firing_detail",
				"Severity", SeverityName(p, a.Severity), "Kind", KindName(p, a.Key.Kind),
				"Panel", a.Key.Panel, "Since", formatTime(a.Since))) + "\n")
		}
	}
	if len(resolved) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p.T("alert.body.resolved", "Count", len(resolved)) + "\n")
		for _, a := range resolved {
			b.WriteString("- " + Describe(p, a) + "\n")
			b.WriteString("  " + oneLine(p.T("alert.body.resolved_detail",
				"Kind", KindName(p, a.Key.Kind), "Panel", a.Key.Panel,
				"Since", formatTime(a.Since), "Resolved", formatTime(a.ResolvedAt),
				"Lasted", formatDuration(p, a.ResolvedAt.Sub(a.Since)))) + "\n")
		}
	}
	return b.String()
}

// ShortBody returns at most maxLines description lines of a notification,
// firing first, then a count of the rest: the text of a desktop notification.
func ShortBody(p *locale.Printer, n Notification, maxLines int) string {
	if n.Test {
		return p.T("alert.body.test")
	}
	all := append(sortedCopy(n.Firing), sortedCopy(n.Resolved)...)
	var lines []string
	for i, a := range all {
		if i == maxLines {
			lines = append(lines, p.T("alert.body.more", "Count", len(all)-maxLines))
			break
		}
		text := Describe(p, a)
		if a.State == StateResolved {
			text = p.T("alert.headline.recovered", "Names", text)
		}
		lines = append(lines, text)
	}
	return strings.Join(lines, "\n")
}

func sortedCopy(alerts []Alert) []Alert {
	out := append([]Alert(nil), alerts...)
	SortAlerts(out)
	return out
}

// formatTime writes a notification time with its zone, the same in every
// language so that it can be matched against logs.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02 15:04 MST")
}

// formatDuration returns a compact localized duration: 45s, 12m, 3h 5m, 2d 7h.
func formatDuration(p *locale.Printer, d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return p.T("alert.duration.seconds", "S", int(d/time.Second))
	case d < time.Hour:
		return p.T("alert.duration.minutes", "M", int(d/time.Minute))
	case d < 24*time.Hour:
		return p.T("alert.duration.hours", "H", int(d/time.Hour), "M", int(d%time.Hour/time.Minute))
	}
	return p.T("alert.duration.days", "D", int(d/(24*time.Hour)), "H", int(d%(24*time.Hour)/time.Hour))
}

// formatHash writes a hash rate with two decimals, as the panel reports it.
func formatHash(v float64) string { return fmt.Sprintf("%.2f", v) }

// formatNumber writes a temperature or percentage with at most one decimal
// and no trailing zeros: 86, 74.5.
func formatNumber(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// oneLine replaces every control character, line or paragraph separator
// and bidirectional override with a space, so that text built from panel
// values cannot break a mail header, a log line or the terminal.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == '\u2028', r == '\u2029',
			unicode.Is(unicode.Bidi_Control, r):
			return ' '
		}
		return r
	}, s)
}
