package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// resize sets the size of the session's window, as a terminal emulator
// being resized does.
func (s *tmuxSession) resize(width, height int) {
	s.tmux("resize-window", "-t", s.name, "-x", strconv.Itoa(width), "-y", strconv.Itoa(height))
}

// bodyLines returns the screen without its first line, whose clocks move.
func bodyLines(screen string) string {
	_, body, _ := strings.Cut(screen, "\n")
	return body
}

func TestResizeTooSmallAndBack(t *testing.T) {
	srv := newPanelServer(t, readSample(t, "nvidia-3rigs.json"))
	s := startTmux(t, 120, 35, nil, rigtopBin, "--no-desktop", srv.URL+"/")
	s.waitFor(screenTimeout, "rig1", "rig2", "subpc_hi", "Rigs 3/3 up")
	s.keys("j")
	before := s.waitFor(screenTimeout, ">mining       rig2")

	s.resize(20, 5)
	small := s.waitFor(screenTimeout, "too small")
	lines := strings.Split(strings.TrimRight(small, "\n"), "\n")
	if len(lines) > 5 {
		t.Errorf("%d lines in a 5-line window:\n%s", len(lines), small)
	}
	for _, line := range lines {
		if n := utf8.RuneCountInString(line); n > 20 {
			t.Errorf("line of %d characters in a 20-column window: %q", n, line)
		}
	}
	if strings.Contains(small, "rig1") {
		t.Errorf("the table is drawn in a 20x5 window:\n%s", small)
	}

	// Back to full size: the same screen as before, with nothing left over
	// from the notice.
	s.resize(120, 35)
	after := s.waitFor(screenTimeout, "rig1", "rig2", "subpc_hi")
	if bodyLines(after) != bodyLines(before) {
		t.Errorf("screen after resizing back differs from before:\n%s\nwant:\n%s", after, before)
	}
	if strings.Contains(after, "too small") {
		t.Errorf("the notice is left on screen:\n%s", after)
	}
	s.keys("q")
}

// sgrColour matches an SGR sequence that sets a colour: 30–37, 38, 40–47,
// 48, 90–97 or 100–107 among its parameters.
var sgrColour = regexp.MustCompile(`\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:[;:][0-9;:]*)?m`)

func TestNoColourTerminals(t *testing.T) {
	srv := newPanelServer(t, readSample(t, "amd-10rigs-one-unreachable.json"))
	for _, tt := range []struct {
		name   string
		env    []string
		colour bool
	}{
		// The same terminal with colour, to show the check can fail.
		{"xterm-256color", nil, true},
		{"NO_COLOR", []string{"NO_COLOR=1"}, false},
		{"TERM=dumb", []string{"TERM=dumb"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := startTmux(t, 120, 35, tt.env, rigtopBin, "--no-desktop", srv.URL+"/")
			// The unreachable rig r1_15 is listed first, as a problem.
			screen := s.waitFor(screenTimeout, "r1_15", "unreachable", "Rigs 9/10 up")
			if !strings.HasPrefix(lineWith(screen, "r1_15"), ">unreachable") {
				t.Errorf("the selected row is not marked with >: %q", lineWith(screen, "r1_15"))
			}
			s.keys("j")
			s.waitCursorOn(screenTimeout, "r1_10")

			styled := s.tmux("capture-pane", "-p", "-e", "-t", s.name)
			if m := sgrColour.FindString(styled); (m != "") != tt.colour {
				t.Errorf("colour sequence %q, want colour: %v:\n%q", m, tt.colour, styled)
			}
			s.keys("q")
		})
	}
}

func TestNotATerminalSaysWhatToUse(t *testing.T) {
	srv := newPanelServer(t, readSample(t, "nvidia-3rigs.json"))
	// rigtop's output goes into a pipe, as in "rigtop PANEL | cat"; its
	// exit status is printed after it.
	script := `{ "$0" --no-desktop "$1"; echo "exit status $?" >&2; } | cat; sleep 30`
	s := startTmux(t, 200, 20, nil, "sh", "-c", script, rigtopBin, srv.URL+"/")
	screen := s.waitFor(screenTimeout, "exit status 2")
	for _, want := range []string{"standard output is not a terminal", `"rigtop check PANEL"`, `"rigtop watch PANEL"`} {
		if !strings.Contains(screen, want) {
			t.Errorf("message lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "rig1") {
		t.Errorf("the monitor drew its screen into the pipe:\n%s", screen)
	}
	if n := srv.requests.Load(); n != 0 {
		t.Errorf("the panel was fetched %d times, want none", n)
	}
}
