package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"rigtop/locale"
)

func TestMovedByNavigationKeys(t *testing.T) {
	keys := NewKeyMap(locale.New(locale.English))
	// From line 5 with pages of 10 lines and a last line of 40.
	tests := []struct {
		key  tea.KeyMsg
		want int
	}{
		{tea.KeyMsg{Type: tea.KeyUp}, 4},
		{keyMsg("k"), 4},
		{tea.KeyMsg{Type: tea.KeyDown}, 6},
		{keyMsg("j"), 6},
		{tea.KeyMsg{Type: tea.KeyPgUp}, -5},
		{tea.KeyMsg{Type: tea.KeyPgDown}, 15},
		{keyMsg("g"), 0},
		{keyMsg("G"), 40},
	}
	for _, tt := range tests {
		got, ok := keys.moved(tt.key, 5, 10, 40)
		if !ok {
			t.Errorf("%s: not a navigation key", tt.key)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: moved to %d, want %d", tt.key, got, tt.want)
		}
	}
	if got, ok := keys.moved(keyMsg("x"), 5, 10, 40); ok || got != 5 {
		t.Errorf("x moved to %d (ok=%v), want 5 and not a navigation key", got, ok)
	}
}
