package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"rigtop/internal/desktoptest"
)

// The tests in this file run `rigtop watch` against a panel that changes
// request by request through a script built from the real samples, and
// count the desktop notifications that reach a private D-Bus session bus.

// clockStepSecs is how far the panel clock moves per request, about as
// often as an ethOS rig reports.
const clockStepSecs = 60

// quickStaleConfig makes an unreadable panel an alert after 3 s instead of
// 10 min. Rigs count as stale after 3 s too, which is why the scripts keep
// every live rig's report current.
const quickStaleConfig = "[alerts]\nstale_after = \"3s\"\n"

// noticeTimeout bounds the wait for a notification, a log line or a held
// request that is due at once.
const noticeTimeout = 5 * time.Second

// farmState is one panel document built from a real sample: its JSON with
// numbers kept as written, and the rigs that no longer report. Every other
// rig reports at each request, so its report age is 0 whatever stale_after
// is. The farm totals at the top stay as in the sample: no alert rule reads
// them.
type farmState struct {
	doc map[string]any
	// silent maps the id of each rig that stopped reporting to its frozen
	// server_time, in unix seconds.
	silent map[string]int64
}

// loadFarm reads a sample from testdata/panels. Its unreachable rigs stay
// silent at the server_time the sample gives them.
func loadFarm(t *testing.T, name string) *farmState {
	t.Helper()
	f := &farmState{doc: decodeDoc(t, readSample(t, name)), silent: map[string]int64{}}
	for id, v := range f.rigs() {
		rig := v.(map[string]any)
		if rig["condition"] == "unreachable" {
			f.silent[id] = mustInt(t, rig["server_time"])
		}
	}
	return f
}

func decodeDoc(t *testing.T, body []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decode panel sample: %v", err)
	}
	return doc
}

func mustInt(t *testing.T, v any) int64 {
	t.Helper()
	n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
	if err != nil {
		t.Fatalf("not an integer: %v", v)
	}
	return n
}

// clock returns the panel clock of the sample, per_info.*.current_time.
func (f *farmState) clock(t *testing.T) int64 {
	t.Helper()
	for _, v := range f.doc["per_info"].(map[string]any) {
		return mustInt(t, v.(map[string]any)["current_time"])
	}
	t.Fatal("sample has no per_info current_time")
	return 0
}

func (f *farmState) rigs() map[string]any { return f.doc["rigs"].(map[string]any) }

func (f *farmState) rig(t *testing.T, id string) map[string]any {
	t.Helper()
	rig, ok := f.rigs()[id].(map[string]any)
	if !ok {
		t.Fatalf("sample has no rig %s", id)
	}
	return rig
}

func (f *farmState) clone(t *testing.T) *farmState {
	t.Helper()
	data, err := json.Marshal(f.doc)
	if err != nil {
		t.Fatal(err)
	}
	c := &farmState{doc: decodeDoc(t, data), silent: map[string]int64{}}
	for id, at := range f.silent {
		c.silent[id] = at
	}
	return c
}

// setGPU sets entry index of one of a rig's per-GPU lists (miner_hashes,
// temp, fanrpm…). A change to miner_hashes updates the rig's hash, which
// the panel reports as their sum.
func (f *farmState) setGPU(t *testing.T, id, list string, index int, value string) {
	t.Helper()
	rig := f.rig(t, id)
	fields := strings.Fields(fmt.Sprint(rig[list]))
	if index >= len(fields) {
		t.Fatalf("rig %s: %s has no entry %d", id, list, index)
	}
	fields[index] = value
	rig[list] = strings.Join(fields, " ")
	if list != "miner_hashes" {
		return
	}
	sum := 0.0
	for _, field := range fields {
		v, err := strconv.ParseFloat(field, 64)
		if err != nil {
			t.Fatalf("rig %s: miner_hashes entry %q", id, field)
		}
		sum += v
	}
	rig["hash"] = json.Number(strconv.FormatFloat(sum, 'f', 2, 64))
}

// killGPU makes one GPU hash 0 while the rest of the rig mines, as a
// crashed GPU does: miner_instance counts one GPU fewer.
func (f *farmState) killGPU(t *testing.T, id string, index int) {
	t.Helper()
	f.setGPU(t, id, "miner_hashes", index, "0.00")
	rig := f.rig(t, id)
	rig["miner_instance"] = json.Number(strconv.FormatInt(mustInt(t, rig["miner_instance"])-1, 10))
}

// stall sets a rig to condition, with the miner hashing nothing on any GPU.
func (f *farmState) stall(t *testing.T, id, condition string) {
	t.Helper()
	rig := f.rig(t, id)
	fields := strings.Fields(fmt.Sprint(rig["miner_hashes"]))
	for i := range fields {
		fields[i] = "0.00"
	}
	rig["miner_hashes"] = strings.Join(fields, " ")
	rig["condition"] = condition
	rig["hash"] = json.Number("0")
	rig["miner_instance"] = json.Number("0")
}

// dropOff turns a rig unreachable, as the panel shows a rig it has not
// heard from since lastReport (unix seconds): no hash, no GPU mining, and a
// server_time that stays where it was.
func (f *farmState) dropOff(t *testing.T, id string, lastReport int64) {
	t.Helper()
	f.stall(t, id, "unreachable")
	f.silent[id] = lastReport
}

// restore puts a rig back as it is in healthy, reporting again.
func (f *farmState) restore(t *testing.T, id string, healthy *farmState) {
	t.Helper()
	f.rigs()[id] = healthy.clone(t).rig(t, id)
	delete(f.silent, id)
}

// render returns the panel document at panel clock clock: every live rig
// reported just now, and the silent rigs at their frozen server_time. It
// leaves f as it is, so that the panel server may call it for every
// request.
func (f *farmState) render(clock int64) ([]byte, error) {
	data, err := json.Marshal(f.doc)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	for _, v := range doc["per_info"].(map[string]any) {
		v.(map[string]any)["current_time"] = json.Number(strconv.FormatInt(clock, 10))
	}
	for id, v := range doc["rigs"].(map[string]any) {
		serverTime, silent := f.silent[id]
		if !silent {
			serverTime = clock
		}
		v.(map[string]any)["server_time"] = json.Number(strconv.FormatInt(serverTime, 10))
	}
	return json.Marshal(doc)
}

// body returns the panel document at panel clock clock, for a test that
// serves it with newPanelServer.
func (f *farmState) body(t *testing.T, clock int64) []byte {
	t.Helper()
	body, err := f.render(clock)
	if err != nil {
		t.Fatalf("render panel: %v", err)
	}
	return body
}

// wantNote is a desktop notification a step must produce: its headline
// and lines its body must contain. A "*" in summary stands for any text,
// such as an age that depends on when the poll ran.
type wantNote struct {
	summary string
	body    []string
}

func (w wantNote) matches(summary string) bool {
	prefix, suffix, wild := strings.Cut(w.summary, "*")
	if !wild {
		return summary == w.summary
	}
	return len(summary) >= len(prefix)+len(suffix) &&
		strings.HasPrefix(summary, prefix) && strings.HasSuffix(summary, suffix)
}

// scriptStep is one stretch of a panel script: a farm state, or the panel
// failing, served for a number of requests.
type scriptStep struct {
	name  string
	polls int
	// first is the script position of the step's first request.
	first int
	// farm is what the panel serves, or nil while the panel is down.
	farm *farmState
	// statuses are the responses of a panel that is down, one per request
	// (the last one repeats): an HTTP status code, or 0 to drop the
	// connection without a response.
	statuses []int

	// notes are the notifications the step's polls must produce, in order.
	notes []wantNote
	// fired and resolved are the keys of the alerts that fire or resolve
	// during the step, without the leading panel name and slash:
	// "a10006/condition", "a10003/gpu5/gpu_dead", "source_unreachable".
	fired, resolved []string
}

// scriptBuilder lays the steps of a script end to end. Each farm step
// starts from the farm of the step before it.
type scriptBuilder struct {
	t     *testing.T
	steps []*scriptStep
	farm  *farmState
	base  int64
	pos   int
}

func newScript(t *testing.T, sample string) *scriptBuilder {
	t.Helper()
	f := loadFarm(t, sample)
	return &scriptBuilder{t: t, farm: f, base: f.clock(t)}
}

// clockAt returns the panel clock at script position pos.
func (b *scriptBuilder) clockAt(pos int) int64 { return b.base + int64(pos)*clockStepSecs }

// serve adds a step serving the farm after edit, which gets the panel clock
// at the step's first request.
func (b *scriptBuilder) serve(name string, polls int, edit func(f *farmState, clock int64)) *scriptStep {
	next := b.farm.clone(b.t)
	if edit != nil {
		edit(next, b.clockAt(b.pos))
	}
	b.farm = next
	return b.add(scriptStep{name: name, polls: polls, farm: next})
}

// fail adds a step of one failed request per status: the panel responds
// with that HTTP status code, or drops the connection when it is 0.
func (b *scriptBuilder) fail(name string, statuses ...int) *scriptStep {
	return b.add(scriptStep{name: name, polls: len(statuses), statuses: statuses})
}

func (b *scriptBuilder) add(st scriptStep) *scriptStep {
	st.first = b.pos
	b.pos += st.polls
	b.steps = append(b.steps, &st)
	return &st
}

// scriptServer serves a script: the request at script position N gets the
// step covering N, with the panel clock at base + N × clockStepSecs, and
// the last step once the script has run out.
type scriptServer struct {
	*httptest.Server
	t        *testing.T
	base     int64
	requests atomic.Int64

	mu    sync.Mutex
	steps []*scriptStep
	pos   int
	hold  *heldRequest
	// holds are every request held so far, released when the test ends.
	holds []*heldRequest
}

// heldRequest is a request the server keeps waiting, so that the test can
// look at what watch did up to the poll before it.
type heldRequest struct {
	pos     int
	arrived chan struct{}
	release chan struct{}
	once    sync.Once
}

// newScriptServer starts a server with no script. Call load to give it
// one.
func newScriptServer(t *testing.T) *scriptServer {
	t.Helper()
	s := &scriptServer{t: t}
	s.Server = httptest.NewServer(s)
	t.Cleanup(func() {
		s.mu.Lock()
		holds := s.holds
		s.mu.Unlock()
		for _, h := range holds {
			h.releaseRequest()
		}
		s.Close()
	})
	return s
}

func (s *scriptServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	pos := s.pos
	s.pos++
	step := s.stepAt(pos)
	base := s.base
	var hold *heldRequest
	if s.hold != nil && s.hold.pos == pos {
		hold, s.hold = s.hold, nil
	}
	s.mu.Unlock()

	if hold != nil {
		close(hold.arrived)
		select {
		case <-hold.release:
		case <-r.Context().Done():
			return
		}
	}

	if step.farm != nil {
		body, err := step.farm.render(base + int64(pos)*clockStepSecs)
		if err != nil {
			s.t.Errorf("render panel: %v", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		_, _ = w.Write(body)
		return
	}
	status := step.statuses[min(pos-step.first, len(step.statuses)-1)]
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.t.Errorf("drop connection: %v", err)
		return
	}
	_ = conn.Close()
}

func (s *scriptServer) stepAt(pos int) *scriptStep {
	for _, st := range s.steps {
		if pos < st.first+st.polls {
			return st
		}
	}
	return s.steps[len(s.steps)-1]
}

// load sets the script the server plays from its next request on.
func (s *scriptServer) load(b *scriptBuilder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.base = b.base
	s.steps = b.steps
}

// holdAt makes the request at script position pos wait until released.
func (s *scriptServer) holdAt(pos int) *heldRequest {
	h := &heldRequest{pos: pos, arrived: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	s.hold = h
	s.holds = append(s.holds, h)
	s.mu.Unlock()
	return h
}

// jumpTo makes the next request the first of step, as if the farm had
// moved on while watch was stopped.
func (s *scriptServer) jumpTo(step *scriptStep) {
	s.mu.Lock()
	s.pos = step.first
	s.hold = nil
	s.mu.Unlock()
}

// wait waits for the held request to arrive. step names the script step
// that ends there, for the failure message.
func (h *heldRequest) wait(t *testing.T, timeout time.Duration, step string) {
	t.Helper()
	select {
	case <-h.arrived:
	case <-time.After(timeout):
		t.Fatalf("%s: no request for script position %d within %v", step, h.pos, timeout)
	}
}

func (h *heldRequest) releaseRequest() { h.once.Do(func() { close(h.release) }) }

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// watchProcess is one run of `rigtop watch`. Its stdout goes to stderr
// too, where watch logs.
type watchProcess struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{}
}

// startWatch runs rigtop with args in a minimal environment plus env, with
// HOME and the XDG directories in a temporary folder.
func startWatch(t *testing.T, env []string, args ...string) *watchProcess {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(rigtopBin, args...)
	cmd.Env = append([]string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"PATH=" + os.Getenv("PATH"),
	}, env...)
	w := &watchProcess{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout = w.stderr
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start rigtop: %v", err)
	}
	go func() {
		_ = cmd.Wait()
		close(w.done)
	}()
	t.Cleanup(func() {
		select {
		case <-w.done:
		default:
			_ = cmd.Process.Kill()
			<-w.done
		}
	})
	return w
}

// stop sends sig and returns the exit code, -1 when sig killed the process.
func (w *watchProcess) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	if err := w.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal rigtop: %v", err)
	}
	select {
	case <-w.done:
	case <-time.After(noticeTimeout):
		t.Fatalf("rigtop watch still running %v after %v; output:\n%s", noticeTimeout, sig, w.stderr)
	}
	return w.cmd.ProcessState.ExitCode()
}

// logLine is one line of slog's text format.
type logLine struct {
	msg   string
	attrs map[string]string
}

// parseLog splits slog text output into lines of key=value pairs, with
// quoted values unquoted.
func parseLog(t *testing.T, text string) []logLine {
	t.Helper()
	var lines []logLine
	for _, raw := range strings.Split(strings.TrimSpace(text), "\n") {
		attrs := map[string]string{}
		rest := raw
		for rest != "" {
			key, after, ok := strings.Cut(rest, "=")
			if !ok {
				t.Fatalf("not a slog text line: %q", raw)
			}
			var value string
			if strings.HasPrefix(after, `"`) {
				quoted, err := strconv.QuotedPrefix(after)
				if err != nil {
					t.Fatalf("bad quoting in %q: %v", raw, err)
				}
				value, _ = strconv.Unquote(quoted)
				after = after[len(quoted):]
			} else {
				value, after, _ = strings.Cut(after, " ")
				after = " " + after
			}
			attrs[key] = value
			rest = strings.TrimPrefix(after, " ")
		}
		lines = append(lines, logLine{msg: attrs["msg"], attrs: attrs})
	}
	return lines
}

// linesWith returns the log lines whose message starts with prefix.
func linesWith(lines []logLine, prefix string) []logLine {
	var out []logLine
	for _, l := range lines {
		if strings.HasPrefix(l.msg, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// waitLog waits until a log line's message starts with prefix.
func (w *watchProcess) waitLog(t *testing.T, prefix string) logLine {
	t.Helper()
	deadline := time.Now().Add(noticeTimeout)
	for time.Now().Before(deadline) {
		if found := linesWith(parseLog(t, w.stderr.String()), prefix); len(found) > 0 {
			return found[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no log line %q within %v; output:\n%s", prefix, noticeTimeout, w.stderr)
	return logLine{}
}

// checkNotes waits until the bus has received as many notifications as
// want lists and fails unless they are exactly those, in order. A
// notification arriving later than the check is caught by the next one.
func checkNotes(t *testing.T, bus *desktoptest.Server, want []wantNote, after string) {
	t.Helper()
	deadline := time.Now().Add(noticeTimeout)
	for len(bus.Notifications()) < len(want) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := bus.Notifications()
	if len(got) != len(want) {
		t.Fatalf("after %q: %d notifications, want %d:\n%s", after, len(got), len(want), listNotes(got))
	}
	for i, w := range want {
		if !w.matches(got[i].Summary) {
			t.Fatalf("after %q: notification %d is headed %q, want %q:\n%s", after, i+1, got[i].Summary, w.summary, listNotes(got))
		}
		for _, line := range w.body {
			if !strings.Contains(got[i].Body, line) {
				t.Fatalf("after %q: notification %d %q lacks %q in its body:\n%s", after, i+1, w.summary, line, got[i].Body)
			}
		}
	}
}

func listNotes(notes []desktoptest.Notification) string {
	var b strings.Builder
	for i, n := range notes {
		fmt.Fprintf(&b, "%d. %s\n   %s\n", i+1, n.Summary, strings.ReplaceAll(n.Body, "\n", "\n   "))
	}
	return b.String()
}

// watchRun is one test's watch setup: the panel, the bus, and the command
// line that starts or restarts watch with the same state file.
type watchRun struct {
	srv   *scriptServer
	bus   *desktoptest.Server
	panel string
	env   []string
	args  []string
}

// newWatchRun starts the bus and a panel server whose script is still to
// be loaded, so that the script can name the panel.
func newWatchRun(t *testing.T, env ...string) *watchRun {
	t.Helper()
	bus := desktoptest.Start(t)
	srv := newScriptServer(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(config, []byte(quickStaleConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	panelArg := srv.URL + "/"
	return &watchRun{
		srv:   srv,
		bus:   bus,
		panel: panelArg,
		env:   append([]string{"DBUS_SESSION_BUS_ADDRESS=" + bus.Address}, env...),
		args: []string{"watch", "--interval", "1s", "--config", config,
			"--state", filepath.Join(dir, "state.json"), panelArg},
	}
}

func (r *watchRun) start(t *testing.T) *watchProcess {
	t.Helper()
	return startWatch(t, r.env, r.args...)
}

// interruption stops watch with signal once a step is over and restarts it
// at step resume, which the panel serves from the first request after the
// restart.
type interruption struct {
	signal syscall.Signal
	resume string
}

// runScript starts watch and plays the steps. At the end of each step it
// holds the panel's next request, so that watch waits between two polls,
// and checks the notifications so far. It returns the running watch and
// every notification wanted.
func (r *watchRun) runScript(t *testing.T, steps []*scriptStep, stops map[string]interruption) (*watchProcess, []wantNote) {
	t.Helper()
	w := r.start(t)
	var want []wantNote
	for i := 0; i < len(steps); i++ {
		st := steps[i]
		hold := r.srv.holdAt(st.first + st.polls)
		hold.wait(t, time.Duration(st.polls)*time.Second+noticeTimeout, st.name)
		want = append(want, st.notes...)
		checkNotes(t, r.bus, want, st.name)

		stop, ok := stops[st.name]
		if !ok {
			hold.releaseRequest()
			continue
		}
		code := w.stop(t, stop.signal)
		switch {
		case stop.signal == syscall.SIGKILL && code != -1:
			t.Errorf("exit code %d after SIGKILL, want -1 (killed)", code)
		case stop.signal != syscall.SIGKILL && code != 0:
			t.Errorf("exit code %d after %v, want 0; output:\n%s", code, stop.signal, w.stderr)
		}
		next := stepIndex(t, steps, stop.resume)
		r.srv.jumpTo(steps[next])
		i = next - 1
		w = r.start(t)
	}
	return w, want
}

func stepIndex(t *testing.T, steps []*scriptStep, name string) int {
	t.Helper()
	for i, st := range steps {
		if st.name == name {
			return i
		}
	}
	t.Fatalf("no step %q", name)
	return 0
}

// farmScript is the life of the amd-10rigs-one-unreachable farm over 39
// polls, with every kind of failure the watcher must report once and
// recover from once. The notifications are worked out by hand from the
// sample: rig r1_15 (a10006) has been unreachable since server_time
// 1518874028, 21899 s (6 h 4 m 59 s) before the panel clock 1518895927.
func farmScript(t *testing.T, panelName string) *scriptBuilder {
	b := newScript(t, "amd-10rigs-one-unreachable.json")
	healthy := b.farm
	unreachableURL := panelName + "?json=yes"

	st := b.serve("start: r1_15 has long been unreachable", 2, nil)
	// Its stale reports and its unreachable condition are one drop-off, so
	// only the condition is announced.
	st.notes = []wantNote{{"r1_15 (a10006): unreachable [unreachable]", []string{
		"r1_15 (a10006): unreachable [unreachable]"}}}
	st.fired = []string{"a10006/condition"}

	// GPU dead must hold for two polls before it fires.
	b.serve("GPU 5 of r1_12 reads 0 for one poll", 1, func(f *farmState, _ int64) { f.killGPU(t, "a10003", 5) })
	b.serve("r1_12 hashes on every GPU again", 1, func(f *farmState, _ int64) { f.restore(t, "a10003", healthy) })

	gpuDead := "r1_12 (a10003): GPU 5 dead, 0 MH/s while the rig mines"
	st = b.serve("GPU 5 of r1_12 dies", 3, func(f *farmState, _ int64) { f.killGPU(t, "a10003", 5) })
	st.notes = []wantNote{{gpuDead, []string{gpuDead}}}
	st.fired = []string{"a10003/gpu5/gpu_dead"}

	noHash := "r1_17 (a10008): no hash [no_hash]"
	st = b.serve("the miner of r1_17 stalls", 2, func(f *farmState, _ int64) { f.stall(t, "a10008", "no_hash") })
	st.notes = []wantNote{{noHash, []string{noHash}}}
	st.fired = []string{"a10008/condition"}

	st = b.serve("r1_17 mines again", 2, func(f *farmState, _ int64) { f.restore(t, "a10008", healthy) })
	st.notes = []wantNote{{"Recovered: r1_17", []string{"Recovered: " + noHash}}}
	st.resolved = []string{"a10008/condition"}

	st = b.serve("GPU 5 of r1_12 is replaced", 2, func(f *farmState, _ int64) { f.restore(t, "a10003", healthy) })
	st.notes = []wantNote{{"Recovered: r1_12", []string{"Recovered: " + gpuDead}}}
	st.resolved = []string{"a10003/gpu5/gpu_dead"}

	// The panel marks r1_13 unreachable 10 min after its last report. From
	// then on its report only gets older, which is no news.
	st = b.serve("r1_13 drops off", 3, func(f *farmState, clock int64) { f.dropOff(t, "a10004", clock-600) })
	st.notes = []wantNote{{"r1_13 (a10004): unreachable [unreachable]", []string{
		"r1_13 (a10004): unreachable [unreachable]"}}}
	st.fired = []string{"a10004/condition"}

	hot := "r1_18 (a10009): GPU 3 hot, 91 °C ≥ 85 °C"
	st = b.serve("GPU 3 of r1_18 overheats", 2, func(f *farmState, _ int64) { f.setGPU(t, "a10009", "temp", 3, "91.00") })
	st.notes = []wantNote{{hot, []string{hot}}}
	st.fired = []string{"a10009/gpu3/gpu_hot"}

	// Down from critical to warning: still hot, nothing new to announce.
	b.serve("GPU 3 of r1_18 cools to 82 °C", 1, func(f *farmState, _ int64) { f.setGPU(t, "a10009", "temp", 3, "82.00") })
	st = b.serve("GPU 3 of r1_18 is back to 77 °C", 2, func(f *farmState, _ int64) { f.restore(t, "a10009", healthy) })
	st.notes = []wantNote{{"Recovered: r1_18", []string{"Recovered: r1_18 (a10009): GPU 3 hot"}}}
	st.resolved = []string{"a10009/gpu3/gpu_hot"}

	// Two failed polls last about 1 s, less than stale_after.
	const unavailable = http.StatusServiceUnavailable
	b.fail("the panel answers 503 twice", unavailable, unavailable)
	b.serve("the panel answers again", 1, nil)

	// Failing for about 6 s, so the alert fires on a dropped connection.
	st = b.fail("the panel answers 503, then drops every connection", unavailable, unavailable, 0, 0, 0, 0, 0)
	// A lone alert heads its notification with its own description.
	unreachable := "Panel " + panelName + " unreachable for *: " + unreachableURL + " closed the connection before responding"
	st.notes = []wantNote{{unreachable, []string{
		"Panel " + panelName + " unreachable for",
		unreachableURL + " closed the connection before responding"}}}
	st.fired = []string{"source_unreachable"}

	st = b.serve("the panel is back", 2, nil)
	st.notes = []wantNote{{"Recovered: " + panelName, []string{"Recovered: Panel " + panelName + " unreachable for"}}}
	st.resolved = []string{"source_unreachable"}

	st = b.serve("r1_10, r1_11 and r1_14 fail at once", 3, func(f *farmState, clock int64) {
		f.dropOff(t, "a10001", clock-600)
		f.stall(t, "a10002", "no_hash")
		f.killGPU(t, "a10005", 2)
		f.rig(t, "a10005")["condition"] = "stuck_miners"
	})
	st.notes = []wantNote{{"3 rigs down: r1_10, r1_11, r1_14", []string{
		"r1_10 (a10001): unreachable [unreachable]",
		"r1_11 (a10002): no hash [no_hash]",
		"r1_14 (a10005): miner stuck [stuck_miners]"}}}
	st.fired = []string{"a10001/condition", "a10002/condition", "a10005/condition"}

	// r1_13 and r1_15 stay down to the end without another word.
	st = b.serve("r1_10, r1_11 and r1_14 are back", 3, func(f *farmState, _ int64) {
		for _, id := range []string{"a10001", "a10002", "a10005"} {
			f.restore(t, id, healthy)
		}
	})
	st.notes = []wantNote{{"Recovered: r1_10, r1_11, r1_14", []string{
		"Recovered: r1_10 (a10001): unreachable [unreachable]",
		"Recovered: r1_11 (a10002): no hash [no_hash]",
		"Recovered: r1_14 (a10005): miner stuck [stuck_miners]"}}}
	st.resolved = []string{"a10001/condition", "a10002/condition", "a10005/condition"}
	return b
}

// countKeys counts the key attribute of log lines, with the panel name and
// its slash cut off.
func countKeys(lines []logLine, panelName string) map[string]int {
	counts := map[string]int{}
	for _, l := range lines {
		counts[strings.TrimPrefix(l.attrs["key"], panelName+"/")]++
	}
	return counts
}

func wantKeys(steps []*scriptStep, pick func(*scriptStep) []string) map[string]int {
	counts := map[string]int{}
	for _, st := range steps {
		for _, key := range pick(st) {
			counts[key]++
		}
	}
	return counts
}

func checkKeyCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	for key, n := range want {
		if got[key] != n {
			t.Errorf("%d %s log lines for %s, want %d", got[key], what, key, n)
		}
	}
	for key, n := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("%d unexpected %s log lines for %s", n, what, key)
		}
	}
}

// TestWatchFarmTimeline plays the whole farm script through one watch
// process and checks every notification and log line.
func TestWatchFarmTimeline(t *testing.T) {
	t.Parallel()
	run := newWatchRun(t)
	b := farmScript(t, run.panel)
	run.srv.load(b)

	w, want := run.runScript(t, b.steps, nil)

	// A few more polls of the last state: r1_13 and r1_15 are still down.
	hold := run.srv.holdAt(b.pos + 3)
	hold.wait(t, 3*time.Second+noticeTimeout, "the farm stays as it is")
	checkNotes(t, run.bus, want, "the farm stays as it is")
	if code := w.stop(t, syscall.SIGTERM); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	hold.releaseRequest()

	lines := parseLog(t, w.stderr.String())
	checkKeyCounts(t, "fired", countKeys(linesWith(lines, "alert fired: "), run.panel),
		wantKeys(b.steps, func(st *scriptStep) []string { return st.fired }))
	checkKeyCounts(t, "resolved", countKeys(linesWith(lines, "alert resolved: "), run.panel),
		wantKeys(b.steps, func(st *scriptStep) []string { return st.resolved }))

	for _, l := range linesWith(lines, "alert fired: ") {
		if strings.HasSuffix(l.attrs["key"], "/source_unreachable") && l.attrs["severity"] != "unknown" {
			t.Errorf("unreachable panel logged with severity %q, want unknown: %q", l.attrs["severity"], l.msg)
		}
	}
	if n := len(linesWith(lines, "panel fetch recovered")); n != 2 {
		t.Errorf("%d fetch-recovered lines, want 2, one per outage", n)
	}
	// One line each time the error changes (503, then dropped connections),
	// not one per failed poll.
	if n := len(linesWith(lines, "panel fetch failed")); n != 3 {
		t.Errorf("%d fetch-failed lines, want 3 (503, 503 again, connection dropped)", n)
	}
	if n := len(linesWith(lines, "notification failed")); n != 0 {
		t.Errorf("%d failed-notification lines while the notification server works", n)
	}
	if n := len(linesWith(lines, "notification sent")); n != len(want) {
		t.Errorf("%d notification-sent lines, want %d", n, len(want))
	}
}

// TestWatchRestartSendsNoDuplicates stops watch twice in the middle of the
// farm script, once with SIGTERM and once with SIGKILL, each time while the
// farm recovers from something. Restarted with the same state file, watch
// must send exactly what an uninterrupted run sends: nothing again for what
// is still down, and each recovery once.
func TestWatchRestartSendsNoDuplicates(t *testing.T) {
	t.Parallel()
	run := newWatchRun(t)
	b := farmScript(t, run.panel)
	run.srv.load(b)

	// End after r1_18 recovers: the rest of the script adds nothing here.
	last := stepIndex(t, b.steps, "GPU 3 of r1_18 is back to 77 °C")
	w, want := run.runScript(t, b.steps[:last+1], map[string]interruption{
		// r1_17 mines again while watch is stopped.
		"the miner of r1_17 stalls": {signal: syscall.SIGTERM, resume: "r1_17 mines again"},
		// GPU 3 of r1_18 cools down while watch is dead.
		"GPU 3 of r1_18 overheats": {signal: syscall.SIGKILL, resume: "GPU 3 of r1_18 is back to 77 °C"},
	})

	hold := run.srv.holdAt(b.steps[last].first + b.steps[last].polls + 3)
	hold.wait(t, 3*time.Second+noticeTimeout, "the farm stays as it is")
	checkNotes(t, run.bus, want, "the farm stays as it is")
	if code := w.stop(t, syscall.SIGTERM); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	hold.releaseRequest()
}

// TestWatchLogsFailedNotification makes the notification server fail the
// first attempt, and checks that watch logs that attempt once, retries, and
// delivers the notification once. The first retry comes 10 s after the
// failure (the dispatcher's fixed backoff).
func TestWatchLogsFailedNotification(t *testing.T) {
	t.Parallel()
	run := newWatchRun(t)
	b := newScript(t, "nvidia-3rigs.json")
	b.serve("rig2 stalls", 1, func(f *farmState, _ int64) { f.stall(t, "496406", "no_hash") })
	run.srv.load(b)
	run.bus.SetFailing(true)

	w := run.start(t)
	failed := w.waitLog(t, "notification failed")
	if failed.attrs["attempt"] != "1" || failed.attrs["channel"] != "desktop" {
		t.Errorf("failure logged as %+v, want attempt 1 on the desktop channel", failed.attrs)
	}
	run.bus.SetFailing(false)

	const retryTimeout = 10*time.Second + noticeTimeout
	deadline := time.Now().Add(retryTimeout)
	for len(run.bus.Notifications()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// Two more polls of the same farm.
	hold := run.srv.holdAt(int(run.srv.requests.Load()) + 2)
	hold.wait(t, 2*time.Second+noticeTimeout, "rig2 stays down")
	checkNotes(t, run.bus, []wantNote{{"rig2 (496406): no hash [no_hash]", nil}}, "the retry")
	if code := w.stop(t, syscall.SIGTERM); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	hold.releaseRequest()

	lines := parseLog(t, w.stderr.String())
	if n := len(linesWith(lines, "notification failed")); n != 1 {
		t.Errorf("%d failed-notification lines for one failed attempt, want 1:\n%s", n, w.stderr)
	}
	sent := linesWith(lines, "notification sent")
	if len(sent) != 1 || sent[0].attrs["attempt"] != "2" {
		t.Errorf("notification-sent lines %+v, want one for attempt 2", sent)
	}
	if n := len(linesWith(lines, "alert fired: ")); n != 1 {
		t.Errorf("%d alert-fired lines for one alert, want 1", n)
	}
}

// TestWatchJapanese runs watch with LANG=ja_JP.UTF-8 through a GPU
// overheating, two rigs failing at once, every rig recovering, and the
// panel going down, and checks that the log lines and notifications are
// Japanese. The expected texts are the Japanese catalogue's templates
// filled in by hand.
func TestWatchJapanese(t *testing.T) {
	t.Parallel()
	run := newWatchRun(t, "LANG=ja_JP.UTF-8")
	b := newScript(t, "nvidia-3rigs.json")
	healthy := b.farm
	jsonURL := run.panel + "?json=yes"

	b.serve("all mining", 1, nil)
	hot := "rig2 (496406): GPU 0 が高温 91 °C（しきい値 85 °C）"
	st := b.serve("GPU 0 of rig2 overheats", 2, func(f *farmState, _ int64) { f.setGPU(t, "496406", "temp", 0, "91") })
	st.notes = []wantNote{{hot, []string{hot}}}

	// Alerts are listed by rig id: 074ac8 (subpc_hi) before f547c3 (rig1).
	st = b.serve("rig1 and subpc_hi fail at once", 2, func(f *farmState, _ int64) {
		f.stall(t, "f547c3", "no_hash")
		f.stall(t, "074ac8", "overheat")
	})
	st.notes = []wantNote{{"リグ2台が停止: subpc_hi、rig1", []string{
		"subpc_hi (074ac8): 過熱停止 [overheat]",
		"rig1 (f547c3): ハッシュなし [no_hash]"}}}

	st = b.serve("every rig recovers", 2, func(f *farmState, _ int64) {
		for _, id := range []string{"f547c3", "074ac8", "496406"} {
			f.restore(t, id, healthy)
		}
	})
	st.notes = []wantNote{{"復旧: subpc_hi、rig2、rig1", []string{
		"復旧: subpc_hi (074ac8): 過熱停止 [overheat]",
		"復旧: " + hot,
		"復旧: rig1 (f547c3): ハッシュなし [no_hash]"}}}

	unreachable := "パネル " + run.panel + " に *接続できません: " + jsonURL + " が HTTP ステータス 503 を返しました"
	unavailable := http.StatusServiceUnavailable
	st = b.fail("the panel answers 503", unavailable, unavailable, unavailable, unavailable, unavailable, unavailable)
	st.notes = []wantNote{{unreachable, []string{"パネル " + run.panel + " に"}}}
	st = b.serve("the panel is back", 2, nil)
	st.notes = []wantNote{{"復旧: " + run.panel, []string{"復旧: パネル " + run.panel}}}
	run.srv.load(b)

	w, _ := run.runScript(t, b.steps, nil)
	if code := w.stop(t, syscall.SIGTERM); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}

	lines := parseLog(t, w.stderr.String())
	for _, want := range []struct {
		prefix string
		count  int
	}{
		{"watch を開始しました", 1},
		{"アラート発生: " + hot, 1},
		{"アラート発生: rig1 (f547c3): ハッシュなし [no_hash]", 1},
		{"アラート発生: subpc_hi (074ac8): 過熱停止 [overheat]", 1},
		{"アラート発生: パネル " + run.panel + " に", 1},
		{"アラート復旧: ", 4},
		{"通知を送信しました", 5},
		{"パネルの取得に失敗しました", 1},
		{"パネルの取得が回復しました", 1},
		{"watch を終了しました", 1},
	} {
		if n := len(linesWith(lines, want.prefix)); n != want.count {
			t.Errorf("%d log lines starting %q, want %d", n, want.prefix, want.count)
		}
	}
	for _, l := range lines {
		for _, english := range []string{"alert fired", "alert resolved", "notification sent", "panel fetch", "watch started"} {
			if strings.Contains(l.msg, english) {
				t.Errorf("English log line under LANG=ja_JP.UTF-8: %q", l.msg)
			}
		}
	}
}
