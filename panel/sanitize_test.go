package panel

import (
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain ASCII unchanged", "rig-01 GTX 1070 (rev 15)", "rig-01 GTX 1070 (rev 15)"},
		{"Japanese unchanged", "１号機 サブPC　予備", "１号機 サブPC　予備"},
		{"emoji unchanged", "rig 🚀", "rig 🚀"},
		{"NUL", "a\x00b", "ab"},
		{"BEL", "a\ab", "ab"},
		{"BS", "ab\bc", "abc"},
		{"TAB", "a\tb", "a b"},
		{"CR LF", "line1\r\nline2", "line1  line2"},
		{"DEL", "a\x7fb", "ab"},
		{"C1 NEL", "a\u0085b", "ab"},
		{"C1 range", "a\u0080\u0099b", "ab"},
		{"C1 APC runs to the end without ST", "a\u009fb", "a"},
		{"CSI colour", "\x1b[31mred\x1b[0m", "red"},
		{"CSI with params and intermediate", "a\x1b[?25lb\x1b[1 qc", "abc"},
		{"CSI clear screen", "\x1b[2J\x1b[Hx", "x"},
		{"C1 CSI", "a\u009b31mb", "ab"},
		{"CSI cut short", "a\x1b[12", "a"},
		{"CSI ended by non-ASCII", "a\x1b[1号", "a号"},
		{"OSC title with BEL", "\x1b]0;pwned\x07rig", "rig"},
		{"OSC 52 clipboard with ST", "\x1b]52;c;cm0gLXJmIH4=\x1b\\rig", "rig"},
		{"OSC hyperlink", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"C1 OSC with C1 ST", "a\u009d0;t\u009cb", "ab"},
		{"unterminated OSC", "rig\x1b]52;c;AAAA", "rig"},
		{"DCS", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"C1 DCS", "a\u0090data\u009cb", "ab"},
		{"APC", "a\x1b_payload\x1b\\b", "ab"},
		{"PM", "a\x1b^secret\x07b", "ab"},
		{"SOS", "a\x1bXsos\x1b\\b", "ab"},
		{"charset designation", "a\x1b(Bb", "ab"},
		{"two-byte escape", "a\x1b7b\x1b8c", "abc"},
		{"RIS", "a\x1bcb", "ab"},
		{"lone ESC at end", "ab\x1b", "ab"},
		{"ESC ESC", "a\x1b\x1b[31mb", "ab"},
		{"bidi override", "abc\u202edcba", "abcdcba"},
		{"bidi embeddings", "\u202aa\u202bb\u202cc\u202dd", "abcd"},
		{"bidi isolates", "\u2066a\u2067b\u2068c\u2069", "abc"},
		{"Arabic letter mark", "a\u061cb", "ab"},
		{"zero width", "a\u200bb\u200cc\u200dd\u200ee\u200ff", "abcdef"},
		{"word joiner and BOM", "\ufeffa\u2060b", "ab"},
		{"line separators", "a\u2028b\u2029c", "a b c"},
		{"invalid UTF-8", "a\xffb\xc3", "ab"},
		{"overlong encoding", "a\xc0\xafb", "ab"},
		{"surrogate bytes", "a\xed\xa0\x80b", "ab"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"rig\x1b[31m", "\x1b]52;c;x\x07", "１号機\u202e", "\xff\x1bP", "a\u009b1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Sanitize(%q) = %q is not valid UTF-8", s, out)
		}
		for _, r := range out {
			if removedRune(r) || r == 0x1b {
				t.Fatalf("Sanitize(%q) = %q keeps %U", s, out, r)
			}
		}
		if again := Sanitize(out); again != out {
			t.Fatalf("Sanitize is not idempotent: %q then %q", out, again)
		}
	})
}
