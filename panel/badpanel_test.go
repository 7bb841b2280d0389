package panel

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// goodRig is a healthy two-GPU rig. Every bad panel that still decodes puts
// one before and one after the broken rig, so that a test checks whether
// the broken rig hides its neighbours.
const goodRig = `{"condition":"mining","gpus":"2","miner_instance":"2","hash":"60.2","miner_hashes":"30.1 30.1","temp":"60 61"}`

// farmWith returns a panel of rigs aa01, bad01 and zz01 in that order, with
// bad as the value of bad01.
func farmWith(bad string) string {
	return `{"rigs":{"aa01":` + goodRig + `,"bad01":` + bad + `,"zz01":` + goodRig + `}}`
}

// serveBody fetches body from a loopback panel server that sends it with
// status 200 and the text/html type the real panel uses.
func serveBody(t *testing.T, body string) (Snapshot, error) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		io.WriteString(w, body)
	}))
	defer srv.Close()
	return fetchFrom(t, srv.URL, HTTPOptions{Timeout: 5 * time.Second})
}

func TestBadPanelRejected(t *testing.T) {
	nested := func(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }
	truncated := farmWith(goodRig)[:40]

	tests := []struct {
		name string
		body string
		kind ErrorKind
		// offset is FetchError.Offset: the byte of the problem, or -1.
		offset int64
	}{
		{"html error page", "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", KindHTML, -1},
		{"html after white space", "\r\n\t <html><body>Panel not found</body></html>", KindHTML, -1},
		{"empty body", "", KindEmpty, -1},
		{"white space only", " \n\r\n\t", KindEmpty, -1},
		{"truncated JSON", truncated, KindTruncated, int64(len(truncated))},
		{"truncated after the last rig", `{"rigs":{"aa01":` + goodRig + `,`, KindTruncated, int64(len(`{"rigs":{"aa01":` + goodRig + `,`))},
		{"NUL byte for a value", "{\"rigs\":\x00}", KindInvalidJSON, 8},
		{"NUL byte alone", "\x00", KindInvalidJSON, 0},
		{"top-level array", `[{"rigs":{"aa01":` + goodRig + `}}]`, KindNotPanel, -1},
		{"top-level string", `"rigs"`, KindNotPanel, -1},
		{"top-level number", `42`, KindNotPanel, -1},
		{"top-level null", `null`, KindNotPanel, -1},
		{"rigs a string", `{"rigs":"aa01"}`, KindNotPanel, -1},
		{"rigs a number", `{"rigs":3}`, KindNotPanel, -1},
		{"rigs true", `{"rigs":true}`, KindNotPanel, -1},
		{"rigs a non-empty array", `{"rigs":[` + goodRig + `]}`, KindNotPanel, -1},
		{"no rigs field", `{"total_hash":1,"alive_rigs":1}`, KindNotPanel, -1},
		// `{"rigs":{},"x":` is 15 bytes. The outer object is depth 1, so the
		// 10000th '[' (offset 15+9999) is depth 10001, one past the limit.
		{"nesting beyond the limit", `{"rigs":{},"x":` + nested(20000) + `}`, KindInvalidJSON, 10014},
		{"syntax error inside a rig", `{"rigs":{"aa01":{"hash":1 2}}}`, KindInvalidJSON, 26},
		// A file saved as UTF-16 by a Windows editor: a BOM, then NUL bytes.
		{"UTF-16 body", "\xff\xfe{\x00\"\x00r\x00i\x00g\x00s\x00\"\x00:\x00{\x00}\x00}\x00", KindInvalidEncoding, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := serveBody(t, tt.body)
			fe := wantFetchError(t, err, tt.kind)
			if fe.Offset != tt.offset {
				t.Errorf("Offset = %d, want %d; error: %v", fe.Offset, tt.offset, fe)
			}
			if fe.Status != http.StatusOK {
				t.Errorf("Status = %d, want 200", fe.Status)
			}
			if msg := fe.Error(); strings.ContainsAny(msg, "\x00\x1b\r\n") {
				t.Errorf("Error() holds control characters: %q", msg)
			}
		})
	}
}

func TestBadPanelHTMLWithErrorStatus(t *testing.T) {
	// A proxy's error page: the status is the more useful report.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
	}))
	defer srv.Close()

	_, err := fetchFrom(t, srv.URL, HTTPOptions{})
	fe := wantFetchError(t, err, KindHTTPStatus)
	if fe.Status != http.StatusBadGateway {
		t.Errorf("Status = %d, want 502", fe.Status)
	}
}

// rigErrorIDs returns the ids of the rigs that could not be decoded.
func rigErrorIDs(snap Snapshot) []string {
	var ids []string
	for _, e := range snap.RigErrors {
		ids = append(ids, e.RigID)
	}
	return ids
}

func TestBadRigKeepsOthers(t *testing.T) {
	tests := []struct {
		name string
		bad  string
		// errText is the RigError text for bad01, or "" when bad01 loads.
		errText string
	}{
		{"rig a string", `"offline"`, "rig bad01: value is a string, not an object"},
		{"rig a number", `1e400`, "rig bad01: value is a number, not an object"},
		{"rig an array", `["mining"]`, "rig bad01: value is an array, not an object"},
		{"rig null", `null`, "rig bad01: value is null, not an object"},
		{"rig false", `false`, "rig bad01: value is a boolean, not an object"},
		{"rig deeply nested junk", strings.Repeat("[", 5000) + strings.Repeat("]", 5000), "rig bad01: value is an array, not an object"},
		{"junk nested in a rig field", `{"condition":"mining","junk":` + strings.Repeat(`{"a":[`, 2000) + strings.Repeat(`]}`, 2000) + `}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap, err := serveBody(t, farmWith(tt.bad))
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}

			wantRigs := []string{"aa01", "zz01"}
			if tt.errText == "" {
				wantRigs = []string{"aa01", "bad01", "zz01"}
			}
			if got := rigIDs(snap); !slices.Equal(got, wantRigs) {
				t.Errorf("rigs = %v, want %v", got, wantRigs)
			}
			for _, id := range []string{"aa01", "zz01"} {
				r := findRig(t, snap, id)
				wantFloat(t, id+" Hash", r.Hash, 60.2)
				if len(r.GPUs) != 2 {
					t.Errorf("%s has %d GPUs, want 2", id, len(r.GPUs))
				}
			}

			if tt.errText == "" {
				if len(snap.RigErrors) != 0 {
					t.Errorf("RigErrors = %v, want none", snap.RigErrors)
				}
				return
			}
			if got := rigErrorIDs(snap); !slices.Equal(got, []string{"bad01"}) {
				t.Fatalf("RigErrors ids = %v, want [bad01]", got)
			}
			if got := snap.RigErrors[0].Error(); got != tt.errText {
				t.Errorf("RigErrors[0] = %q, want %q", got, tt.errText)
			}
		})
	}
}

func TestBadRigOverflowingNumbers(t *testing.T) {
	// Numbers past float64 or int range, as JSON numbers and as strings.
	// Each is unknown; the finite entries beside them still parse.
	snap, err := serveBody(t, farmWith(`{"condition":"mining","hash":1e400,"gpus":99999999999999999999999,`+
		`"miner_instance":"1e400","uptime":"99999999999999999999999","miner_secs":-1e400,"server_time":1e400,`+
		`"miner_hashes":"1e400 30.5","temp":"-1e400 60","fanrpm":"99999999999999999999999 1200"}`))
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if got := rigIDs(snap); !slices.Equal(got, []string{"aa01", "bad01", "zz01"}) {
		t.Fatalf("rigs = %v, want all three", got)
	}

	r := findRig(t, snap, "bad01")
	wantUnknown(t, "Hash (1e400)", r.Hash)
	wantUnknown(t, "GPUsDetected (1e23)", r.GPUsDetected)
	wantUnknown(t, "GPUsHashing (\"1e400\")", r.GPUsHashing)
	wantUnknown(t, "Uptime (1e23 s)", r.Uptime)
	wantUnknown(t, "MinerUptime (-1e400)", r.MinerUptime)
	wantUnknown(t, "ReportAge (server_time 1e400)", r.ReportAge)
	if !r.ServerTime.IsZero() {
		t.Errorf("ServerTime = %v, want zero", r.ServerTime)
	}
	// With the count unknown, the two-entry lists give two GPUs.
	if len(r.GPUs) != 2 {
		t.Fatalf("%d GPUs, want 2", len(r.GPUs))
	}
	wantUnknown(t, "GPU 0 Hash", r.GPUs[0].Hash.Opt())
	wantFloat(t, "GPU 1 Hash", r.GPUs[1].Hash.Opt(), 30.5)
	wantUnknown(t, "GPU 0 TempC", r.GPUs[0].TempC.Opt())
	wantFloat(t, "GPU 1 TempC", r.GPUs[1].TempC.Opt(), 60)
	// 1e23 is a finite float64, so it is kept as reported.
	wantFloat(t, "GPU 0 FanRPM", r.GPUs[0].FanRPM.Opt(), 1e23)
	wantFloat(t, "GPU 1 FanRPM", r.GPUs[1].FanRPM.Opt(), 1200)
}

func TestBadRigNaNStrings(t *testing.T) {
	// strconv.ParseFloat accepts every one of these words; the panel
	// decoder must not.
	snap, err := serveBody(t, farmWith(`{"condition":"mining","hash":"NaN","gpus":"4","miner_instance":"Infinity",`+
		`"miner_hashes":"NaN Infinity -inf +Inf","temp":"nan inf -Infinity 0x1p-2","uptime":"Inf","cpu_temp":"NaN","load":"-nan"}`))
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if got := rigIDs(snap); !slices.Equal(got, []string{"aa01", "bad01", "zz01"}) {
		t.Fatalf("rigs = %v, want all three", got)
	}

	r := findRig(t, snap, "bad01")
	wantUnknown(t, "Hash", r.Hash)
	wantInt(t, "GPUsDetected", r.GPUsDetected, 4)
	wantUnknown(t, "GPUsHashing", r.GPUsHashing)
	wantUnknown(t, "Uptime", r.Uptime)
	wantUnknown(t, "CPUTempC", r.CPUTempC)
	wantUnknown(t, "Load", r.Load)
	if len(r.GPUs) != 4 {
		t.Fatalf("%d GPUs, want 4", len(r.GPUs))
	}
	for i, g := range r.GPUs {
		wantUnknown(t, fmt.Sprintf("GPU %d Hash", i), g.Hash.Opt())
		wantUnknown(t, fmt.Sprintf("GPU %d TempC", i), g.TempC.Opt())
	}
}

func TestBadRigNegativeReadings(t *testing.T) {
	// Negative counts and durations cannot be true, so they are unknown.
	// Negative hash rates and temperatures are finite readings and are kept
	// as the panel reported them, sign included.
	snap, err := serveBody(t, farmWith(`{"condition":"mining","hash":"-60.2","gpus":"-2","miner_instance":-1,`+
		`"miner_hashes":"-30.1 -30.1","temp":"-5 -273.15","uptime":"-100","server_time":-5}`))
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if got := rigIDs(snap); !slices.Equal(got, []string{"aa01", "bad01", "zz01"}) {
		t.Fatalf("rigs = %v, want all three", got)
	}

	r := findRig(t, snap, "bad01")
	wantFloat(t, "Hash", r.Hash, -60.2)
	wantUnknown(t, "GPUsDetected", r.GPUsDetected)
	wantUnknown(t, "GPUsHashing", r.GPUsHashing)
	wantUnknown(t, "Uptime", r.Uptime)
	wantUnknown(t, "ReportAge", r.ReportAge)
	if len(r.GPUs) != 2 {
		t.Fatalf("%d GPUs, want 2", len(r.GPUs))
	}
	wantFloat(t, "GPU 0 Hash", r.GPUs[0].Hash.Opt(), -30.1)
	wantFloat(t, "GPU 0 TempC", r.GPUs[0].TempC.Opt(), -5)
	wantFloat(t, "GPU 1 TempC", r.GPUs[1].TempC.Opt(), -273.15)
}

func TestBadRigTenThousandGPUs(t *testing.T) {
	const n = 10000
	hashes := strings.TrimSpace(strings.Repeat("30.1 ", n))
	var meminfo strings.Builder
	for i := range n {
		fmt.Fprintf(&meminfo, `GPU%d:01:00.0:GeForce GTX 1070:86.04.50.00.70:Samsung K4G80325FB\n`, i)
	}
	bad := `{"condition":"mining","gpus":"` + strconv.Itoa(n) + `","miner_instance":` + strconv.Itoa(n) +
		`,"hash":"301000","miner_hashes":"` + hashes + `","temp":"` + strings.TrimSpace(strings.Repeat("60 ", n)) +
		`","meminfo":"` + meminfo.String() + `"}`

	snap, err := serveBody(t, farmWith(bad))
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if got := rigIDs(snap); !slices.Equal(got, []string{"aa01", "bad01", "zz01"}) {
		t.Fatalf("rigs = %v, want all three", got)
	}

	// A count above maxGPUsPerRig (64) is not believed, and the GPUs built
	// from the lists stop at that bound.
	r := findRig(t, snap, "bad01")
	wantUnknown(t, "GPUsDetected", r.GPUsDetected)
	wantUnknown(t, "GPUsHashing", r.GPUsHashing)
	wantFloat(t, "Hash", r.Hash, 301000)
	if len(r.GPUs) != maxGPUsPerRig {
		t.Fatalf("%d GPUs, want %d", len(r.GPUs), maxGPUsPerRig)
	}
	last := r.GPUs[maxGPUsPerRig-1]
	wantFloat(t, "last GPU Hash", last.Hash.Opt(), 30.1)
	wantString(t, "last GPU Model", last.Info().Model, "GeForce GTX 1070")
}

// TestBadPanelManyMiners sends a per_info of 100,000 miners. The first
// maxMiners are kept, sorted by name, and the rigs all load, without a
// MinerTotals made for each of the others.
func TestBadPanelManyMiners(t *testing.T) {
	const n = 100000
	var miners strings.Builder
	for i := range n {
		fmt.Fprintf(&miners, `"m%06d":{"hash":"%d"},`, i, i)
	}
	body := `{"rigs":{"aa01":` + goodRig + `,"zz01":` + goodRig + `},"per_info":{` +
		strings.TrimSuffix(miners.String(), ",") + `}}`

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	snap, err := Decode([]byte(body), "test", time.Unix(1700000000, 0))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got := rigIDs(snap); !slices.Equal(got, []string{"aa01", "zz01"}) {
		t.Errorf("rigs = %v, want both", got)
	}
	if len(snap.Totals.Miners) != maxMiners {
		t.Fatalf("%d miners kept, want %d", len(snap.Totals.Miners), maxMiners)
	}
	last := snap.Totals.Miners[maxMiners-1]
	wantString(t, "last miner", last.Miner, fmt.Sprintf("m%06d", maxMiners-1))
	wantFloat(t, "last miner's hash", last.Hash, float64(maxMiners-1))
	// The body is 2.7 MB. Keeping every miner allocated about 80 MB.
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 4*uint64(len(body)) {
		t.Errorf("decoding allocated %d bytes for a %d-byte body", allocated, len(body))
	}
}

func TestBadPanelDuplicateKeys(t *testing.T) {
	// The last of duplicate keys wins, as in encoding/json: for a rig's
	// fields, for rig ids, and for "rigs" itself.
	tests := []struct {
		name      string
		body      string
		rigs      []string
		hash      float64
		condition Condition
	}{
		{"rig fields", `{"rigs":{"aa01":{"hash":"1","condition":"no_hash","hash":"60.2","condition":"mining"}}}`,
			[]string{"aa01"}, 60.2, Mining},
		{"rig ids", `{"rigs":{"aa01":{"hash":"1","condition":"no_hash"},"zz01":` + goodRig + `,"aa01":` + goodRig + `}}`,
			[]string{"aa01", "zz01"}, 60.2, Mining},
		{"rig id first valid then a string", `{"rigs":{"aa01":` + goodRig + `,"aa01":"gone"}}`,
			nil, 0, ""},
		{"rigs field", `{"rigs":{"old1":` + goodRig + `},"total_hash":1,"rigs":{"aa01":` + goodRig + `}}`,
			[]string{"aa01"}, 60.2, Mining},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap, err := serveBody(t, tt.body)
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			if got := rigIDs(snap); !slices.Equal(got, tt.rigs) {
				t.Fatalf("rigs = %v, want %v", got, tt.rigs)
			}
			if tt.rigs == nil {
				if got := rigErrorIDs(snap); !slices.Equal(got, []string{"aa01"}) {
					t.Errorf("RigErrors ids = %v, want [aa01]", got)
				}
				return
			}
			r := findRig(t, snap, "aa01")
			wantFloat(t, "aa01 Hash", r.Hash, tt.hash)
			if r.Condition != tt.condition {
				t.Errorf("aa01 Condition = %q, want %q", r.Condition, tt.condition)
			}
		})
	}
}

// endlessPanelBody writes size bytes that start like a panel and never
// end it, 64 KiB at a time, so the server holds only one chunk in memory.
func endlessPanelBody(w http.ResponseWriter, size int64) {
	chunk := []byte(strings.Repeat(`{"a":1},`, 64<<10/8))
	io.WriteString(w, `{"rigs":{},"junk":[`)
	for written := int64(0); written < size; written += int64(len(chunk)) {
		if _, err := w.Write(chunk); err != nil {
			return // the client hung up, as it should at the cap
		}
	}
}

func TestBadPanelHundredMiBBody(t *testing.T) {
	const size = 100 << 20
	for _, announced := range []bool{false, true} {
		t.Run(fmt.Sprintf("Content-Length=%v", announced), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if announced {
					w.Header().Set("Content-Length", strconv.Itoa(size+len(`{"rigs":{},"junk":[`)))
				}
				endlessPanelBody(w, size)
			}))
			defer srv.Close()

			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := fetchFrom(t, srv.URL, HTTPOptions{Timeout: 30 * time.Second})
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)

			fe := wantFetchError(t, err, KindTooLarge)
			if want := fmt.Sprintf("larger than the %d-byte limit", DefaultMaxBodyBytes); !strings.Contains(fe.Error(), want) {
				t.Errorf("Error() = %q, want it to name the %d-byte limit", fe, DefaultMaxBodyBytes)
			}
			// Everything allocated in the process during the fetch, server
			// included. Reading up to the 32 MiB cap and dropping it costs the
			// cap once, plus buffers; reading the whole body would cost 100 MiB.
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("fetch allocated %d MiB in %v", alloc>>20, elapsed)
			if limit := uint64(DefaultMaxBodyBytes + 8<<20); alloc > limit {
				t.Errorf("fetch allocated %d MiB, want at most %d MiB", alloc>>20, limit>>20)
			}
			if elapsed > 20*time.Second {
				t.Errorf("fetch took %v", elapsed)
			}
		})
	}
}

func TestBadPanelErrorIsDecodeError(t *testing.T) {
	// A source's FetchError keeps the decoder's error as its cause.
	_, err := serveBody(t, `[1]`)
	var de *DecodeError
	if !errors.As(err, &de) || de.Kind != KindNotPanel {
		t.Errorf("errors.As(%v, *DecodeError) = %v, want the KindNotPanel DecodeError", err, de)
	}
}
