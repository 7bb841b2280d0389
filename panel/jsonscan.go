package panel

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScanner reads a JSON document in one pass without building a tree:
// the decoder walks objects with a callback per key and takes each value as
// a jsonScalar, skipping (but still validating) values of a type it does not
// expect. String values stay raw substrings of data, escapes and all, until
// the decoder requests their text, so reading a value costs no allocation.
// The input must be valid UTF-8.
//
// A streamed input arrives in parts: data then holds only the latest part,
// from the start of the value being read, and more supplies the rest. The
// strings already returned stay valid until the stream's release, which
// the decoder calls between rigs.
type jsonScanner struct {
	data  string
	pos   int
	depth int
	// base is the offset of data[0] in the whole input. total is the length
	// of the whole input, which a stream takes from the file's size.
	base  int
	total int
	// more returns keep followed by the next part of a streamed input, or
	// false at its end. It is nil when data is the whole input.
	more func(keep string) (string, bool)
	// keyStart is the offset of the opening quote of the last object key
	// read.
	keyStart int
}

// offset returns the position in the whole input.
func (s *jsonScanner) offset() int { return s.base + s.pos }

// fill reads the next part of a streamed input, keeping data[keep:], and
// returns how far the kept bytes moved. It returns false at the end of the
// input.
func (s *jsonScanner) fill(keep int) (shift int, ok bool) {
	if s.more == nil {
		return 0, false
	}
	data, ok := s.more(s.data[keep:])
	if !ok {
		return 0, false
	}
	s.data = data
	s.base += keep
	s.pos -= keep
	return keep, true
}

// ensure reads on until n bytes follow pos or the input ends.
func (s *jsonScanner) ensure(n int) {
	for len(s.data)-s.pos < n {
		if _, ok := s.fill(s.pos); !ok {
			return
		}
	}
}

// maxJSONDepth bounds nesting so that a hostile body of brackets cannot
// exhaust the stack; encoding/json uses the same limit.
const maxJSONDepth = 10000

// jsonKind is the type of a JSON value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota + 1
	jsonFalse
	jsonTrue
	jsonNumber
	jsonString
	jsonObject
	jsonArray
)

func (k jsonKind) String() string {
	switch k {
	case jsonNull:
		return "null"
	case jsonFalse, jsonTrue:
		return "a boolean"
	case jsonNumber:
		return "a number"
	case jsonString:
		return "a string"
	case jsonObject:
		return "an object"
	case jsonArray:
		return "an array"
	}
	return "nothing"
}

// jsonScalar is one JSON value in the form the decoder uses: the raw text
// of a string (between the quotes, escapes not yet decoded), the literal of
// a number, or only the kind of anything else.
type jsonScalar struct {
	kind jsonKind
	text string
	// escaped is set for a string whose raw text holds backslash escapes.
	escaped bool
}

// str returns the value's text: a string unescaped, a number's literal.
func (v jsonScalar) str() string {
	if v.escaped {
		return unescape(v.text)
	}
	return v.text
}

// jsonSyntaxError is invalid JSON at a byte offset. Truncated is set when the
// input ended inside a value, which is how a cut-off download looks.
type jsonSyntaxError struct {
	Offset    int
	Msg       string
	Truncated bool
}

func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("%s at byte %d", e.Msg, e.Offset)
}

func (s *jsonScanner) errorf(format string, args ...any) error {
	return &jsonSyntaxError{Offset: s.offset(), Msg: fmt.Sprintf(format, args...)}
}

func (s *jsonScanner) errEOF() error {
	return &jsonSyntaxError{Offset: s.offset(), Msg: "unexpected end of JSON input", Truncated: true}
}

// errEnd returns the error for a 0 from peek: the end of the input, or a
// NUL byte, which is invalid there.
func (s *jsonScanner) errEnd(context string) error {
	if s.pos < len(s.data) {
		return s.errChar(context)
	}
	return s.errEOF()
}

func (s *jsonScanner) errChar(context string) error {
	s.ensure(utf8.UTFMax)
	r, _ := utf8.DecodeRuneInString(s.data[s.pos:])
	return s.errorf("invalid character %q %s", r, context)
}

func (s *jsonScanner) skipSpace() {
	for {
		for s.pos < len(s.data) {
			switch s.data[s.pos] {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return
			}
		}
		if _, ok := s.fill(s.pos); !ok {
			return
		}
	}
}

// peek returns the first byte of the next value, or 0 at the end of input.
func (s *jsonScanner) peek() byte {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// end checks that nothing but white space follows the top-level value.
func (s *jsonScanner) end() error {
	s.skipSpace()
	if s.pos < len(s.data) {
		return s.errChar("after top-level value")
	}
	return nil
}

// value reads the next value. Objects and arrays are skipped and returned
// with their kind only.
func (s *jsonScanner) value() (jsonScalar, error) {
	switch c := s.peek(); {
	case c == 0:
		return jsonScalar{}, s.errEnd("looking for beginning of value")
	case c == '"':
		raw, escaped, err := s.rawStr()
		return jsonScalar{kind: jsonString, text: raw, escaped: escaped}, err
	case c == '{':
		err := s.object(func(string) error { _, err := s.value(); return err })
		return jsonScalar{kind: jsonObject}, err
	case c == '[':
		err := s.array(func() error { _, err := s.value(); return err })
		return jsonScalar{kind: jsonArray}, err
	case c == '-' || ('0' <= c && c <= '9'):
		text, err := s.number()
		return jsonScalar{kind: jsonNumber, text: text}, err
	case c == 't':
		return jsonScalar{kind: jsonTrue}, s.literal("true")
	case c == 'f':
		return jsonScalar{kind: jsonFalse}, s.literal("false")
	case c == 'n':
		return jsonScalar{kind: jsonNull}, s.literal("null")
	default:
		return jsonScalar{}, s.errChar("looking for beginning of value")
	}
}

// object reads an object whose '{' is the next byte, calling member for each
// key; member must read exactly one value.
func (s *jsonScanner) object(member func(key string) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	s.pos++ // '{'
	if s.peek() == '}' {
		s.pos++
		s.depth--
		return nil
	}
	return s.members(member)
}

// members reads the members of an object from its first key, or from the
// key after a comma, to its closing '}', calling member for each key. The
// depth must already count the object.
func (s *jsonScanner) members(member func(key string) error) error {
	for {
		switch c := s.peek(); c {
		case 0:
			return s.errEnd("looking for beginning of object key string")
		case '"':
		default:
			return s.errChar("looking for beginning of object key string")
		}
		s.keyStart = s.offset()
		key, escaped, err := s.rawStr()
		if err != nil {
			return err
		}
		if escaped {
			key = unescape(key)
		}

		switch c := s.peek(); c {
		case 0:
			return s.errEnd("after object key")
		case ':':
			s.pos++
		default:
			return s.errChar("after object key")
		}
		if err := member(key); err != nil {
			return err
		}

		switch c := s.peek(); c {
		case 0:
			return s.errEnd("after object key:value pair")
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			return nil
		default:
			return s.errChar("after object key:value pair")
		}
	}
}

// array reads an array whose '[' is the next byte, calling elem for each
// element; elem must read exactly one value.
func (s *jsonScanner) array(elem func() error) error {
	if err := s.enter(); err != nil {
		return err
	}
	s.pos++ // '['
	if s.peek() == ']' {
		s.pos++
		s.depth--
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch c := s.peek(); c {
		case 0:
			return s.errEnd("after array element")
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return nil
		default:
			return s.errChar("after array element")
		}
	}
}

func (s *jsonScanner) enter() error {
	s.depth++
	if s.depth > maxJSONDepth {
		return s.errorf("exceeded max depth of %d", maxJSONDepth)
	}
	return nil
}

func (s *jsonScanner) literal(word string) error {
	s.ensure(len(word))
	for i := 0; i < len(word); i++ {
		if s.pos >= len(s.data) {
			return s.errEOF()
		}
		if s.data[s.pos] != word[i] {
			return s.errChar("in literal " + word)
		}
		s.pos++
	}
	return nil
}

// number reads a number literal following the JSON grammar and returns its
// text.
func (s *jsonScanner) number() (string, error) {
	s.ensureNumber()
	start := s.pos
	if s.pos < len(s.data) && s.data[s.pos] == '-' {
		s.pos++
	}
	if s.pos >= len(s.data) {
		return "", s.errEOF()
	}
	switch c := s.data[s.pos]; {
	case c == '0':
		s.pos++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return "", s.errChar("in numeric literal")
	}

	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if err := s.requireDigits(); err != nil {
			return "", err
		}
	}

	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if err := s.requireDigits(); err != nil {
			return "", err
		}
	}
	return s.data[start:s.pos], nil
}

// ensureNumber reads on until the bytes that can make up a number at pos
// are followed by another byte or the input ends, so that number finds the
// whole literal in data.
func (s *jsonScanner) ensureNumber() {
	for {
		i := s.pos
		for i < len(s.data) && isNumberByte(s.data[i]) {
			i++
		}
		if i < len(s.data) {
			return
		}
		if _, ok := s.fill(s.pos); !ok {
			return
		}
	}
}

func isNumberByte(c byte) bool {
	return ('0' <= c && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func (s *jsonScanner) digits() {
	for s.pos < len(s.data) && '0' <= s.data[s.pos] && s.data[s.pos] <= '9' {
		s.pos++
	}
}

func (s *jsonScanner) requireDigits() error {
	if s.pos >= len(s.data) {
		return s.errEOF()
	}
	if c := s.data[s.pos]; c < '0' || c > '9' {
		return s.errChar("in numeric literal")
	}
	s.digits()
	return nil
}

// rawStr reads a string whose opening quote is the next byte and returns
// its raw text, and whether that holds escapes, which are checked here so
// that unescape cannot fail later.
//
// Unlike strict JSON, raw control characters inside strings are accepted:
// checking for them would cost a second pass over every string, and
// Sanitize removes them, or turns TAB, CR and LF into spaces, in every
// string the decoder keeps.
func (s *jsonScanner) rawStr() (raw string, escaped bool, err error) {
	start := s.pos + 1

	end := start
	for {
		i := strings.IndexByte(s.data[end:], '"')
		if i < 0 {
			// Read on, keeping the string from its opening quote at pos.
			searched := len(s.data)
			shift, ok := s.fill(s.pos)
			if !ok {
				s.pos = len(s.data)
				return "", false, s.errEOF()
			}
			start, end = start-shift, searched-shift
			continue
		}
		end += i
		// The quote ends the string unless an odd number of backslashes
		// escapes it.
		backslashes := 0
		for k := end - 1; k >= start && s.data[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			break
		}
		end++
	}

	raw = s.data[start:end]
	if strings.IndexByte(raw, '\\') >= 0 {
		if err := s.checkEscapes(start, end); err != nil {
			return "", false, err
		}
		escaped = true
	}
	s.pos = end + 1
	return raw, escaped, nil
}

// checkEscapes checks every escape in data[start:end].
func (s *jsonScanner) checkEscapes(start, end int) error {
	for i := start; ; i++ {
		next := strings.IndexByte(s.data[i:end], '\\')
		if next < 0 {
			return nil
		}
		i += next + 1 // the escaped character
		switch s.data[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			for k := i + 1; k <= i+4; k++ {
				if k >= end || !isHexDigit(s.data[k]) {
					s.pos = k
					return s.errChar("in \\u hexadecimal character escape")
				}
			}
			i += 4
		default:
			s.pos = i
			return s.errChar("in string escape code")
		}
	}
}

// unescape decodes the escapes of a raw string that rawStr has checked.
// A lone UTF-16 surrogate becomes U+FFFD, as in encoding/json.
func unescape(raw string) string {
	var b strings.Builder
	b.Grow(len(raw))
	for {
		i := strings.IndexByte(raw, '\\')
		if i < 0 {
			b.WriteString(raw)
			return b.String()
		}
		b.WriteString(raw[:i])
		esc := raw[i+1]
		raw = raw[i+2:]
		switch esc {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			var r rune
			r, raw = unicodeEscape(raw)
			b.WriteRune(r)
		default: // '"', '\\' and '/'
			b.WriteByte(esc)
		}
	}
}

// unicodeEscape decodes the XXXX after a \u at the start of raw, and the low
// half of a surrogate pair when one follows, returning the rest of raw.
func unicodeEscape(raw string) (rune, string) {
	r := hex4(raw)
	raw = raw[4:]
	if !utf16.IsSurrogate(r) {
		return r, raw
	}
	if len(raw) >= 6 && raw[0] == '\\' && raw[1] == 'u' {
		if pair := utf16.DecodeRune(r, hex4(raw[2:])); pair != utf8.RuneError {
			return pair, raw[6:]
		}
	}
	return utf8.RuneError, raw
}

// hex4 decodes four hex digits that checkEscapes has checked.
func hex4(s string) rune {
	var r rune
	for i := range 4 {
		c := s[i]
		switch {
		case c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a':
			r = r<<4 | rune(c-'a'+10)
		default:
			r = r<<4 | rune(c-'A'+10)
		}
	}
	return r
}
