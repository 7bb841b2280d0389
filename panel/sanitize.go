package panel

import (
	"strings"
	"unicode/utf8"
)

// Sanitize returns s without anything that could act on a terminal, a log
// line or a mail header instead of being shown as text:
//
//   - C0 and C1 control characters and DEL. TAB, CR, LF and the line and
//     paragraph separators U+2028 and U+2029 become a space instead, so
//     that the words they separated stay apart;
//   - whole escape sequences: CSI (ESC [ or U+009B), and OSC (ESC ] or
//     U+009D) up to BEL or ST, which covers OSC 52 clipboard writes. Also
//     DCS, SOS, PM and APC strings up to ST, and short ESC sequences such
//     as ESC ( B. A string sequence that is never terminated is removed to
//     the end of s;
//   - bidirectional overrides, embeddings and isolates (U+202A–U+202E,
//     U+2066–U+2069, U+061C) that can make text read differently from how
//     it is stored;
//   - zero-width characters (U+200B–U+200F, U+2060, U+FEFF);
//   - bytes that are not valid UTF-8.
//
// Printable text, Japanese included, is kept unchanged.
func Sanitize(s string) string {
	if isPlainText(s) {
		return s
	}

	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			i++
		case r == 0x1b:
			i = skipEscape(s, i+1)
		case r == '\t' || r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029:
			b.WriteByte(' ')
			i += size
		case r == 0x9b:
			i = skipCSI(s, i+size)
		case r == 0x90 || r == 0x98 || r == 0x9d || r == 0x9e || r == 0x9f:
			i = skipControlString(s, i+size)
		case removedRune(r):
			i += size
		default:
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	return b.String()
}

// isPlainText reports whether s is printable ASCII only, which needs no
// work and is what almost every panel field is.
func isPlainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// removedRune reports whether r is a control, bidi-formatting or invisible
// character that Sanitize drops on its own.
func removedRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x200b && r <= 0x200f, r >= 0x2028 && r <= 0x202e, r >= 0x2060 && r <= 0x2069:
		// U+2061–U+2065 are invisible operators and unassigned code points.
		return true
	case r == 0x061c, r == 0xfeff:
		return true
	}
	return false
}

// skipEscape returns the index after the escape sequence whose ESC ends just
// before i.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipControlString(s, i+1)
	}

	// ESC, intermediate bytes 0x20–0x2F, then one final byte 0x30–0x7E.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipCSI returns the index after a control sequence whose introducer ends
// just before i: parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F and
// a final byte 0x40–0x7E. Any other byte ends the sequence early and is then
// treated as ordinary input, as a terminal would.
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x30 && s[i] <= 0x3f {
		i++
	}
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipControlString returns the index after an OSC, DCS, SOS, PM or APC
// string whose introducer ends just before i. The string ends at BEL, at
// ESC \ or at U+009C; without one, it runs to the end of s.
func skipControlString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
		i++
	}
	return i
}
