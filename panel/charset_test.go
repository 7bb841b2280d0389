package panel

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// japaneseLabels are the rack_loc values of testdata/panels/japanese-labels.*,
// written here in UTF-8.
var japaneseLabels = []string{"１号機", "サブPC（ソフト検証・表示用）", "予備機　二号"}

func TestDecodeJapaneseEncodings(t *testing.T) {
	for _, name := range []string{
		"japanese-labels.sjis.json",
		"japanese-labels.eucjp.json",
		"japanese-labels.iso2022jp.json",
	} {
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("..", "testdata", "panels", name))
			if err != nil {
				t.Fatal(err)
			}
			if name != "japanese-labels.iso2022jp.json" && utf8.Valid(body) {
				t.Fatal("fixture is valid UTF-8; it should be in a legacy encoding")
			}

			snap := decodeFile(t, name)
			var labels []string
			for _, r := range snap.Rigs {
				labels = append(labels, r.Label)
			}
			if !slices.Equal(labels, japaneseLabels) {
				t.Errorf("labels = %q, want %q", labels, japaneseLabels)
			}
			rig := findRig(t, snap, "a1b2c3")
			wantString(t, "GPU 1 Model", rig.GPUs[1].Info().Model, "GeForce GTX 1070")
			wantFloat(t, "Hash", rig.Hash, 60.98)
		})
	}
}

// TestShiftJISBackslashTrailByte checks a Shift_JIS body whose "ソ" and "表"
// end in byte 0x5C, a backslash in ASCII: parsing the raw bytes as JSON
// would read it as an escape.
func TestShiftJISBackslashTrailByte(t *testing.T) {
	body, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(`{"rigs":{"r":{"rack_loc":"ソ表","hash":1}}}`))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Decode(body, "test", fetchedAt)
	if err != nil {
		t.Fatal(err)
	}
	wantString(t, "Label", snap.Rigs[0].Label, "ソ表")
}

func TestEUCJPPreferredWhenBothDecode(t *testing.T) {
	// "あい" in EUC-JP is A4 A2 A4 A4, which also decodes cleanly as
	// Shift_JIS half-width katakana "､｢､､".
	body := []byte("{\"rigs\":{\"r\":{\"rack_loc\":\"\xa4\xa2\xa4\xa4\"}}}")
	snap, err := Decode(body, "test", fetchedAt)
	if err != nil {
		t.Fatal(err)
	}
	wantString(t, "Label", snap.Rigs[0].Label, "あい")
}

func TestInvalidEncodingOffset(t *testing.T) {
	// 0xFF is invalid in UTF-8, Shift_JIS and EUC-JP alike, and a NUL byte
	// means the body is not text in any of them.
	body := []byte("{\"rigs\":{\"r\":{\"rack_loc\":\"ab\xff\x00\"}}}")
	_, err := Decode(body, "test", fetchedAt)
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error = %v, want *DecodeError", err)
	}
	if de.Kind != KindInvalidEncoding {
		t.Errorf("Kind = %v, want invalid_encoding", de.Kind)
	}
	if de.Offset != 28 {
		t.Errorf("Offset = %d, want 28, the 0xff byte", de.Offset)
	}
	if want := "invalid text encoding: byte 0xff at offset 28 is not valid UTF-8, and the body is not valid Shift_JIS, EUC-JP or ISO-2022-JP either"; de.Error() != want {
		t.Errorf("Error() = %q, want %q", de.Error(), want)
	}
}

func TestInvalidByteMarkedNotFatal(t *testing.T) {
	// 0xFF is invalid in UTF-8, Shift_JIS and EUC-JP alike. The rig with
	// it keeps its label with a U+FFFD mark, and its neighbours are read.
	body := "{\"rigs\":{\"aa01\":{\"condition\":\"mining\"},\"bad01\":{\"rack_loc\":\"caf\xff\",\"condition\":\"mining\"},\"zz01\":{\"condition\":\"mining\"}}}"
	snap, err := Decode([]byte(body), "test", fetchedAt)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(snap.Rigs); got != 3 {
		t.Fatalf("%d rigs, want 3", got)
	}
	wantString(t, "bad01 Label", findRig(t, snap, "bad01").Label, "caf\uFFFD")
}

func TestCorruptShiftJISStaysShiftJIS(t *testing.T) {
	// A Shift_JIS body with one corrupt byte in a label: read as UTF-8,
	// every Japanese character would turn into marks. Read as Shift_JIS,
	// only the broken character does.
	sjis, err := japanese.ShiftJIS.NewEncoder().String(`{"rigs":{"r1":{"rack_loc":"予備機"},"r2":{"rack_loc":"一号機"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	// "号" is 0x8D 0x86 in Shift_JIS: its trail byte becomes 0xFF.
	i := strings.Index(sjis, "\x8d\x86")
	if i < 0 {
		t.Fatal("no 号 in the Shift_JIS body")
	}
	body := sjis[:i+1] + "\xff" + sjis[i+2:]
	snap, err := Decode([]byte(body), "test", fetchedAt)
	if err != nil {
		t.Fatal(err)
	}
	wantString(t, "r1 Label", findRig(t, snap, "r1").Label, "予備機")
	if got := findRig(t, snap, "r2").Label; !strings.HasPrefix(got, "一") || !strings.HasSuffix(got, "機") || !strings.Contains(got, "\uFFFD") {
		t.Errorf("r2 Label = %q, want 一, a U+FFFD mark and 機", got)
	}
}

func TestRawEscapeIsNotISO2022JP(t *testing.T) {
	// A raw ESC without ISO-2022-JP designations stays as it is and is then
	// rejected by the JSON parser; it never turns into Japanese text.
	_, err := Decode([]byte("{\"rigs\":{}, \"x\":\x1b}"), "test", fetchedAt)
	var de *DecodeError
	if !errors.As(err, &de) || de.Kind != KindInvalidJSON {
		t.Errorf("error = %v, want invalid JSON", err)
	}
}

// TestJapaneseFixturesSameDocument checks that the three encoded fixtures
// hold the same document, so a test passing on one and failing on another
// points at the charset handling, not at the fixture.
func TestJapaneseFixturesSameDocument(t *testing.T) {
	decoders := map[string]*encoding.Decoder{
		"japanese-labels.sjis.json":      japanese.ShiftJIS.NewDecoder(),
		"japanese-labels.eucjp.json":     japanese.EUCJP.NewDecoder(),
		"japanese-labels.iso2022jp.json": japanese.ISO2022JP.NewDecoder(),
	}
	var first string
	for name, dec := range decoders {
		text, err := dec.Bytes(readSample(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if first == "" {
			first = string(text)
			continue
		}
		if string(text) != first {
			t.Errorf("%s decodes to a different document", name)
		}
	}
	for _, label := range japaneseLabels {
		if !strings.Contains(first, label) {
			t.Errorf("fixtures do not contain the label %q", label)
		}
	}
}
