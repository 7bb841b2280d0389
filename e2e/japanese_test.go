package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestShiftJISLabelsAligned serves a Shift_JIS panel whose rig labels are
// Japanese and checks that every label reads right and the hash column
// stays aligned by display width.
func TestShiftJISLabelsAligned(t *testing.T) {
	srv := newPanelServer(t, readSample(t, "japanese-labels.sjis.json"))
	// Labels and hashes from the fixture, hashes rounded to one decimal.
	rigs := []struct{ label, hash string }{
		{"１号機", "61.0"},
		{"サブPC", "30.2"},
		{"予備機", "0.0"},
	}
	for _, lang := range []string{"en_US.UTF-8", "ja_JP.UTF-8"} {
		for _, size := range []struct{ width, height int }{{120, 35}, {80, 24}} {
			t.Run(fmt.Sprintf("%s/%dx%d", lang, size.width, size.height), func(t *testing.T) {
				s := startTmux(t, size.width, size.height, []string{"LANG=" + lang}, rigtopBin, "--no-desktop", srv.URL+"/")
				screen := s.waitFor(screenTimeout, "１号機", "サブPC", "予備機")
				column := -1
				for _, rig := range rigs {
					line := lineWith(screen, rig.label)
					if w := ansi.StringWidth(line); w > size.width {
						t.Errorf("line for %s is %d cells wide: %q", rig.label, w, line)
					}
					i := strings.Index(line, " "+rig.hash+" ")
					if i < 0 {
						t.Errorf("line for %s lacks hash %s: %q", rig.label, rig.hash, line)
						continue
					}
					end := ansi.StringWidth(line[:i+len(rig.hash)+1])
					if column >= 0 && end != column {
						t.Errorf("hash of %s ends at column %d, the others at %d:\n%s", rig.label, end, column, screen)
					}
					column = end
				}
				s.keys("q")
			})
		}
	}
}
