package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// The expected totals below are worked out from the samples. nvidia-3rigs
// has rigs of 6, 13 and 3 GPUs hashing 183.51 + 255.17 + 59.03 MH/s. In
// amd-10rigs-one-unreachable, rig a10006 (r1_15) is unreachable, and the
// other nine hash 1208.99 MH/s on 54 of the 60 GPUs.

func TestCheckAllRigsUp(t *testing.T) {
	srv := servePanel(t, readSample(t, "nvidia-3rigs.json"))

	r := rigtop(t, nil, "check", srv.URL)

	wantCode(t, r, 0)
	want := "OK: 3 of 3 rigs up, 22 of 22 GPUs hashing, 497.71 MH/s"
	if got := firstLine(r.stdout); got != want {
		t.Errorf("first line = %q, want %q", got, want)
	}
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 1 {
		t.Errorf("got %d lines, want only the summary:\n%s", len(lines), r.stdout)
	}
}

func TestCheckNegativeHashLeftOutOfTotal(t *testing.T) {
	// A rig reporting -255.17 MH/s instead of 255.17 must not lower the
	// total: 183.51 + 59.03 = 242.54.
	body := strings.Replace(string(readSample(t, "nvidia-3rigs.json")), `"hash":255.17`, `"hash":-255.17`, 1)
	if !strings.Contains(body, `"hash":-255.17`) {
		t.Fatal("sample has no rig hashing 255.17 MH/s")
	}
	srv := servePanel(t, []byte(body))

	r := rigtop(t, nil, "check", srv.URL)

	if got, want := firstLine(r.stdout), ", 242.54 MH/s"; !strings.HasSuffix(got, want) {
		t.Errorf("first line = %q, want it to end in %q", got, want)
	}
}

func TestCheckUnreachableRigCritical(t *testing.T) {
	srv := servePanel(t, readSample(t, "amd-10rigs-one-unreachable.json"))

	r := rigtop(t, nil, "check", srv.URL)

	wantCode(t, r, 2)
	want := "CRITICAL: 9 of 10 rigs up, 54 of 60 GPUs hashing, 1208.99 MH/s"
	if got := firstLine(r.stdout); got != want {
		t.Errorf("first line = %q, want %q", got, want)
	}
	problems := strings.Split(strings.TrimSpace(r.stdout), "\n")[1:]
	if len(problems) == 0 {
		t.Fatalf("no problem lines:\n%s", r.stdout)
	}
	for _, line := range problems {
		if !strings.Contains(line, "r1_15") {
			t.Errorf("problem line %q does not name rig r1_15", line)
		}
	}
}

func TestCheckConnectionRefusedUnknown(t *testing.T) {
	url := closedPortURL(t)

	r := rigtop(t, nil, "check", url)

	wantCode(t, r, 3)
	first := firstLine(r.stdout)
	if !strings.HasPrefix(first, "UNKNOWN: ") {
		t.Errorf("first line = %q, want the UNKNOWN status", first)
	}
	if !strings.Contains(first, "refused") {
		t.Errorf("first line = %q, want it to say the connection was refused", first)
	}
	if !strings.Contains(first, strings.TrimSuffix(url, "/")) {
		t.Errorf("first line = %q, want it to name %s", first, url)
	}
}

func TestCheckJSON(t *testing.T) {
	srv := servePanel(t, readSample(t, "amd-10rigs-one-unreachable.json"))

	r := rigtop(t, nil, "check", "--json", srv.URL)

	wantCode(t, r, 2)
	var report struct {
		Status      string `json:"status"`
		ExitCode    int    `json:"exit_code"`
		RigsUp      int    `json:"rigs_up"`
		RigsTotal   int    `json:"rigs_total"`
		GPUsHashing int    `json:"gpus_hashing"`
		GPUsTotal   int    `json:"gpus_total"`
		Hash        []struct {
			Unit  string  `json:"unit"`
			Value float64 `json:"value"`
		} `json:"hash"`
		Panels []struct {
			Name string `json:"name"`
			OK   bool   `json:"ok"`
		} `json:"panels"`
		Problems []struct {
			Key      string `json:"key"`
			Severity string `json:"severity"`
			Rig      string `json:"rig"`
			Label    string `json:"label"`
			Summary  string `json:"summary"`
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
	}
	if report.Status != "CRITICAL" {
		t.Errorf("status = %q, want CRITICAL", report.Status)
	}
	if report.ExitCode != 2 {
		t.Errorf("exit_code = %d, want 2", report.ExitCode)
	}
	if report.RigsUp != 9 || report.RigsTotal != 10 {
		t.Errorf("rigs = %d of %d, want 9 of 10", report.RigsUp, report.RigsTotal)
	}
	if report.GPUsHashing != 54 || report.GPUsTotal != 60 {
		t.Errorf("GPUs = %d of %d, want 54 of 60", report.GPUsHashing, report.GPUsTotal)
	}
	if len(report.Hash) != 1 || report.Hash[0].Unit != "MH/s" || report.Hash[0].Value != 1208.99 {
		t.Errorf("hash = %+v, want 1208.99 MH/s", report.Hash)
	}
	if len(report.Panels) != 1 || !report.Panels[0].OK {
		t.Errorf("panels = %+v, want one readable panel", report.Panels)
	}

	var unreachable bool
	for _, p := range report.Problems {
		if p.Rig != "a10006" {
			t.Errorf("problem %+v is about rig %q, want only a10006", p, p.Rig)
		}
		if p.Label != "r1_15" {
			t.Errorf("problem %+v has label %q, want r1_15", p, p.Label)
		}
		if p.Key == "" || p.Summary == "" {
			t.Errorf("problem %+v lacks a key or summary", p)
		}
		if strings.HasSuffix(p.Key, "/a10006/condition") && p.Severity == "critical" {
			unreachable = true
		}
	}
	if !unreachable {
		t.Errorf("no critical condition problem for a10006 in %+v", report.Problems)
	}
}

func TestCheckJSONUnknown(t *testing.T) {
	url := closedPortURL(t)

	r := rigtop(t, nil, "check", "--json", url)

	wantCode(t, r, 3)
	var report struct {
		Status   string `json:"status"`
		Problems []struct {
			Severity string `json:"severity"`
			Kind     string `json:"kind"`
			Summary  string `json:"summary"`
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
	}
	if report.Status != "UNKNOWN" {
		t.Errorf("status = %q, want UNKNOWN", report.Status)
	}
	if len(report.Problems) != 1 {
		t.Fatalf("problems = %+v, want the unreachable panel", report.Problems)
	}
	if p := report.Problems[0]; p.Severity != "unknown" || p.Kind != "source_unreachable" || !strings.Contains(p.Summary, "refused") {
		t.Errorf("problem = %+v, want an unknown source_unreachable problem saying refused", p)
	}
}

func TestCheckJapanese(t *testing.T) {
	srv := servePanel(t, readSample(t, "amd-10rigs-one-unreachable.json"))

	r := rigtop(t, []string{"LANG=ja_JP.UTF-8"}, "check", srv.URL)

	wantCode(t, r, 2)
	first := firstLine(r.stdout)
	for _, want := range []string{"リグ", "9/10", "GPU", "54/60", "1208.99 MH/s"} {
		if !strings.Contains(first, want) {
			t.Errorf("first line %q lacks %q", first, want)
		}
	}
	if strings.Contains(r.stdout, "rigs up") || strings.Contains(r.stdout, "unreachable for") {
		t.Errorf("Japanese output contains English text:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "r1_15") {
		t.Errorf("output does not name rig r1_15:\n%s", r.stdout)
	}
}

func TestCheckLangFlagOverridesLANG(t *testing.T) {
	url := closedPortURL(t)

	r := rigtop(t, []string{"LANG=en_US.UTF-8"}, "check", "--lang", "ja", url)

	wantCode(t, r, 3)
	if strings.Contains(r.stdout, "refused the connection") {
		t.Errorf("--lang ja printed English:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, url[:len(url)-1]) {
		t.Errorf("output does not name %s:\n%s", url, r.stdout)
	}
}

func TestCheckFlagsAfterPanel(t *testing.T) {
	srv := servePanel(t, readSample(t, "nvidia-3rigs.json"))

	r := rigtop(t, nil, "check", srv.URL, "--json")

	wantCode(t, r, 0)
	if !json.Valid([]byte(r.stdout)) {
		t.Errorf("--json after the panel did not print JSON:\n%s", r.stdout)
	}
}

func TestCheckUsageErrorsAreUnknown(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"check", "--bogus", "x"}, "--bogus"},
		{"no panel", []string{"check"}, "PANEL"},
		{"bad duration", []string{"check", "--timeout", "soon", "x"}, "--timeout"},
		{"bad language", []string{"check", "--lang", "fr", "x"}, "fr"},
		{"bad panel", []string{"check", "ftp://example.invalid/"}, "ftp://example.invalid/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rigtop(t, nil, tt.args...)
			wantCode(t, r, 3)
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr does not mention %q:\n%s", tt.want, r.stderr)
			}
		})
	}
}

func TestCheckReadsPanelsFromConfig(t *testing.T) {
	srv := servePanel(t, readSample(t, "nvidia-3rigs.json"))
	config := writeFile(t, "config.toml", "panels = [\""+srv.URL+"\"]\n")

	r := rigtop(t, nil, "check", "--config", config)

	wantCode(t, r, 0)
	if !strings.Contains(firstLine(r.stdout), "3 of 3 rigs up") {
		t.Errorf("first line = %q, want the config's panel checked", firstLine(r.stdout))
	}
}

func TestCheckWritesNoState(t *testing.T) {
	srv := servePanel(t, readSample(t, "amd-10rigs-one-unreachable.json"))
	state := t.TempDir() + "/state.json"

	r := rigtop(t, nil, "check", "--state", state, srv.URL)

	wantCode(t, r, 2)
	if _, err := os.Stat(state); err == nil {
		t.Errorf("check wrote alert state to %s", state)
	}
}

func TestCheckInterruptedIsUnknown(t *testing.T) {
	requested := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requested <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	p := startRigtop(t, nil, "check", "--timeout", "20s", srv.URL)
	select {
	case <-requested:
	case <-time.After(10 * time.Second):
		t.Fatal("check never fetched the panel")
	}
	p.interrupt(t)

	p.waitLine(t, p.stdout, 10*time.Second, "UNKNOWN")
	if code := p.wait(t, 10*time.Second); code != 3 {
		t.Errorf("exit code = %d, want 3", code)
	}
}

func TestCheckBadPanelArgument(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.json")
	for _, tt := range []struct {
		env  []string
		want string
	}{
		{nil, "invalid PANEL " + missing},
		{[]string{"LANG=ja_JP.UTF-8"}, "PANEL " + missing + " を読み取れません"},
	} {
		r := rigtop(t, tt.env, "check", missing)
		if r.code != 3 {
			t.Errorf("%v: exit %d, want 3 (UNKNOWN)", tt.env, r.code)
		}
		if !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "no such file or directory") {
			t.Errorf("%v: stderr %q lacks %q and the cause", tt.env, r.stderr, tt.want)
		}
	}
}

func TestCheckRestoresCollectorSettings(t *testing.T) {
	// check turns the collector off while it runs; the test process, like
	// any caller of run, must get its settings back.
	percent := debug.SetGCPercent(100)
	debug.SetGCPercent(percent)
	limit := debug.SetMemoryLimit(-1) // -1 reads the limit without changing it
	srv := servePanel(t, readSample(t, "nvidia-3rigs.json"))

	wantCode(t, rigtop(t, nil, "check", srv.URL), 0)

	if got := debug.SetGCPercent(percent); got != percent {
		t.Errorf("GC percent after check = %d, want %d", got, percent)
	}
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Errorf("memory limit after check = %d, want %d", got, limit)
	}
}
