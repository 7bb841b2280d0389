package panel

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// scenarioPoller serves a scenario over a real HTTP server and fetches it
// one poll at a time.
type scenarioPoller struct {
	t      *testing.T
	server *FakeServer
	src    Source
}

func newScenarioPoller(t *testing.T, sc *Scenario) *scenarioPoller {
	t.Helper()
	server := NewScenarioServer(sc)
	httpServer := httptest.NewServer(server)
	t.Cleanup(httpServer.Close)
	src, err := ParseSource(httpServer.URL, HTTPOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &scenarioPoller{t: t, server: server, src: src}
}

func (p *scenarioPoller) poll() (Snapshot, error) {
	return p.src.Fetch(context.Background())
}

func (p *scenarioPoller) pollOK() Snapshot {
	p.t.Helper()
	snap, err := p.poll()
	if err != nil {
		p.t.Fatalf("poll %d: %v", p.server.Requests()-1, err)
	}
	return snap
}

func loadScenarioFile(t *testing.T, name string) *Scenario {
	t.Helper()
	sc, err := LoadScenario(filepath.Join("..", "testdata", "scenarios", name))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestBuiltinScenarios(t *testing.T) {
	if got := BuiltinScenarios(); !slices.Equal(got, []string{"story"}) {
		t.Errorf("BuiltinScenarios() = %v, want [story]", got)
	}
}

func TestStoryScenario(t *testing.T) {
	sc, err := LoadScenario("story")
	if err != nil {
		t.Fatal(err)
	}
	wantString(t, "Name", sc.Name, "story")
	if sc.Polls() != 28 {
		t.Errorf("Polls() = %d, want 28 (3+3+3+2+3+3+2+4+5)", sc.Polls())
	}
	p := newScenarioPoller(t, sc)

	// Polls 0-2: the base farm, all mining, the clock moving 60 s a poll.
	for i := range 3 {
		snap := p.pollOK()
		for _, r := range snap.Rigs {
			if r.Condition != Mining || r.GPUsHashing != r.GPUsDetected {
				t.Errorf("poll %d: rig %s %s %v/%v, want all mining", i, r.ID, r.Condition, r.GPUsHashing, r.GPUsDetected)
			}
		}
		// story-farm.json has current_time 1519905600.
		if got, want := snap.PanelTime.Unix(), int64(1519905600+60*i); got != want {
			t.Errorf("poll %d: PanelTime = %d, want %d", i, got, want)
		}
	}

	// Poll 3: GPU 2 of 1a2b3c dies.
	snap := p.pollOK()
	rig := findRig(t, snap, "1a2b3c")
	if rig.Condition != Mining {
		t.Errorf("1a2b3c Condition = %q, want mining", rig.Condition)
	}
	wantInt(t, "1a2b3c GPUsHashing", rig.GPUsHashing, 5)
	wantFloat(t, "1a2b3c GPU 2 Hash", rig.GPUs[2].Hash.Opt(), 0)
	wantFloat(t, "1a2b3c GPU 2 TempC", rig.GPUs[2].TempC.Opt(), 45)
	// 30.57 + 30.49 + 30.53 + 30.50 + 30.43, the other five GPUs.
	wantFloat(t, "1a2b3c Hash recomputed", rig.Hash, 152.52)
	wantInt(t, "Totals.AliveGPUs", snap.Totals.AliveGPUs, 73)
	// The rig's server_time moves with the clock: its age stays as in the base.
	wantDuration(t, "1a2b3c ReportAge", rig.ReportAge, 2*time.Second)

	p.pollOK()
	p.pollOK()

	// Polls 6-8: the miner on b4c5d6 stalls.
	snap = p.pollOK()
	stalled := findRig(t, snap, "b4c5d6")
	if stalled.Condition != NoHash {
		t.Errorf("b4c5d6 Condition = %q, want no_hash", stalled.Condition)
	}
	wantFloat(t, "b4c5d6 Hash", stalled.Hash, 0)
	wantFloat(t, "b4c5d6 GPU 5 Hash", stalled.GPUs[5].Hash.Opt(), 0)
	p.pollOK()
	p.pollOK()

	// Polls 9-10: b4c5d6 recovers, 7a8b9c throttles.
	snap = p.pollOK()
	if c := findRig(t, snap, "b4c5d6").Condition; c != Mining {
		t.Errorf("b4c5d6 Condition = %q, want mining again", c)
	}
	hot := findRig(t, snap, "7a8b9c")
	if hot.Condition != Throttle {
		t.Errorf("7a8b9c Condition = %q, want throttle", hot.Condition)
	}
	wantFloat(t, "7a8b9c GPU 1 TempC", hot.GPUs[1].TempC.Opt(), 82)
	p.pollOK()

	// Polls 11-13: 7a8b9c overheats; 0b1c2d drops off and its age grows.
	for i, wantAge := range []time.Duration{14 * time.Second, 74 * time.Second, 134 * time.Second} {
		snap = p.pollOK()
		if c := findRig(t, snap, "7a8b9c").Condition; c != Overheat {
			t.Errorf("poll %d: 7a8b9c Condition = %q, want overheat", 11+i, c)
		}
		off := findRig(t, snap, "0b1c2d")
		if off.Condition != Unreachable {
			t.Errorf("poll %d: 0b1c2d Condition = %q, want unreachable", 11+i, off.Condition)
		}
		// Base age 14 s (1519905600 - 1519905586), frozen from poll 11 on.
		wantDuration(t, "0b1c2d ReportAge", off.ReportAge, wantAge)
	}
	wantInt(t, "Totals.AliveRigs", snap.Totals.AliveRigs, 11)

	// Polls 14-16: 503; polls 17-18: dropped connections.
	for range 3 {
		_, err := p.poll()
		fe := wantFetchError(t, err, KindHTTPStatus)
		if fe.Status != http.StatusServiceUnavailable {
			t.Errorf("Status = %d, want 503", fe.Status)
		}
	}
	for range 2 {
		_, err := p.poll()
		wantFetchError(t, err, KindClosed)
	}

	// Polls 19-22: several rigs fail at once.
	snap = p.pollOK()
	conditions := map[string]Condition{}
	for _, r := range snap.Rigs {
		conditions[r.ID] = r.Condition
	}
	for id, want := range map[string]Condition{"0b1c2d": Unreachable, "d0e1f2": Unreachable, "f6a7b8": StuckMiners, "3e4f5a": NoHash, "7a8b9c": Mining} {
		if conditions[id] != want {
			t.Errorf("poll 19: %s is %q, want %q", id, conditions[id], want)
		}
	}
	wantDuration(t, "0b1c2d ReportAge at poll 19", findRig(t, snap, "0b1c2d").ReportAge, (14+8*60)*time.Second)
	wantInt(t, "f6a7b8 GPUsHashing", findRig(t, snap, "f6a7b8").GPUsHashing, 6)
	for range 3 {
		p.pollOK()
	}

	// Polls 23 on: the last step, kept after the script ends.
	for poll := 23; poll < 40; poll++ {
		snap = p.pollOK()
		if c := findRig(t, snap, "0b1c2d").Condition; c != Unreachable {
			t.Fatalf("poll %d: 0b1c2d = %q, want unreachable for good", poll, c)
		}
		if c := findRig(t, snap, "f6a7b8").Condition; c != Mining {
			t.Fatalf("poll %d: f6a7b8 = %q, want mining", poll, c)
		}
		wantInt(t, "1a2b3c GPUsHashing", findRig(t, snap, "1a2b3c").GPUsHashing, 6)
	}
	wantDuration(t, "0b1c2d ReportAge at poll 39", findRig(t, snap, "0b1c2d").ReportAge, (14+28*60)*time.Second)
	if p.server.Requests() != 40 {
		t.Errorf("Requests() = %d, want 40", p.server.Requests())
	}
}

func TestScenarioGPUDies(t *testing.T) {
	p := newScenarioPoller(t, loadScenarioFile(t, "gpu-dies.toml"))

	for range 2 {
		wantFloat(t, "GPU 8 Hash", findRig(t, p.pollOK(), "496406").GPUs[8].Hash.Opt(), 22.79)
	}
	for range 3 {
		snap := p.pollOK()
		rig := findRig(t, snap, "496406")
		wantFloat(t, "GPU 8 Hash", rig.GPUs[8].Hash.Opt(), 0)
		wantInt(t, "GPUsHashing", rig.GPUsHashing, 12)
		wantFloat(t, "Hash", rig.Hash, 232.38) // 255.17 - 22.79
		// Without clock_step the sample's own times are served.
		wantDuration(t, "ReportAge", rig.ReportAge, 82*time.Second)
		wantInt(t, "Totals.AliveGPUs", snap.Totals.AliveGPUs, 21)
		wantFloat(t, "Totals.Hash", snap.Totals.Hash, 474.92) // 183.51 + 232.38 + 59.03
	}
	wantFloat(t, "GPU 8 Hash", findRig(t, p.pollOK(), "496406").GPUs[8].Hash.Opt(), 22.79)
	for range 3 {
		if snap := p.pollOK(); len(snap.Rigs) != 10 {
			t.Errorf("%d rigs, want the AMD sample's 10", len(snap.Rigs))
		}
	}
}

func TestScenarioRigGoesStale(t *testing.T) {
	p := newScenarioPoller(t, loadScenarioFile(t, "rig-goes-stale.toml"))

	// The sample's rig1 age is 33 s (1504924911 - 1504924878).
	wantAges := []time.Duration{33, 33, 33, 93, 153, 213, 273, 333, 393, 453, 513, 573, 633}
	for poll, want := range wantAges {
		snap := p.pollOK()
		rig := findRig(t, snap, "f547c3")
		wantDuration(t, "f547c3 ReportAge", rig.ReportAge, want*time.Second)
		wantCondition := Mining
		if poll >= 7 {
			wantCondition = Unreachable
		}
		if rig.Condition != wantCondition {
			t.Errorf("poll %d: Condition = %q, want %q", poll, rig.Condition, wantCondition)
		}
		// The other rigs keep reporting.
		wantDuration(t, "074ac8 ReportAge", findRig(t, snap, "074ac8").ReportAge, 28*time.Second)
	}
	for range 4 {
		p.pollOK()
	}
	rig := findRig(t, p.pollOK(), "f547c3") // poll 17: reporting again
	wantDuration(t, "f547c3 ReportAge after it is back", rig.ReportAge, 33*time.Second)
	if rig.Condition != Mining {
		t.Errorf("Condition = %q, want mining", rig.Condition)
	}
}

func TestScenarioPanelDown(t *testing.T) {
	p := newScenarioPoller(t, loadScenarioFile(t, "panel-down.toml"))

	p.pollOK()
	for _, want := range []ErrorKind{KindHTTPStatus, KindHTTPStatus, KindClosed, KindClosed, KindHTML, KindTruncated} {
		_, err := p.poll()
		wantFetchError(t, err, want)
	}
	if snap := p.pollOK(); snap.Rigs[0].Condition != JustBooted {
		t.Errorf("Condition = %q, want just_booted", snap.Rigs[0].Condition)
	}
}

func TestScenarioServesRawFileBytes(t *testing.T) {
	dir := t.TempDir()
	raw := readSample(t, "japanese-labels.sjis.json")
	os.WriteFile(filepath.Join(dir, "sjis.json"), raw, 0o644)
	os.WriteFile(filepath.Join(dir, "s.toml"), []byte("base = \"sjis.json\"\n[[step]]\n"), 0o644)
	sc, err := LoadScenario(filepath.Join(dir, "s.toml"))
	if err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(NewScenarioServer(sc))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/any/path")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != string(raw) {
		t.Error("an unchanged panel file is not served byte for byte")
	}
	wantString(t, "Content-Type", resp.Header.Get("Content-Type"), "text/html")
}

func TestScenarioErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "panel.json"), readSample(t, "nvidia-3rigs.json"), 0o644)
	tests := []struct {
		name, toml, want string
	}{
		{"no steps", `base = "panel.json"`, "no [[step]]"},
		{"unknown key", "base = \"panel.json\"\ncolour = 1\n[[step]]", `unknown key "colour"`},
		{"unknown step key", "base = \"panel.json\"\n[[step]]\nwait = 3", `unknown key "step.wait"`},
		{"missing rig", "base = \"panel.json\"\n[[step]]\n[[step.rig]]\nid = \"nope\"", `step 1: rig "nope": not in the panel`},
		{"GPU out of range", "base = \"panel.json\"\n[[step]]\n[[step.rig]]\nid = \"074ac8\"\n[[step.rig.gpu]]\nindex = 3\nhash = 0", "step 1: rig \"074ac8\": GPU 3: miner_hashes has 3 entries"},
		{"negative polls", "base = \"panel.json\"\n[[step]]\npolls = -1", "step 1: polls = -1"},
		{"down with changes", "base = \"panel.json\"\n[[step]]\ndown = true\n[[step.rig]]\nid = \"074ac8\"", "step 1: a step is either down"},
		{"no state", "[[step]]\npolls = 1", "step 1: no panel state"},
		{"missing file", "[[step]]\nfile = \"gone.json\"", "step 1: read panel file"},
		{"bad clock step", "base = \"panel.json\"\nclock_step = \"often\"\n[[step]]", `invalid clock_step "often"`},
		{"bad TOML", "base = ", "load scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "s.toml")
			os.WriteFile(path, []byte(tt.toml), 0o644)
			_, err := LoadScenario(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadScenarioUnknownName(t *testing.T) {
	_, err := LoadScenario("nosuch")
	if err == nil || !strings.Contains(err.Error(), "no built-in scenario of that name (built-in: story)") {
		t.Errorf("error = %v", err)
	}
	if _, err := LoadScenario("../story"); err == nil {
		t.Error("a path outside the built-in scenarios loaded")
	}
}

func TestFakeServerFarm(t *testing.T) {
	now := farmStart.Add(60 * time.Second)
	server := NewFakeServer(NewDemoFarm(farmStart), func() time.Time { return now })
	srv := httptest.NewServer(server)
	defer srv.Close()

	for _, path := range []string{"/", "/?json=yes", "/anything/else"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=UTF-8" {
			t.Errorf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}

	snap, err := fetchFrom(t, srv.URL, HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Rigs) != 12 || !snap.PanelTime.Equal(now) {
		t.Errorf("%d rigs at %v, want 12 at %v", len(snap.Rigs), snap.PanelTime, now)
	}

	resp, err := http.Get(srv.URL + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("favicon: status %d, want 404", resp.StatusCode)
	}
	resp, err = http.Post(srv.URL, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}
	if server.Requests() != 4 {
		t.Errorf("Requests() = %d, want the 4 panel GETs only", server.Requests())
	}
}

func TestFakeServerCloseWithoutHijack(t *testing.T) {
	sc := &Scenario{steps: []scenarioStep{{polls: 1, down: true, closeConn: true, status: 503}}}
	rec := httptest.NewRecorder() // cannot be hijacked
	NewScenarioServer(sc).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503 when the connection cannot be taken over", rec.Code)
	}
}

func TestScenarioStepAtBeyondScript(t *testing.T) {
	sc := loadScenarioFile(t, "gpu-dies.toml")
	last := &sc.steps[len(sc.steps)-1]
	for _, poll := range []int{sc.Polls() - 1, sc.Polls(), 1000} {
		if sc.stepAt(poll) != last {
			t.Errorf("stepAt(%d) is not the last step", poll)
		}
	}
}

func TestScenarioStepNote(t *testing.T) {
	sc := loadScenarioFile(t, "panel-down.toml")
	for poll, want := range map[int]string{0: "good", 1: "503 Service Unavailable", 2: "503 Service Unavailable", 5: "an HTML error page with status 200, as a misconfigured proxy serves", 99: "good again"} {
		if got := sc.StepNote(poll); got != want {
			t.Errorf("StepNote(%d) = %q, want %q", poll, got, want)
		}
	}
}
