package alert

import (
	"sync"
	"time"

	"rigtop/panel"
)

// problem is one thing the rules found wrong at one poll, before the
// lifecycle decides whether it is pending or firing.
type problem struct {
	Key      Key
	Severity Severity
	RigLabel string
	Values   Values
}

// findings are the results of the rules at one poll: the problems that
// hold, and the alerts whose state cannot be decided this poll. An alert
// that cannot be decided keeps its state: it neither fires nor resolves.
type findings struct {
	problems []problem
	// unknownPanels are sources whose fetch failed: every alert of theirs
	// but the source's own is kept as it was.
	unknownPanels map[string]bool
	// unknownRigs are rigs the panel listed but that could not be decoded.
	unknownRigs map[rigRef]bool
	// rigs records, for every rig the rules ran on, which of its alerts
	// cannot be decided and whether it is down. A large farm has tens of
	// thousands of such alerts per poll, so they are kept as bits per rig
	// rather than as keys in one map.
	rigs map[rigRef]*rigFindings
	// last is the rig the rules marked last, which is nearly always the
	// next one marked.
	last *rigFindings
	// otherUnknown holds the undecided alerts that have no bit: a GPU index
	// out of range or a kind the rules do not mark.
	otherUnknown map[Key]bool
	// lastMiner and lastUnit are the miner and hash unit of the last rig.
	lastMiner, lastUnit string
}

// rigFindings are the findings about one rig.
type rigFindings struct {
	ref rigRef
	// down is set for a rig in a failure condition or not reporting: its
	// GPU and hash alerts are inhibited.
	down bool
	// unknown marks the kinds of the rig's own alerts (GPU NoGPU) whose
	// readings are unknown or whose history is too short.
	unknown kindSet
	// gpuUnknown is the same per GPU index.
	gpuUnknown []kindSet
}

// maxFindingsGPU bounds the GPU indexes kept as bits; a malformed panel's
// larger indexes go to findings.otherUnknown.
const maxFindingsGPU = 256

// kindSet is a set of the alert kinds the rules can leave undecided.
type kindSet uint8

func kindBit(k Kind) kindSet {
	switch k {
	case KindStale:
		return 1 << 0
	case KindGPUDead:
		return 1 << 1
	case KindGPUSlow:
		return 1 << 2
	case KindGPUHot:
		return 1 << 3
	case KindFanStopped:
		return 1 << 4
	case KindHashDrop:
		return 1 << 5
	}
	return 0
}

func newFindings() *findings { return newFindingsFor(0) }

// newFindingsFor returns findings with room for the given number of rigs,
// so that a large farm's map is not grown and rehashed rig by rig.
func newFindingsFor(rigs int) *findings {
	return &findings{
		unknownPanels: map[string]bool{},
		unknownRigs:   map[rigRef]bool{},
		rigs:          make(map[rigRef]*rigFindings, rigs),
	}
}

func (f *findings) add(p problem) { f.problems = append(f.problems, p) }

// merge adds the findings of o, about other rigs than f's, to f.
func (f *findings) merge(o *findings) {
	f.problems = append(f.problems, o.problems...)
	for ref, rf := range o.rigs {
		f.rigs[ref] = rf
	}
	for k := range o.otherUnknown {
		if f.otherUnknown == nil {
			f.otherUnknown = map[Key]bool{}
		}
		f.otherUnknown[k] = true
	}
	f.last = nil
}

// hashUnit is HashUnit, remembering the unit of the last miner, because
// most rigs of a farm run the same miner as the rig before them.
func (f *findings) hashUnit(miner string) string {
	if miner != f.lastMiner || f.lastUnit == "" {
		f.lastMiner, f.lastUnit = miner, HashUnit(miner)
	}
	return f.lastUnit
}

// rig returns the findings about the rig ref, creating them when absent.
func (f *findings) rig(ref rigRef) *rigFindings {
	if f.last != nil && f.last.ref == ref {
		return f.last
	}
	rf := f.rigs[ref]
	if rf == nil {
		rf = &rigFindings{ref: ref}
		f.rigs[ref] = rf
	}
	f.last = rf
	return rf
}

// markUnknown records that the alert with key k cannot be decided this poll.
func (f *findings) markUnknown(k Key) {
	bit := kindBit(k.Kind)
	if bit == 0 || k.GPU < NoGPU || k.GPU >= maxFindingsGPU {
		if f.otherUnknown == nil {
			f.otherUnknown = map[Key]bool{}
		}
		f.otherUnknown[k] = true
		return
	}

	rf := f.rig(rigRef{k.Panel, k.RigID})
	if k.GPU == NoGPU {
		rf.unknown |= bit
		return
	}
	if k.GPU >= len(rf.gpuUnknown) {
		rf.gpuUnknown = append(rf.gpuUnknown, make([]kindSet, k.GPU+1-len(rf.gpuUnknown))...)
	}
	rf.gpuUnknown[k.GPU] |= bit
}

// markGPUsUnknown records that the alerts of kind on every GPU of the rig
// ref cannot be decided this poll. It is markUnknown for each GPU, with
// the rig's findings looked up once.
func (f *findings) markGPUsUnknown(ref rigRef, kind Kind, gpus []panel.GPU) {
	bit := kindBit(kind)
	if bit == 0 || len(gpus) == 0 {
		for _, gpu := range gpus {
			f.markUnknown(Key{Panel: ref.panel, RigID: ref.id, GPU: gpu.Index, Kind: kind})
		}
		return
	}
	rf := f.rig(ref)
	for _, gpu := range gpus {
		if gpu.Index < 0 || gpu.Index >= maxFindingsGPU {
			f.markUnknown(Key{Panel: ref.panel, RigID: ref.id, GPU: gpu.Index, Kind: kind})
			continue
		}
		if gpu.Index >= len(rf.gpuUnknown) {
			grown := make([]kindSet, max(gpu.Index+1, len(gpus)))
			copy(grown, rf.gpuUnknown)
			rf.gpuUnknown = grown
		}
		rf.gpuUnknown[gpu.Index] |= bit
	}
}

// unknown reports whether the alert with key k cannot be decided this poll.
func (f *findings) unknown(k Key) bool {
	if f.otherUnknown[k] {
		return true
	}
	rf := f.rigs[rigRef{k.Panel, k.RigID}]
	if rf == nil {
		return false
	}
	bit := kindBit(k.Kind)
	if k.GPU == NoGPU {
		return rf.unknown&bit != 0
	}
	return k.GPU >= 0 && k.GPU < len(rf.gpuUnknown) && rf.gpuUnknown[k.GPU]&bit != 0
}

// down reports whether the rig ref is down this poll.
func (f *findings) down(ref rigRef) bool {
	rf := f.rigs[ref]
	return rf != nil && rf.down
}

// held reports whether the alert with key k must keep its state this poll,
// and whether that is because its rig is down.
func (f *findings) held(k Key) (held, inhibited bool) {
	if k.Kind == KindUnreachable {
		// A source alert resolves only on a successful fetch.
		return f.unknownPanels[k.Panel], false
	}
	ref := rigRef{k.Panel, k.RigID}
	switch {
	case f.unknownPanels[k.Panel], f.unknownRigs[ref], f.unknown(k):
		return true, false
	case f.down(ref) && inhibitedByDownRig(k.Kind):
		return true, true
	}
	return false, false
}

// inhibitedByDownRig reports whether alerts of kind k are muted while their
// rig is down: the readings behind them are stale or meaningless then.
func inhibitedByDownRig(k Kind) bool {
	switch k {
	case KindGPUDead, KindGPUSlow, KindGPUHot, KindFanStopped, KindHashDrop:
		return true
	}
	return false
}

// rules evaluates every rule on one rig. It keeps the state some rules
// need across polls: the hash-rate history and when each rig entered
// just_booted.
type rules struct {
	history *history
	// bootedSince is when the monitor first saw each rig in just_booted.
	bootedSince map[rigRef]time.Time
}

func newRules(window time.Duration) *rules {
	return &rules{history: newHistory(window), bootedSince: map[rigRef]time.Time{}}
}

// rigState is the state the rules keep about one rig, looked up before the
// rig is evaluated so that rigs can be evaluated in parallel.
type rigState struct {
	// history is the rig's hash-rate history, nil when the history is off.
	history *rigHistory
	// bootedSince is when the monitor first saw the rig in just_booted,
	// or zero when the rig is in another condition.
	bootedSince time.Time
}

// state returns the rig's state at this poll, recording when it entered
// just_booted and forgetting that once it has left.
func (r *rules) state(ref rigRef, rig *panel.Rig, now time.Time) rigState {
	st := rigState{history: r.history.rig(ref, now)}
	if rig.Condition != panel.JustBooted {
		delete(r.bootedSince, ref)
		return st
	}
	since, ok := r.bootedSince[ref]
	if !ok {
		since = now
		r.bootedSince[ref] = now
	}
	st.bootedSince = since
	return st
}

// minParallelRigs is the number of rigs from which evaluateRigs runs the
// rules on two goroutines: below it, starting the second one costs more
// than it saves.
var minParallelRigs = 1000

// evaluateRigs adds the problems of every rig of one panel to f and records
// their hash rates in the history. A large farm is evaluated in two halves
// at once, each into findings of its own that are merged into f.
func (r *rules) evaluateRigs(f *findings, panelName string, rigs []panel.Rig, cfg Config, now time.Time) {
	states := make([]rigState, len(rigs))
	for i := range rigs {
		states[i] = r.state(rigRef{panelName, rigs[i].ID}, &rigs[i], now)
	}
	if len(rigs) < minParallelRigs {
		for i := range rigs {
			r.evaluate(f, panelName, &rigs[i], states[i], cfg, now)
		}
		return
	}

	half := len(rigs) / 2
	second := newFindingsFor(len(rigs) - half)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := half; i < len(rigs); i++ {
			r.evaluate(second, panelName, &rigs[i], states[i], cfg, now)
		}
	})
	for i := range half {
		r.evaluate(f, panelName, &rigs[i], states[i], cfg, now)
	}
	wg.Wait()
	f.merge(second)
}

// evaluateRig adds the problems of one rig to f, then records the rig's
// hash rates in the history.
func (r *rules) evaluateRig(f *findings, panelName string, rig panel.Rig, cfg Config, now time.Time) {
	r.evaluate(f, panelName, &rig, r.state(rigRef{panelName, rig.ID}, &rig, now), cfg, now)
}

// evaluate adds the problems of one rig in state st to f, then records the
// rig's hash rates in its history. The medians are taken before recording,
// so a reading is compared with the ones before it. It reads the rules'
// maps and writes only f and the rig's own history, so that two halves of
// a farm can be evaluated at once.
func (r *rules) evaluate(f *findings, panelName string, rig *panel.Rig, st rigState, cfg Config, now time.Time) {
	cfg = cfg.ForRig(rig.ID, rig.Label)
	ref := rigRef{panelName, rig.ID}
	base := problem{Key: Key{Panel: panelName, RigID: rig.ID, GPU: NoGPU}, RigLabel: rig.Name()}

	conditionProblem(f, base, rig, st.bootedSince, cfg, now)
	stale, staleKnown := staleProblem(f, base, rig, cfg)
	if !staleKnown {
		f.markUnknown(withKind(base.Key, KindStale))
	}

	if rig.Condition.Health() == panel.Failure || stale {
		f.rig(ref).down = true
		return
	}

	rh := st.history
	base.Values.Unit = f.hashUnit(rig.Miner)
	gpuDeadProblems(f, base, rig)
	r.gpuSlowProblems(f, base, rh, rig, cfg, now)
	gpuHotProblems(f, base, rig, cfg)
	fanStoppedProblems(f, base, rig, cfg)
	r.hashDropProblem(f, base, rh, rig, cfg, now)
	r.history.record(rh, *rig, now)
}

// forget drops per-rig state that has expired.
func (r *rules) forget(now time.Time) {
	r.history.prune(now)
	for ref := range r.bootedSince {
		if _, ok := r.history.rigs[ref]; !ok {
			delete(r.bootedSince, ref)
		}
	}
}

func withKind(k Key, kind Kind) Key {
	k.Kind = kind
	return k
}

func withGPU(k Key, index int, kind Kind) Key {
	k.GPU = index
	k.Kind = kind
	return k
}

// conditionProblem adds the panel's condition as a problem. Failures are
// critical, and degraded and unrecognised conditions are warnings.
// just_booted is a warning only once it has lasted longer than the boot
// grace, measured by the rig's uptime or by the time since bootedSince,
// when the monitor first saw it in just_booted.
func conditionProblem(f *findings, base problem, rig *panel.Rig, bootedSince time.Time, cfg Config, now time.Time) {
	p := base
	p.Key.Kind = KindCondition
	p.Values.Condition = rig.Condition

	switch rig.Condition.Health() {
	case panel.Healthy:
		return
	case panel.Failure:
		p.Severity = SeverityCritical
		f.add(p)
		return
	case panel.Degraded, panel.UnknownHealth:
		p.Severity = SeverityWarning
		f.add(p)
		return
	}

	bootedFor := now.Sub(bootedSince)
	if rig.Uptime.Known && rig.Uptime.Value > bootedFor {
		bootedFor = rig.Uptime.Value
	}
	grace := time.Duration(cfg.BootGrace)
	if bootedFor <= grace {
		return
	}
	p.Severity = SeverityWarning
	p.Values.Age = bootedFor
	p.Values.Limit = grace
	if rig.Uptime.Known {
		p.Values.Uptime = rig.Uptime.Value
	}
	f.add(p)
}

// staleProblem reports a rig whose last report, on the panel's clock, is
// older than StaleAfter, whatever its condition, and returns whether it
// is stale. known is false when the panel gave no report time.
func staleProblem(f *findings, base problem, rig *panel.Rig, cfg Config) (stale, known bool) {
	if !rig.ReportAge.Known {
		return false, false
	}
	limit := time.Duration(cfg.StaleAfter)
	if rig.ReportAge.Value <= limit {
		return false, true
	}
	p := base
	p.Key.Kind = KindStale
	p.Severity = SeverityCritical
	p.Values.Age = rig.ReportAge.Value
	p.Values.Limit = limit
	f.add(p)
	return true, true
}

// gpuDeadProblems reports each GPU at zero hash while its rig hashes. When
// no single GPU is at zero but the panel counts fewer GPUs hashing than
// detected, it reports the rig instead.
func gpuDeadProblems(f *findings, base problem, rig *panel.Rig) {
	rigHash, ok := finite(rig.Hash)
	if !ok {
		markRigUnknown(f, base.Key, KindGPUDead, rig)
		return
	}
	if rigHash == 0 {
		// The rig is not mining, which no_hash or a hash drop reports once
		// for the rig instead of once per GPU. Keep its GPU alerts as they are.
		markRigUnknown(f, base.Key, KindGPUDead, rig)
		return
	}
	dead := 0
	for _, gpu := range rig.GPUs {
		key := withGPU(base.Key, gpu.Index, KindGPUDead)
		hash, ok := finite(gpu.Hash.Opt())
		if !ok {
			f.markUnknown(key)
			continue
		}
		if hash != 0 {
			continue
		}
		dead++
		p := base
		p.Key = key
		p.Severity = SeverityCritical
		p.Values.Hashing, p.Values.Detected = hashingCounts(rig)
		f.add(p)
		// A dead GPU is not also slow: keep its slow alert as it is.
		f.markUnknown(withGPU(base.Key, gpu.Index, KindGPUSlow))
	}

	rigKey := withKind(base.Key, KindGPUDead)
	if !rig.GPUsHashing.Known || !rig.GPUsDetected.Known {
		f.markUnknown(rigKey)
		return
	}
	if dead == 0 && rig.GPUsHashing.Value < rig.GPUsDetected.Value {
		p := base
		p.Key = rigKey
		p.Severity = SeverityCritical
		p.Values.Hashing, p.Values.Detected = rig.GPUsHashing.Value, rig.GPUsDetected.Value
		f.add(p)
	}
}

func hashingCounts(rig *panel.Rig) (hashing, detected int) {
	return rig.GPUsHashing.Value, rig.GPUsDetected.Value
}

// markRigUnknown keeps every alert of kind on the rig and its GPUs as it is.
func markRigUnknown(f *findings, rigKey Key, kind Kind, rig *panel.Rig) {
	f.markUnknown(withKind(rigKey, kind))
	f.markGPUsUnknown(rigRef{rigKey.Panel, rigKey.RigID}, kind, rig.GPUs)
}

// gpuSlowProblems reports each GPU hashing below GPUSlowPercent of its own
// median over the window.
func (r *rules) gpuSlowProblems(f *findings, base problem, rh *rigHistory, rig *panel.Rig, cfg Config, now time.Time) {
	if cfg.GPUSlowPercent <= 0 {
		return
	}
	if rh == nil {
		// Without a history, no GPU has a median to compare with.
		f.markGPUsUnknown(rigRef{base.Key.Panel, base.Key.RigID}, KindGPUSlow, rig.GPUs)
		return
	}
	for _, gpu := range rig.GPUs {
		key := withGPU(base.Key, gpu.Index, KindGPUSlow)
		hash, ok := finite(gpu.Hash.Opt())
		median, samples := r.history.gpuMedian(rh, gpu.Index, now)
		if !ok || samples < minMedianSamples {
			f.markUnknown(key)
			continue
		}
		threshold := median * cfg.GPUSlowPercent / 100
		if hash == 0 || hash >= threshold {
			continue
		}
		p := base
		p.Key = key
		p.Severity = SeverityWarning
		p.Values.Hash = hash
		p.Values.Median = median
		p.Values.Threshold = threshold
		p.Values.SharePct = cfg.GPUSlowPercent
		f.add(p)
	}
}

// gpuHotProblems reports each GPU at or above a hot threshold: critical at
// GPUHotCriticalC, else warning at GPUHotWarningC.
func gpuHotProblems(f *findings, base problem, rig *panel.Rig, cfg Config) {
	for _, gpu := range rig.GPUs {
		temp, ok := finite(gpu.TempC.Opt())
		if !ok {
			f.markUnknown(withGPU(base.Key, gpu.Index, KindGPUHot))
			continue
		}
		var severity Severity
		var threshold float64
		switch {
		case cfg.GPUHotCriticalC > 0 && temp >= cfg.GPUHotCriticalC:
			severity, threshold = SeverityCritical, cfg.GPUHotCriticalC
		case cfg.GPUHotWarningC > 0 && temp >= cfg.GPUHotWarningC:
			severity, threshold = SeverityWarning, cfg.GPUHotWarningC
		default:
			continue
		}
		p := base
		p.Key = withGPU(base.Key, gpu.Index, KindGPUHot)
		p.Severity = severity
		p.Values.TempC = temp
		p.Values.Threshold = threshold
		f.add(p)
	}
}

// fanStoppedProblems reports each GPU whose fan reads 0 while the GPU is
// hotter than FanStoppedAboveC. The fan percentage is used when the panel
// gives one, else the RPM reading.
func fanStoppedProblems(f *findings, base problem, rig *panel.Rig, cfg Config) {
	for _, gpu := range rig.GPUs {
		key := withGPU(base.Key, gpu.Index, KindFanStopped)
		fan, fanOK := finite(gpu.FanPercent.Opt())
		if !fanOK {
			fan, fanOK = finite(gpu.FanRPM.Opt())
		}
		temp, tempOK := finite(gpu.TempC.Opt())
		if !fanOK || !tempOK {
			f.markUnknown(key)
			continue
		}
		if fan != 0 || temp <= cfg.FanStoppedAboveC {
			continue
		}
		p := base
		p.Key = key
		p.Severity = SeverityCritical
		p.Values.TempC = temp
		p.Values.Threshold = cfg.FanStoppedAboveC
		f.add(p)
	}
}

// hashDropProblem reports a rig hashing below HashDropPercent of its own
// median over the window.
func (r *rules) hashDropProblem(f *findings, base problem, rh *rigHistory, rig *panel.Rig, cfg Config, now time.Time) {
	if cfg.HashDropPercent <= 0 {
		return
	}
	key := withKind(base.Key, KindHashDrop)
	hash, ok := finite(rig.Hash)
	median, samples := r.history.rigMedian(rh, now)
	if !ok || samples < minMedianSamples {
		f.markUnknown(key)
		return
	}
	threshold := median * cfg.HashDropPercent / 100
	if hash >= threshold {
		return
	}
	p := base
	p.Key = key
	p.Severity = SeverityWarning
	p.Values.Hash = hash
	p.Values.Median = median
	p.Values.Threshold = threshold
	p.Values.SharePct = cfg.HashDropPercent
	f.add(p)
}

// sourceProblem reports a source that has failed for longer than
// StaleAfter. Its severity is unknown: the farm behind it may be fine.
func sourceProblem(panelName string, failingSince time.Time, err error, cfg Config, now time.Time) *problem {
	limit := time.Duration(cfg.StaleAfter)
	age := now.Sub(failingSince)
	if age <= limit {
		return nil
	}
	p := problem{
		Key:      Key{Panel: panelName, GPU: NoGPU, Kind: KindUnreachable},
		Severity: SeverityUnknown,
		Values:   Values{Age: age, Limit: limit, Err: err},
	}
	if err != nil {
		p.Values.Error = err.Error()
	}
	return &p
}
