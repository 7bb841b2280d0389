package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"rigtop/panel"
)

// unknownValue marks a reading the panel did not give or gave unparsable.
const unknownValue = "?"

// fit truncates s to width display cells, ending in "…" when cut, and pads
// it with spaces to exactly width cells. Widths are display widths, so a
// full-width character counts as two cells and is never cut in half.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w > width {
		s = ansi.Truncate(s, width, "…")
		w = ansi.StringWidth(s)
	}
	return s + strings.Repeat(" ", width-w)
}

// fitRight is fit with the text aligned to the right, for numbers.
func fitRight(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w > width {
		return ansi.Truncate(s, width, "…")
	}
	return strings.Repeat(" ", width-w) + s
}

// formatFloat formats a reading with decimals places. No hash rate,
// temperature, fan, clock, power, load or size is negative when its sensor
// or miner works, so a negative reading keeps its value but carries the
// unknown mark: "-5?".
func formatFloat(v panel.Opt[float64], decimals int) string {
	if !v.Known || math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
		return unknownValue
	}
	text := fmt.Sprintf("%.*f", decimals, v.Value)
	if v.Value < 0 {
		text += unknownValue
	}
	return text
}

func formatInt(v panel.Opt[int]) string {
	if !v.Known {
		return unknownValue
	}
	return fmt.Sprintf("%d", v.Value)
}

// formatAge returns a compact duration: 45s, 12m, 3h05m, 4d07h.
func formatAge(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	default:
		return fmt.Sprintf("%dd%02dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	}
}

func formatOptAge(d panel.Opt[time.Duration]) string {
	if !d.Known {
		return unknownValue
	}
	return formatAge(d.Value)
}

// fitTail is fit for values whose end distinguishes rows: a long value keeps
// its last cells behind a leading "…".
func fitTail(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if w := ansi.StringWidth(s); w > width {
		s = ansi.TruncateLeft(s, w-width+1, "…")
	}
	return fit(s, width)
}

// shortPanelName returns a panel's name without what every panel name
// shares: the scheme, the json=yes query, a trailing slash, and for hosted
// ethOS panels the ethosdistro.com domain, leaving the panel id.
func shortPanelName(name string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(name, "http://"), "https://")
	if i := strings.IndexByte(s, '?'); i >= 0 && s != name {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, "/")
	if id, ok := strings.CutSuffix(s, ".ethosdistro.com"); ok && id != "" {
		return id
	}
	return s
}
