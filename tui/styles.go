package tui

import "github.com/charmbracelet/lipgloss"

// Styles holds every style the monitor draws with. It is built from one
// renderer so that tests and SSH sessions pick their own colour profile, and
// NO_COLOR turns every colour off in one place.
type Styles struct {
	Header      lipgloss.Style
	HeaderError lipgloss.Style
	Title       lipgloss.Style
	Muted       lipgloss.Style
	Status      lipgloss.Style
	StatusError lipgloss.Style

	ColumnTitle lipgloss.Style
	Selected    lipgloss.Style

	// Condition colours: green for mining, yellow for degraded or
	// transitional, red for failures, grey for stale or unknown.
	Good    lipgloss.Style
	Warn    lipgloss.Style
	Bad     lipgloss.Style
	Unknown lipgloss.Style

	// Hot and Dead mark single GPU readings that need attention.
	Hot  lipgloss.Style
	Dead lipgloss.Style

	FilterPrompt lipgloss.Style
	Notice       lipgloss.Style
}

// NewStyles returns the styles drawn through r.
func NewStyles(r *lipgloss.Renderer) Styles {
	green := lipgloss.AdaptiveColor{Light: "#007a33", Dark: "#3ddc84"}
	yellow := lipgloss.AdaptiveColor{Light: "#8a6d00", Dark: "#f0c400"}
	red := lipgloss.AdaptiveColor{Light: "#c00000", Dark: "#ff5f5f"}
	grey := lipgloss.AdaptiveColor{Light: "#6c6c6c", Dark: "#8a8a8a"}
	accent := lipgloss.AdaptiveColor{Light: "#005f87", Dark: "#5fafff"}

	return Styles{
		Header:      r.NewStyle().Bold(true),
		HeaderError: r.NewStyle().Foreground(red).Bold(true),
		Title:       r.NewStyle().Bold(true).Foreground(accent),
		Muted:       r.NewStyle().Foreground(grey),
		Status:      r.NewStyle().Foreground(grey),
		StatusError: r.NewStyle().Foreground(red),

		ColumnTitle: r.NewStyle().Bold(true).Underline(true),
		Selected:    r.NewStyle().Reverse(true),

		Good:    r.NewStyle().Foreground(green),
		Warn:    r.NewStyle().Foreground(yellow),
		Bad:     r.NewStyle().Foreground(red).Bold(true),
		Unknown: r.NewStyle().Foreground(grey),

		Hot:  r.NewStyle().Foreground(red).Bold(true),
		Dead: r.NewStyle().Foreground(red).Bold(true).Underline(true),

		FilterPrompt: r.NewStyle().Foreground(accent).Bold(true),
		Notice:       r.NewStyle().Bold(true),
	}
}
