package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"rigtop/locale"
)

// KeyMap is every key binding of the monitor. Bindings that do not apply to
// the current view are disabled, so the help footer lists only what works.
type KeyMap struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Open     key.Binding
	Back     key.Binding
	Filter   key.Binding
	Sort     key.Binding
	Alerts   key.Binding
	Silence  key.Binding
	Refresh  key.Binding
	Help     key.Binding
	Quit     key.Binding
}

// NewKeyMap returns the bindings with help text in p's language.
func NewKeyMap(p *locale.Printer) KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", p.T("tui.key.up"))),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", p.T("tui.key.down"))),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", p.T("tui.key.page_up"))),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", " "), key.WithHelp("pgdn", p.T("tui.key.page_down"))),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", p.T("tui.key.top"))),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", p.T("tui.key.bottom"))),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", p.T("tui.key.open"))),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", p.T("tui.key.back"))),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", p.T("tui.key.filter"))),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", p.T("tui.key.sort"))),
		Alerts:   key.NewBinding(key.WithKeys("a"), key.WithHelp("a", p.T("tui.key.alerts"))),
		Silence:  key.NewBinding(key.WithKeys("S"), key.WithHelp("S", p.T("tui.key.silence"))),
		Refresh:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", p.T("tui.key.refresh"))),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", p.T("tui.key.help"))),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", p.T("tui.key.quit"))),
	}
}

// moved returns pos after a navigation key: one line up or down, one page
// of page lines, or to the first line or to last. ok is false for any other
// key. Callers clamp the result to their own bounds.
func (k KeyMap) moved(msg tea.KeyMsg, pos, page, last int) (next int, ok bool) {
	switch {
	case key.Matches(msg, k.Up):
		return pos - 1, true
	case key.Matches(msg, k.Down):
		return pos + 1, true
	case key.Matches(msg, k.PageUp):
		return pos - page, true
	case key.Matches(msg, k.PageDown):
		return pos + page, true
	case key.Matches(msg, k.Top):
		return 0, true
	case key.Matches(msg, k.Bottom):
		return last, true
	}
	return pos, false
}

// ShortHelp implements help.KeyMap. Sorting and paging are left to the
// full help so that the footer fits 80 columns in Japanese too.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Back, k.Filter, k.Alerts, k.Silence, k.Refresh, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.Back, k.Filter, k.Sort},
		{k.Alerts, k.Silence, k.Refresh, k.Help, k.Quit},
	}
}
