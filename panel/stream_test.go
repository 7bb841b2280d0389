package panel

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every part buffer the stream frees for reuse is overwritten at once, so
// that a string still pointing into it makes a test fail.
func init() { poisonFreedParts = true }

// TestDecodeStreamReusesParts decodes a farm large enough for the GPU
// builder's own goroutine in parts of several sizes. The snapshot must be
// Decode's although freed parts are overwritten, and the stream must
// allocate a handful of buffers, not one per part.
func TestDecodeStreamReusesParts(t *testing.T) {
	body := GenerateFarmJSON(1000, 8, 5)
	if len(body) < minConcurrentBytes {
		t.Fatalf("farm is %d bytes, under the %d that start the GPU builder's goroutine", len(body), minConcurrentBytes)
	}
	fetchedAt := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	want, err := Decode(body, "test", fetchedAt)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []int{512, 4096, streamPartBytes} {
		in := &textStream{r: bytes.NewReader(body), size: int64(len(body)), limit: DefaultMaxBodyBytes, partBytes: part}
		got, err, whole := decodeFrom(in, nil, decodeSettings{source: "test"}, func() time.Time { return fetchedAt })
		if err != nil || whole {
			t.Fatalf("parts of %d: err %v, whole %v", part, err, whole)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("parts of %d: the snapshot differs from Decode's", part)
		}
		parts := len(body)/part + 1
		// A part is free once the rigs read from it are built. The
		// builder takes rigs in batches of gpuBatchRigs and holds up to
		// six batches: one being filled, four queued, one being built.
		if limit := 8 + 8*gpuBatchRigs*len(body)/1000/part; in.allocated > limit {
			t.Errorf("parts of %d: %d buffers made for %d parts, want at most %d", part, in.allocated, parts, limit)
		}
	}
}

// TestDecodeStreamMatchesDecode decodes each body in parts of several
// sizes, so that every value is cut at the end of a part somewhere, and
// checks that the result is what Decode returns for the whole body.
func TestDecodeStreamMatchesDecode(t *testing.T) {
	bodies := map[string][]byte{
		"generated":         GenerateFarmJSON(20, 8, 3),
		"empty":             nil,
		"spaces":            []byte(" \n\t "),
		"bom":               []byte("\ufeff {\"rigs\":{\"r1\":{\"condition\":\"mining\"}}}"),
		"html":              []byte("  <html><body>not found</body></html>"),
		"invalid":           []byte(`{"rigs":{"a":}}`),
		"truncated":         []byte(`{"rigs":{"a":{"condition":"mi`),
		"truncated number":  []byte(`{"rigs":{"a":{"hash":12.`),
		"trailing garbage":  []byte(`{"rigs":{}} x`),
		"not a panel":       []byte(`[1,2,3]`),
		"no rigs":           []byte(`{"total_hash":"12.5"}`),
		"rigs not object":   []byte(`{"rigs":[1]}`),
		"literals":          []byte(`{"rigs":{"r":{"rack_loc":false,"ip":null,"pool":true,"hash":-1.5e+2}},"alive_rigs":1}`),
		"escapes":           []byte(`{"rigs":{"r\u00e9\n":{"rack_loc":"a\"b\\c\/d \ud83d\ude00","meminfo":"GPU0:01:00.0:GeForce GTX 1070:86.04.50.00.72:Unknown\nGPU1:02:00.0:X \u00e9:V:M"}}}`),
		"bad escape":        []byte(`{"rigs":{"r":{"rack_loc":"a\qb"}}}`),
		"japanese utf-8":    []byte(`{"rigs":{"r1":{"rack_loc":"ラック一番・棚二","condition":"mining","gpus":"2","miner_hashes":"30.1 29.9"}}}`),
		"duplicates":        []byte(`{"rigs":{"b":{"condition":"mining"},"a":{},"b":{"condition":"no_hash"},"bad":"x"}}`),
		"numbers":           []byte(`{"rigs":{"r":{"hash":123456789.25,"gpus":3,"temp":"60 61.5 62","uptime":"3600"}},"total_hash":1e3,"per_info":{"claymore":{"hash":10,"current_time":1504924911}}}`),
		"invalid utf-8":     []byte("{\"rigs\":{\"r\":{\"rack_loc\":\"\xff\xfe\"}}}"),
		"raw escape byte":   []byte("{\"rigs\":{\"r\":{\"rack_loc\":\"a\x1b[31mb\"}}}"),
		"cut japanese text": []byte(`{"rigs":{"r1":{"rack_loc":"あいうえおかきくけこ"}}}`),
		// A syntax error in the first part, and a byte later that is not
		// UTF-8, which makes Decode read the body as Shift_JIS.
		"error before shift_jis": []byte("三号0\x9fA"),
		"nul byte":               []byte("\x00"),
		"html then bad bytes":    []byte("<0000000\xf9\x00"),
		"nul byte for a value":   []byte("{\"rigs\":{\"a\":\x00}}"),
	}
	maps.Copy(bodies, samplePanels(t))

	fetchedAt := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return fetchedAt }
	for name, body := range bodies {
		want, wantErr := Decode(body, "test", fetchedAt)
		mustGiveUp := bytes.IndexByte(body, 0x1b) >= 0 || !isUTF8(body)
		for _, part := range []int{1, 2, 3, 5, 7, 64, 4096} {
			got, gotErr, whole := decodeParts(bytes.NewReader(body), int64(len(body)), DefaultMaxBodyBytes, part, "test", now)
			if whole != mustGiveUp {
				t.Errorf("%s, parts of %d: whole = %v, want %v", name, part, whole, mustGiveUp)
				continue
			}
			if whole {
				continue
			}
			if diff := decodeDiff(got, gotErr, want, wantErr); diff != "" {
				t.Errorf("%s, parts of %d: %s", name, part, diff)
			}
		}
	}
}

// samplePanels returns every real panel response in testdata, keyed by
// file name. It fails when there is none, since the tests that use it
// would then check nothing real.
func samplePanels(tb testing.TB) map[string][]byte {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "panels", "*.json"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no sample panels: %v", err)
	}
	samples := make(map[string][]byte, len(paths))
	for _, path := range paths {
		body, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		samples[filepath.Base(path)] = body
	}
	return samples
}

// decodeDiff describes how a streamed decode's result differs from what
// Decode returned, or returns "" when it is the same: the same error text,
// kind and offset, or the same snapshot.
func decodeDiff(got Snapshot, gotErr error, want Snapshot, wantErr error) string {
	if errorText(gotErr) != errorText(wantErr) || !sameDecodeError(gotErr, wantErr) {
		return fmt.Sprintf("error %v, want %v", gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("the snapshot differs from Decode's:\n got %+v\nwant %+v", got, want)
	}
	return ""
}

func isUTF8(b []byte) bool { return strings.ToValidUTF8(string(b), "\uFFFD") == string(b) }

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func sameDecodeError(a, b error) bool {
	var da, db *DecodeError
	if errors.As(a, &da) != errors.As(b, &db) {
		return false
	}
	return da == nil || (da.Kind == db.Kind && da.Offset == db.Offset)
}

func TestDecodeStreamLimit(t *testing.T) {
	body := GenerateFarmJSON(3, 2, 1)
	_, _, whole := decodeParts(bytes.NewReader(body), int64(len(body)), int64(len(body)-1), 64, "test", time.Now)
	if !whole {
		t.Error("a body over the limit was decoded, want it left to the whole-body path that reports it")
	}
}

// FuzzDecodeStream checks that decoding in parts gives what Decode gives,
// or leaves the body to Decode.
func FuzzDecodeStream(f *testing.F) {
	for _, body := range samplePanels(f) {
		f.Add(body, uint8(7))
	}
	f.Add([]byte(`{"rigs":{"a\u00e9":{"rack_loc":"\ud83d\ude80\\ \ud800","gpus":"2"}}}`), uint8(1))
	f.Add([]byte(" \ufeff{}"), uint8(2))

	fetchedAt := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, body []byte, part uint8) {
		want, wantErr := Decode(body, "fuzz", fetchedAt)
		got, gotErr, whole := decodeParts(bytes.NewReader(body), int64(len(body)), DefaultMaxBodyBytes, int(part)+1,
			"fuzz", func() time.Time { return fetchedAt })
		if whole {
			return
		}
		if diff := decodeDiff(got, gotErr, want, wantErr); diff != "" {
			t.Fatalf("parts of %d: %s", int(part)+1, diff)
		}
	})
}
