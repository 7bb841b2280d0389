package panel

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// toUTF8 returns body as UTF-8 text. A body that is not valid UTF-8 is
// taken to be in one of the Japanese encodings older panels and hand-edited
// files use, and converted:
//
//   - ISO-2022-JP is plain 7-bit bytes, so it would pass as UTF-8: it is
//     recognised first, by its escape sequences (ESC $ B, ESC $ @ or
//     ESC ( J). Valid JSON can never contain a raw ESC byte, so a JSON
//     body with one is not misread.
//   - Otherwise a body that decodes cleanly as EUC-JP is EUC-JP. EUC-JP is
//     tried before Shift_JIS because EUC-JP text nearly always also decodes
//     cleanly as Shift_JIS (into half-width katakana), while Shift_JIS text,
//     whose lead bytes are mostly 0x81–0x9F, almost never passes as EUC-JP.
//   - Otherwise Shift_JIS, when it decodes cleanly.
//
// A conversion is clean when it produced no U+FFFD. The x/text decoders
// write U+FFFD for bytes invalid in their encoding, and none of these
// encodings can encode U+FFFD itself.
//
// A body that no encoding decodes cleanly, such as UTF-8 with one corrupt
// byte in a rig's label, is still decoded, so that one bad label does not
// hide the whole farm. It is read in the encoding with the fewest invalid
// bytes, and each invalid byte shows as U+FFFD in the label. A body with a
// NUL byte or a UTF-16 byte order mark is not text in any of these
// encodings and returns a DecodeError with the offset of the first byte
// that is not valid UTF-8.
func toUTF8(body []byte) (string, error) {
	if looksISO2022JP(body) {
		if text, ok := decodeClean(japanese.ISO2022JP, body); ok {
			return text, nil
		}
	}
	if utf8.Valid(body) {
		return bodyText(body), nil
	}

	for _, enc := range []encoding.Encoding{japanese.EUCJP, japanese.ShiftJIS} {
		if text, ok := decodeClean(enc, body); ok {
			return text, nil
		}
	}

	if bytes.IndexByte(body, 0) >= 0 || bytes.HasPrefix(body, []byte("\xff\xfe")) || bytes.HasPrefix(body, []byte("\xfe\xff")) {
		offset := firstInvalidUTF8(body)
		return "", &DecodeError{
			Kind:   KindInvalidEncoding,
			Offset: int64(offset),
			Msg: fmt.Sprintf("invalid text encoding: byte 0x%02x at offset %d is not valid UTF-8, and the body is not valid Shift_JIS, EUC-JP or ISO-2022-JP either",
				body[offset], offset),
		}
	}
	return leastInvalid(body), nil
}

// leastInvalid decodes body as UTF-8, EUC-JP or Shift_JIS, whichever marks
// the fewest bytes as invalid (UTF-8 on a tie), with U+FFFD for each.
func leastInvalid(body []byte) string {
	best := strings.ToValidUTF8(string(body), "\uFFFD")
	fewest := strings.Count(best, "\uFFFD")
	for _, enc := range []encoding.Encoding{japanese.EUCJP, japanese.ShiftJIS} {
		out, err := enc.NewDecoder().Bytes(body)
		if err != nil {
			continue
		}
		if n := bytes.Count(out, []byte("\uFFFD")); n < fewest {
			best, fewest = string(out), n
		}
	}
	return best
}

// bodyText returns body as a string without copying it, which for a large
// panel saves as much memory as the body's size again. This is safe because
// Decode keeps no substring of the body past its return (every string it
// keeps is cloned, unescaped or interned; TestDecodeKeepsNoReferenceToBody
// checks this) and does not modify body. Callers must not modify body while
// Decode runs.
func bodyText(body []byte) string {
	return unsafe.String(unsafe.SliceData(body), len(body))
}

func looksISO2022JP(body []byte) bool {
	if bytes.IndexByte(body, 0x1b) < 0 {
		return false
	}
	return bytes.Contains(body, []byte("\x1b$B")) ||
		bytes.Contains(body, []byte("\x1b$@")) ||
		bytes.Contains(body, []byte("\x1b(J"))
}

func decodeClean(enc encoding.Encoding, body []byte) (string, bool) {
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return "", false
	}
	text := string(out)
	// An ISO-2022-JP body must not keep any raw escape bytes after decoding.
	return text, !strings.ContainsRune(text, 0x1b)
}

func firstInvalidUTF8(body []byte) int {
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return 0
}
