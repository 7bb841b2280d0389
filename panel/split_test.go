package panel

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// splitBodies are panels whose second half can go wrong: keys inside a rig
// that look like a rig's start, rig ids repeated across the halves, a rig
// that is not an object, and broken JSON or text after the middle.
var splitBodies = map[string]string{
	"decoy in a string": `{"rigs":{"a":{"rack_loc":"x}","k":{"y":1},"hash":"3"},` +
		`"b":{"rack_loc":"},\"c\":{","condition":"mining"},"c":{"gpus":"2","temp":"50 51"}},"total_hash":"5"}`,
	"decoy rig inside a rig": `{"rigs":{"a":{"hash":"1"},"b":{"pdu":{"x":{"y":2}},"hash":"2"},"c":{"hash":"3"}}}`,
	"repeated ids": `{"rigs":{"b":{"condition":"mining"},"a":{"hash":"1"},"b":{"condition":"no_hash"},` +
		`"a":{"hash":"2"},"d":"x","b":{"hash":"3"}}}`,
	"not an object": `{"rigs":{"a":{"hash":"1"},"b":[1,2],"c":{"hash":"3"},"d":null,"e":{"hash":"5"}}}`,
	"two rigs keys": `{"rigs":{"a":{"hash":"1"},"b":{"hash":"2"}},"rigs":{"c":{"hash":"3"},"d":{"hash":"4"}},"x":{"y":{}}}`,
	"rigs then more": `{"alive_gpus":1,"rigs":{"a":{"hash":"1"},"b":{"hash":"2"},"c":{"hash":"3"}},` +
		`"per_info":{"claymore":{"hash":6,"current_time":1504924911}},"total_hash":"6"}`,
	"invalid late":     `{"rigs":{"a":{"hash":"1"},"b":{"hash":"2"},"c":{"hash":2x}}}`,
	"truncated late":   `{"rigs":{"a":{"hash":"1"},"b":{"hash":"2"},"c":{"hash":"3"`,
	"rigs not closed":  `{"rigs":{"a":{"hash":"1"},"b":{"hash":"2"},"c":{"hash":"3"}`,
	"garbage after":    `{"rigs":{"a":{"hash":"1"},"b":{"hash":"2"},"c":{"hash":"3"}}} {}`,
	"escape late":      "{\"rigs\":{\"a\":{\"hash\":\"1\"},\"b\":{\"hash\":\"2\"},\"c\":{\"rack_loc\":\"\x1b[2J\"}}}",
	"bad utf-8 late":   "{\"rigs\":{\"a\":{\"hash\":\"1\"},\"b\":{\"hash\":\"2\"},\"c\":{\"rack_loc\":\"\xff\"}}}",
	"spaces":           "{ \"rigs\" : { \"a\" : { \"hash\" : \"1\" } ,\n \"b\"\t:\r{ \"hash\" : \"2\" } , \"c\" : { } } }",
	"escaped ids":      `{"rigs":{"a":{"hash":"1"},"b\"x":{"hash":"2"},"c\u00e9":{"hash":"3"},"\u001b":{"hash":"4"}}}`,
	"japanese labels":  `{"rigs":{"a":{"rack_loc":"一号機"},"b":{"rack_loc":"二号機"},"c":{"rack_loc":"三号機"}}}`,
	"deep nesting":     `{"rigs":{"a":{"hash":"1"},"b":{"x":[[[[{"y":[{}]}]]]]},"c":{"hash":"3"}}}`,
	"first rig object": `{"rigs":{"a":{},"b":{}}}`,
	// With a byte order mark, a key three bytes after the guessed one
	// must not be taken for it: here the guess can land on the quote that
	// ends "foo},", three bytes before the id ":{".
	"bom and a key after the guess": "\ufeff" + `{"rigs":{"a":{"last":"foo},"},":{":{":1}}":1,"hash":"2"},"c":{"hash":"3"}}}`,
	"error then sjis":               "{\"rigs\":{\"a\":{\"hash\":1x},\"b\":{\"rack_loc\":\"\x93\xf1\"}}}",
}

// TestDecodeSplitMatchesDecode guesses the second half's start at every
// offset of each body and checks that the result is what Decode returns.
// Parts of a few bytes make every value cross the end of a part somewhere.
func TestDecodeSplitMatchesDecode(t *testing.T) {
	bodies := map[string][]byte{
		"generated": GenerateFarmJSON(6, 3, 2),
		// A byte order mark, which the decoder's offsets do not count
		// and the guess's file offsets do.
		"generated with bom": append([]byte("\ufeff"), GenerateFarmJSON(6, 3, 2)...),
	}
	for name, body := range splitBodies {
		bodies[name] = []byte(body)
	}
	maps.Copy(bodies, samplePanels(t))

	fetchedAt := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return fetchedAt }
	for name, body := range bodies {
		want, wantErr := Decode(body, "test", fetchedAt)
		mustGiveUp := bytes.IndexByte(body, 0x1b) >= 0 || !isUTF8(body)
		// Large samples are guessed at every seventh offset, which still
		// covers each rig's start in some runs of the smaller bodies.
		step := 1
		if len(body) > 4096 {
			step = 7
		}
		joins := 0
		for guess := 0; guess <= len(body); guess += step {
			for _, part := range []int{5, 64} {
				r := bytes.NewReader(body)
				in := &textStream{r: r, size: int64(len(body)), limit: DefaultMaxBodyBytes, partBytes: part}
				got, gotErr, whole, half := decodeSplit(in, r, int64(guess), decodeSettings{source: "test"}, now)
				if half != nil && half.joined {
					joins++
				}
				if whole != mustGiveUp {
					t.Fatalf("%s, guess %d, parts of %d: whole = %v, want %v", name, guess, part, whole, mustGiveUp)
				}
				if whole {
					continue
				}
				if diff := decodeDiff(got, gotErr, want, wantErr); diff != "" {
					t.Fatalf("%s, guess %d, parts of %d: %s", name, guess, part, diff)
				}
			}
		}
		if strings.HasPrefix(name, "generated") && joins == 0 {
			t.Errorf("%s: no guess joined the halves, so the split path was not tested", name)
		}
	}
}

// TestDecodeSplitJoinsNearMiddle checks that a large farm is decoded in two
// halves from the middle of the file, and gives Decode's snapshot.
func TestDecodeSplitJoinsNearMiddle(t *testing.T) {
	body := GenerateFarmJSON(1000, 8, 5)
	fetchedAt := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	want, err := Decode(body, "test", fetchedAt)
	if err != nil {
		t.Fatal(err)
	}

	r := bytes.NewReader(body)
	in := &textStream{r: r, size: int64(len(body)), limit: DefaultMaxBodyBytes, partBytes: streamPartBytes}
	got, err, whole, half := decodeSplit(in, r, int64(len(body)/2), decodeSettings{source: "test"}, func() time.Time { return fetchedAt })
	if err != nil || whole {
		t.Fatalf("err %v, whole %v", err, whole)
	}
	if half == nil || !half.joined {
		t.Error("the first half did not take the second half's rigs")
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the snapshot differs from Decode's")
	}
}

// TestFileSourceSplitsLargeFile reads a farm file large enough to be split
// through the file source, and checks that every rig is there once.
func TestFileSourceSplitsLargeFile(t *testing.T) {
	body := GenerateFarmJSON(1000, 8, 9)
	if len(body) < minSplitBytes {
		t.Fatalf("farm is %d bytes, under the %d that split the decode", len(body), minSplitBytes)
	}
	path := filepath.Join(t.TempDir(), "farm.json")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	fetchedAt := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	want, err := Decode(body, path, fetchedAt)
	if err != nil {
		t.Fatal(err)
	}

	src := newFileSource(path, path, HTTPOptions{Now: func() time.Time { return fetchedAt }})
	got, err := src.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rigs) != 1000 {
		t.Errorf("%d rigs, want 1000", len(got.Rigs))
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the snapshot differs from Decode's")
	}
}

// FuzzDecodeSplit checks that decoding in two halves from any guessed
// offset gives what Decode gives, or leaves the body to Decode.
func FuzzDecodeSplit(f *testing.F) {
	for _, body := range splitBodies {
		f.Add([]byte(body), uint16(len(body)/2), uint8(7))
	}
	f.Add(GenerateFarmJSON(4, 2, 1), uint16(300), uint8(63))

	fetchedAt := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, body []byte, guess uint16, part uint8) {
		want, wantErr := Decode(body, "fuzz", fetchedAt)
		r := bytes.NewReader(body)
		in := &textStream{r: r, size: int64(len(body)), limit: DefaultMaxBodyBytes, partBytes: int(part) + 1}
		got, gotErr, whole, _ := decodeSplit(in, r, int64(guess), decodeSettings{source: "fuzz"}, func() time.Time { return fetchedAt })
		if whole {
			return
		}
		if diff := decodeDiff(got, gotErr, want, wantErr); diff != "" {
			t.Fatalf("guess %d: %s", guess, diff)
		}
	})
}

// withoutDetails returns snap with what SkipDetails leaves out cleared.
func withoutDetails(snap Snapshot) Snapshot {
	for i := range snap.Rigs {
		for g := range snap.Rigs[i].GPUs {
			gpu := &snap.Rigs[i].GPUs[g]
			gpu.info = nil
			gpu.CoreMHz, gpu.MemMHz, gpu.PowerTune = Reading{}, Reading{}, Reading{}
			gpu.Voltage, gpu.Watts, gpu.VRAMGB = Reading{}, Reading{}, Reading{}
		}
	}
	return snap
}

// TestSkipDetails decodes the samples and two generated farms without
// details, whole and streamed in two halves, and checks that the result is
// Decode's with the details cleared and nothing else changed.
func TestSkipDetails(t *testing.T) {
	bodies := map[string][]byte{
		"small farm": GenerateFarmJSON(20, 8, 3),
		"large farm": GenerateFarmJSON(1000, 8, 4),
	}
	maps.Copy(bodies, samplePanels(t))
	fetchedAt := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return fetchedAt }
	set := decodeSettings{source: "test", skipDetails: true}

	for name, body := range bodies {
		full, err := Decode(body, "test", fetchedAt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		detailed := 0
		for _, rig := range full.Rigs {
			for _, gpu := range rig.GPUs {
				if gpu.Info() != (GPUInfo{}) || gpu.CoreMHz.Known() {
					detailed++
				}
			}
		}
		if detailed == 0 && name != "empty-farm.json" {
			t.Errorf("%s: no GPU has details, so nothing is left out", name)
		}
		want := withoutDetails(full)

		whole, err := decodeWhole(body, set, fetchedAt)
		if err != nil {
			t.Errorf("%s, whole: %v", name, err)
		}
		if !reflect.DeepEqual(whole, want) {
			t.Errorf("%s, whole: the snapshot is not Decode's without details", name)
		}
		r := bytes.NewReader(body)
		in := &textStream{r: r, size: int64(len(body)), limit: DefaultMaxBodyBytes, partBytes: 4096}
		halves, err, gaveUp, _ := decodeSplit(in, r, int64(len(body)/2), set, now)
		if gaveUp {
			continue
		}
		if err != nil {
			t.Errorf("%s, in halves: %v", name, err)
		}
		if !reflect.DeepEqual(halves, want) {
			t.Errorf("%s, in halves: the snapshot is not Decode's without details", name)
		}
	}
}

// TestSplitStopsOnTinyMembers puts thousands of {} after a few rigs, where
// the middle of the body is, so that the second decoder starts inside
// them. It must stop soon instead of making a Rig of each, and the result
// must still be Decode's.
func TestSplitStopsOnTinyMembers(t *testing.T) {
	tests := map[string]string{
		"in a rig":       `{"rigs":{"a":{"hash":"1"},"b":{"junk":{` + tinyMembers(20000) + `}}},"total_hash":"1"}`,
		"after the rigs": `{"rigs":{"a":{"hash":"1"},"b":{"hash":"2"}},"per_info":{` + tinyMembers(20000) + `}}`,
		"as rigs":        `{"rigs":{"a":{"hash":"1"},` + tinyMembers(20000) + `}}`,
	}
	fetchedAt := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for name, body := range tests {
		want, wantErr := Decode([]byte(body), "test", fetchedAt)
		r := strings.NewReader(body)
		in := &textStream{r: r, size: int64(len(body)), limit: DefaultMaxBodyBytes, partBytes: streamPartBytes}
		got, err, whole, half := decodeSplit(in, r, int64(len(body)/2), decodeSettings{source: "test"}, func() time.Time { return fetchedAt })
		if whole {
			t.Fatalf("%s: left to the whole-body decoder", name)
		}
		if errorText(err) != errorText(wantErr) {
			t.Errorf("%s: error %v, want %v", name, err, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the snapshot differs from Decode's", name)
		}
		if half == nil {
			t.Fatalf("%s: no second half was started, so nothing was tested", name)
		}
		if half.members > minRigsChecked+1 {
			t.Errorf("%s: the second half read %d members, want it to stop after %d", name, half.members, minRigsChecked)
		}
	}
}

// tinyMembers returns n members "k0":{},"k1":{}… separated by commas.
func tinyMembers(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":{}`, i)
	}
	return b.String()
}
