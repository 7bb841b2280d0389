package panel

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// builtinScenarios holds the scenarios `--scenario NAME` accepts, each a
// NAME.toml with the panel files it refers to.
//
//go:embed scenarios
var builtinScenarios embed.FS

// Scenario is a scripted panel timeline for the fake panel server: an
// ordered list of steps, each served for a number of requests. The script
// advances per request rather than per second, so the Nth fetch of a test
// always gets the same step. After the last step its state stays.
//
// A scenario file is TOML:
//
//	name = "example"
//	description = "what the timeline shows"
//	base = "../panels/nvidia-3rigs.json"  # the state before the first step
//	clock_step = "60s"  # optional: the panel clock advances this much per request
//
//	[[step]]            # the base, for 2 requests
//	polls = 2
//
//	[[step]]            # a GPU dies; changes carry over to later steps
//	polls = 3
//	[[step.rig]]
//	id = "496406"
//	miner_instance = 12
//	[[step.rig.gpu]]
//	index = 8
//	hash = 0
//
//	[[step]]            # the panel is down: 503, or close = true to drop the connection
//	down = true
//	polls = 2
//
//	[[step]]            # a whole other panel file replaces the state
//	file = "../panels/amd-10rigs-one-unreachable.json"
//
// A step's [[step.rig]] entries may set condition, label (rack_loc), hash,
// miner_instance, gpus, stale (true stops the rig's server_time from
// advancing with clock_step, false lets it follow again), remove (drop the
// rig) and set (a table of raw panel fields, such as set = { watts = false }).
// Each [[step.rig.gpu]] sets hash, temp, fan_rpm or watts of one GPU's entry
// in the per-GPU lists. The rig's hash is then recomputed from miner_hashes
// unless the step sets it. A step may instead serve a fixed body (body = "…",
// with status = N) to script HTML pages or garbage. Any step may carry a
// note, which StepNote returns. Paths are relative to the scenario file.
type Scenario struct {
	Name        string
	Description string

	steps []scenarioStep
	// clockStepSecs is how far the panel clock moves per request.
	clockStepSecs int64
}

// scenarioStep is one resolved step, ready to serve.
type scenarioStep struct {
	firstPoll int
	polls     int
	note      string

	down        bool
	closeConn   bool
	status      int
	contentType string
	// body is served as is; for a panel state it is re-encoded with shifted
	// times when the scenario has a clock step.
	body []byte
	// frozen maps the ids of stale rigs to their fixed server_time.
	frozen map[string]int64
	// isPanel marks a body that is panel JSON (not a down step or a fixed body).
	isPanel bool
}

// Polls returns the number of requests the script covers; from then on the
// last step is served.
func (s *Scenario) Polls() int {
	last := s.steps[len(s.steps)-1]
	return last.firstPoll + last.polls
}

// StepNote returns the note of the step that serves request number poll
// (from 0), for logging what the fake panel is playing.
func (s *Scenario) StepNote(poll int) string {
	return s.stepAt(poll).note
}

// BuiltinScenarios returns the names LoadScenario accepts without a path.
func BuiltinScenarios() []string {
	entries, _ := builtinScenarios.ReadDir("scenarios")
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".toml"); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// LoadScenario loads a scenario file, or the built-in scenario of that name
// (see BuiltinScenarios) when no such file exists.
func LoadScenario(nameOrPath string) (*Scenario, error) {
	data, err := os.ReadFile(nameOrPath)
	if err == nil {
		dir := filepath.Dir(nameOrPath)
		read := func(rel string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel))) }
		sc, err := parseScenario(data, read)
		if err != nil {
			return nil, fmt.Errorf("load scenario %s: %w", nameOrPath, err)
		}
		return sc, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load scenario: %w", err)
	}

	data, embedErr := builtinScenarios.ReadFile("scenarios/" + nameOrPath + ".toml")
	if embedErr != nil || strings.ContainsAny(nameOrPath, `/\`) {
		return nil, fmt.Errorf("load scenario %q: no such file, and no built-in scenario of that name (built-in: %s)",
			nameOrPath, strings.Join(BuiltinScenarios(), ", "))
	}
	read := func(rel string) ([]byte, error) { return builtinScenarios.ReadFile(path.Join("scenarios", rel)) }
	sc, err := parseScenario(data, read)
	if err != nil {
		return nil, fmt.Errorf("load built-in scenario %s: %w", nameOrPath, err)
	}
	return sc, nil
}

// scenarioFile is the TOML layout of a scenario.
type scenarioFile struct {
	Name        string             `toml:"name"`
	Description string             `toml:"description"`
	Base        string             `toml:"base"`
	ClockStep   string             `toml:"clock_step"`
	Steps       []scenarioStepFile `toml:"step"`
}

type scenarioStepFile struct {
	Note   string          `toml:"note"`
	Polls  int             `toml:"polls"`
	File   string          `toml:"file"`
	Down   bool            `toml:"down"`
	Close  bool            `toml:"close"`
	Status int             `toml:"status"`
	Body   *string         `toml:"body"`
	Rigs   []rigChangeFile `toml:"rig"`
}

type rigChangeFile struct {
	ID            string          `toml:"id"`
	Condition     *string         `toml:"condition"`
	Label         *string         `toml:"label"`
	Hash          *float64        `toml:"hash"`
	MinerInstance *int            `toml:"miner_instance"`
	GPUs          *int            `toml:"gpus"`
	Stale         *bool           `toml:"stale"`
	Remove        bool            `toml:"remove"`
	Set           map[string]any  `toml:"set"`
	GPU           []gpuChangeFile `toml:"gpu"`
}

type gpuChangeFile struct {
	Index  int      `toml:"index"`
	Hash   *float64 `toml:"hash"`
	Temp   *float64 `toml:"temp"`
	FanRPM *float64 `toml:"fan_rpm"`
	Watts  *float64 `toml:"watts"`
}

// parseScenario resolves a scenario file, reading the panel files it names
// through read.
func parseScenario(data []byte, read func(rel string) ([]byte, error)) (*Scenario, error) {
	var file scenarioFile
	meta, err := toml.Decode(string(data), &file)
	if err != nil {
		return nil, err
	}
	if undecoded := meta.Undecoded(); len(undecoded) > 0 {
		return nil, fmt.Errorf("unknown key %q", undecoded[0].String())
	}
	if len(file.Steps) == 0 {
		return nil, errors.New("no [[step]]")
	}

	sc := &Scenario{Name: file.Name, Description: file.Description}
	if file.ClockStep != "" {
		step, err := time.ParseDuration(file.ClockStep)
		if err != nil || step < 0 {
			return nil, fmt.Errorf("invalid clock_step %q: want a duration such as \"60s\"", file.ClockStep)
		}
		sc.clockStepSecs = int64(step / time.Second)
	}

	var state *panelState
	if file.Base != "" {
		if state, err = loadPanelState(read, file.Base); err != nil {
			return nil, err
		}
	}

	poll := 0
	for i, f := range file.Steps {
		step, next, err := resolveStep(f, state, read, sc, poll)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i+1, err)
		}
		state = next
		sc.steps = append(sc.steps, step)
		poll += step.polls
	}
	return sc, nil
}

func resolveStep(f scenarioStepFile, state *panelState, read func(string) ([]byte, error), sc *Scenario, firstPoll int) (scenarioStep, *panelState, error) {
	step := scenarioStep{firstPoll: firstPoll, polls: f.Polls, note: f.Note, status: f.Status}
	switch {
	case f.Polls < 0:
		return step, nil, fmt.Errorf("polls = %d: must be 1 or more", f.Polls)
	case f.Polls == 0:
		step.polls = 1
	}
	if exclusive := btoi(f.Down || f.Close) + btoi(f.Body != nil) + btoi(f.File != "" || len(f.Rigs) > 0); exclusive > 1 {
		return step, nil, errors.New("a step is either down, a fixed body, or a panel state (file and rig changes), not several")
	}

	switch {
	case f.Down || f.Close:
		step.down, step.closeConn = true, f.Close
		if step.status == 0 {
			step.status = 503
		}
		return step, state, nil
	case f.Body != nil:
		step.body = []byte(*f.Body)
		step.contentType = "text/html; charset=UTF-8"
		if step.status == 0 {
			step.status = 200
		}
		return step, state, nil
	}

	if f.File != "" {
		next, err := loadPanelState(read, f.File)
		if err != nil {
			return step, nil, err
		}
		if state != nil {
			next.frozen = state.frozen
		}
		state = next
	}
	if state == nil {
		return step, nil, errors.New("no panel state: set base, or file in the first step")
	}

	if len(f.Rigs) > 0 {
		next, err := state.apply(f.Rigs, sc.clockStepSecs*int64(firstPoll))
		if err != nil {
			return step, nil, err
		}
		state = next
	}

	step.isPanel = true
	step.body = state.body
	step.frozen = state.frozen
	step.contentType = state.contentType
	if step.status == 0 {
		step.status = 200
	}
	return step, state, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// panelState is the panel document a step serves.
type panelState struct {
	// body is the document: the file's own bytes until a change is applied,
	// then re-encoded as UTF-8 JSON.
	body        []byte
	contentType string
	frozen      map[string]int64
}

func loadPanelState(read func(string) ([]byte, error), rel string) (*panelState, error) {
	body, err := read(rel)
	if err != nil {
		return nil, fmt.Errorf("read panel file: %w", err)
	}
	return &panelState{body: body, contentType: "text/html", frozen: map[string]int64{}}, nil
}

// parsePanelDoc decodes a panel body into generic JSON values, keeping
// numbers as written.
func parsePanelDoc(body []byte) (map[string]any, error) {
	text, err := toUTF8(body)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode panel file: %w", err)
	}
	if _, ok := doc["rigs"].(map[string]any); !ok {
		doc["rigs"] = map[string]any{}
	}
	return doc, nil
}

// apply returns the state with a step's rig changes made. shiftSecs is the
// clock shift at the step's first request, where a rig marked stale stops.
func (s *panelState) apply(changes []rigChangeFile, shiftSecs int64) (*panelState, error) {
	doc, err := parsePanelDoc(s.body)
	if err != nil {
		return nil, err
	}
	rigs := doc["rigs"].(map[string]any)
	frozen := maps.Clone(s.frozen)
	if frozen == nil {
		frozen = map[string]int64{}
	}

	for _, c := range changes {
		rig, ok := rigs[c.ID].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("rig %q: not in the panel", c.ID)
		}
		if c.Remove {
			delete(rigs, c.ID)
			delete(frozen, c.ID)
			continue
		}
		if err := applyRigChange(rig, c); err != nil {
			return nil, fmt.Errorf("rig %q: %w", c.ID, err)
		}
		if c.Stale != nil && *c.Stale {
			if _, already := frozen[c.ID]; !already {
				frozen[c.ID] = int64(anyNumber(rig["server_time"])) + shiftSecs
			}
		} else if c.Stale != nil {
			delete(frozen, c.ID)
		}
	}
	recomputeTotals(doc)

	body, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return &panelState{body: body, contentType: "text/html; charset=UTF-8", frozen: frozen}, nil
}

func applyRigChange(rig map[string]any, c rigChangeFile) error {
	if c.Condition != nil {
		rig["condition"] = *c.Condition
	}
	if c.Label != nil {
		rig["rack_loc"] = *c.Label
	}
	if c.MinerInstance != nil {
		rig["miner_instance"] = json.Number(strconv.Itoa(*c.MinerInstance))
	}
	if c.GPUs != nil {
		rig["gpus"] = strconv.Itoa(*c.GPUs)
	}
	for key, v := range c.Set {
		rig[key] = v
	}

	for _, g := range c.GPU {
		for list, v := range map[string]*float64{"miner_hashes": g.Hash, "temp": g.Temp, "fanrpm": g.FanRPM, "watts": g.Watts} {
			if v == nil {
				continue
			}
			if err := setListEntry(rig, list, g.Index, *v); err != nil {
				return err
			}
		}
	}

	switch {
	case c.Hash != nil:
		rig["hash"] = json.Number(strconv.FormatFloat(*c.Hash, 'f', -1, 64))
	case slices.ContainsFunc(c.GPU, func(g gpuChangeFile) bool { return g.Hash != nil }):
		sum := 0.0
		for _, h := range strings.Fields(anyString(rig["miner_hashes"])) {
			f, _ := strconv.ParseFloat(h, 64)
			sum += f
		}
		rig["hash"] = json.Number(fixed(sum, 2))
	}
	return nil
}

// setListEntry sets entry index of a space-separated per-GPU list.
func setListEntry(rig map[string]any, list string, index int, v float64) error {
	fields := strings.Fields(anyString(rig[list]))
	if index < 0 || index >= len(fields) {
		return fmt.Errorf("GPU %d: %s has %d entries", index, list, len(fields))
	}
	fields[index] = strconv.FormatFloat(v, 'f', -1, 64)
	rig[list] = strings.Join(fields, " ")
	return nil
}

// recomputeTotals updates the farm-wide counts the document already has
// from its rigs, as the panel server would.
func recomputeTotals(doc map[string]any) {
	rigs := doc["rigs"].(map[string]any)
	var hash float64
	var aliveGPUs, totalGPUs, aliveRigs int
	for _, v := range rigs {
		rig, _ := v.(map[string]any)
		hash += anyNumber(rig["hash"])
		totalGPUs += int(anyNumber(rig["gpus"]))
		if anyString(rig["condition"]) != string(Unreachable) {
			aliveRigs++
			aliveGPUs += int(anyNumber(rig["miner_instance"]))
		}
	}

	for key, value := range map[string]json.Number{
		"total_hash": json.Number(strconv.FormatFloat(round2(hash), 'f', -1, 64)),
		"alive_gpus": json.Number(strconv.Itoa(aliveGPUs)),
		"total_gpus": json.Number(strconv.Itoa(totalGPUs)),
		"alive_rigs": json.Number(strconv.Itoa(aliveRigs)),
		"total_rigs": json.Number(strconv.Itoa(len(rigs))),
	} {
		if _, ok := doc[key]; ok {
			doc[key] = value
		}
	}
}

func anyString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

func anyNumber(v any) float64 {
	f := parseDecimal(strings.TrimSpace(anyString(v)))
	return f.Value
}

// render returns the step's body at request number poll: with a clock step,
// the panel clock and every rig's server_time moved forward, stale rigs'
// server_time held where it stopped.
func (st *scenarioStep) render(poll int, clockStepSecs int64) []byte {
	if !st.isPanel || clockStepSecs == 0 {
		return st.body
	}
	doc, err := parsePanelDoc(st.body)
	if err != nil {
		// The body was checked when the scenario loaded; serve it as is.
		return st.body
	}

	shift := clockStepSecs * int64(poll)
	if perInfo, ok := doc["per_info"].(map[string]any); ok {
		for _, v := range perInfo {
			if miner, ok := v.(map[string]any); ok && miner["current_time"] != nil {
				miner["current_time"] = json.Number(strconv.FormatInt(int64(anyNumber(miner["current_time"]))+shift, 10))
			}
		}
	}
	for id, v := range doc["rigs"].(map[string]any) {
		rig, ok := v.(map[string]any)
		if !ok || rig["server_time"] == nil {
			continue
		}
		serverTime := int64(anyNumber(rig["server_time"])) + shift
		if fixedAt, ok := st.frozen[id]; ok {
			serverTime = fixedAt
		}
		rig["server_time"] = json.Number(strconv.FormatInt(serverTime, 10))
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return st.body
	}
	return buf.Bytes()
}

// stepAt returns the step that serves request number poll (from 0).
func (s *Scenario) stepAt(poll int) *scenarioStep {
	for i := range s.steps {
		if poll < s.steps[i].firstPoll+s.steps[i].polls {
			return &s.steps[i]
		}
	}
	return &s.steps[len(s.steps)-1]
}
