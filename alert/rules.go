package alert

import (
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
	// unknownKeys are single alerts whose readings are unknown or whose
	// history is too short.
	unknownKeys map[Key]bool
	// downRigs are rigs in a failure condition or not reporting: their GPU
	// and hash alerts are inhibited.
	downRigs map[rigRef]bool
}

func newFindings() *findings {
	return &findings{
		unknownPanels: map[string]bool{},
		unknownRigs:   map[rigRef]bool{},
		unknownKeys:   map[Key]bool{},
		downRigs:      map[rigRef]bool{},
	}
}

func (f *findings) add(p problem) { f.problems = append(f.problems, p) }

// held reports whether the alert with key k must keep its state this poll,
// and whether that is because its rig is down.
func (f *findings) held(k Key) (held, inhibited bool) {
	if k.Kind == KindUnreachable {
		// A source alert resolves only on a successful fetch.
		return f.unknownPanels[k.Panel], false
	}
	ref := rigRef{k.Panel, k.RigID}
	switch {
	case f.unknownPanels[k.Panel], f.unknownRigs[ref], f.unknownKeys[k]:
		return true, false
	case f.downRigs[ref] && inhibitedByDownRig(k.Kind):
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

// evaluateRig adds the problems of one rig to f, then records the rig's
// hash rates in the history. The medians are taken before recording, so a
// reading is compared with the ones before it.
func (r *rules) evaluateRig(f *findings, panelName string, rig panel.Rig, cfg Config, now time.Time) {
	cfg = cfg.ForRig(rig.ID, rig.Label)
	ref := rigRef{panelName, rig.ID}
	base := problem{Key: Key{Panel: panelName, RigID: rig.ID, GPU: NoGPU}, RigLabel: rig.Name()}

	condition := r.conditionProblem(base, ref, rig, cfg, now)
	if condition != nil {
		f.add(*condition)
	}
	stale, staleKnown := staleProblem(base, rig, cfg)
	if !staleKnown {
		f.unknownKeys[withKind(base.Key, KindStale)] = true
	}
	if stale != nil {
		f.add(*stale)
	}

	if rig.Condition.Health() == panel.Failure || stale != nil {
		f.downRigs[ref] = true
		r.history.rig(ref, now)
		return
	}

	rh := r.history.rig(ref, now)
	unit := HashUnit(rig.Miner)
	base.Values.Unit = unit
	gpuDeadProblems(f, base, rig)
	r.gpuSlowProblems(f, base, rh, rig, cfg, now)
	gpuHotProblems(f, base, rig, cfg)
	fanStoppedProblems(f, base, rig, cfg)
	r.hashDropProblem(f, base, rh, rig, cfg, now)
	r.history.record(rh, rig, now)
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

// conditionProblem turns the panel's condition into a problem. Failures are
// critical, and degraded and unrecognised conditions are warnings.
// just_booted is a warning only once it has lasted longer than the boot
// grace, measured by the rig's uptime or by how long the monitor has seen it.
func (r *rules) conditionProblem(base problem, ref rigRef, rig panel.Rig, cfg Config, now time.Time) *problem {
	p := base
	p.Key.Kind = KindCondition
	p.Values.Condition = rig.Condition

	if rig.Condition != panel.JustBooted {
		delete(r.bootedSince, ref)
	}
	switch rig.Condition.Health() {
	case panel.Healthy:
		return nil
	case panel.Failure:
		p.Severity = SeverityCritical
		return &p
	case panel.Degraded, panel.UnknownHealth:
		p.Severity = SeverityWarning
		return &p
	}

	since, ok := r.bootedSince[ref]
	if !ok {
		since = now
		r.bootedSince[ref] = now
	}
	held := now.Sub(since)
	if rig.Uptime.Known && rig.Uptime.Value > held {
		held = rig.Uptime.Value
	}
	grace := time.Duration(cfg.BootGrace)
	if held <= grace {
		return nil
	}
	p.Severity = SeverityWarning
	p.Values.Age = held
	p.Values.Limit = grace
	if rig.Uptime.Known {
		p.Values.Uptime = rig.Uptime.Value
	}
	return &p
}

// staleProblem reports a rig whose last report, on the panel's clock, is
// older than StaleAfter, whatever its condition. known is false when
// the panel gave no report time.
func staleProblem(base problem, rig panel.Rig, cfg Config) (p *problem, known bool) {
	if !rig.ReportAge.Known {
		return nil, false
	}
	limit := time.Duration(cfg.StaleAfter)
	if rig.ReportAge.Value <= limit {
		return nil, true
	}
	stale := base
	stale.Key.Kind = KindStale
	stale.Severity = SeverityCritical
	stale.Values.Age = rig.ReportAge.Value
	stale.Values.Limit = limit
	return &stale, true
}

// gpuDeadProblems reports each GPU at zero hash while its rig hashes. When
// no single GPU is at zero but the panel counts fewer GPUs hashing than
// detected, it reports the rig instead.
func gpuDeadProblems(f *findings, base problem, rig panel.Rig) {
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
		hash, ok := finite(gpu.Hash)
		if !ok {
			f.unknownKeys[key] = true
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
		f.unknownKeys[withGPU(base.Key, gpu.Index, KindGPUSlow)] = true
	}

	rigKey := withKind(base.Key, KindGPUDead)
	if !rig.GPUsHashing.Known || !rig.GPUsDetected.Known {
		f.unknownKeys[rigKey] = true
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

func hashingCounts(rig panel.Rig) (hashing, detected int) {
	return rig.GPUsHashing.Value, rig.GPUsDetected.Value
}

// markRigUnknown keeps every alert of kind on the rig and its GPUs as it is.
func markRigUnknown(f *findings, rigKey Key, kind Kind, rig panel.Rig) {
	f.unknownKeys[withKind(rigKey, kind)] = true
	for _, gpu := range rig.GPUs {
		f.unknownKeys[withGPU(rigKey, gpu.Index, kind)] = true
	}
}

// gpuSlowProblems reports each GPU hashing below GPUSlowPercent of its own
// median over the window.
func (r *rules) gpuSlowProblems(f *findings, base problem, rh *rigHistory, rig panel.Rig, cfg Config, now time.Time) {
	if cfg.GPUSlowPercent <= 0 {
		return
	}
	for _, gpu := range rig.GPUs {
		key := withGPU(base.Key, gpu.Index, KindGPUSlow)
		hash, ok := finite(gpu.Hash)
		median, samples := r.history.gpuMedian(rh, gpu.Index, now)
		if !ok || samples < minMedianSamples {
			f.unknownKeys[key] = true
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
func gpuHotProblems(f *findings, base problem, rig panel.Rig, cfg Config) {
	for _, gpu := range rig.GPUs {
		key := withGPU(base.Key, gpu.Index, KindGPUHot)
		temp, ok := finite(gpu.TempC)
		if !ok {
			f.unknownKeys[key] = true
			continue
		}
		p := base
		p.Key = key
		p.Values.TempC = temp
		switch {
		case cfg.GPUHotCriticalC > 0 && temp >= cfg.GPUHotCriticalC:
			p.Severity = SeverityCritical
			p.Values.Threshold = cfg.GPUHotCriticalC
		case cfg.GPUHotWarningC > 0 && temp >= cfg.GPUHotWarningC:
			p.Severity = SeverityWarning
			p.Values.Threshold = cfg.GPUHotWarningC
		default:
			continue
		}
		f.add(p)
	}
}

// fanStoppedProblems reports each GPU whose fan reads 0 while the GPU is
// hotter than FanStoppedAboveC. The fan percentage is used when the panel
// gives one, else the RPM reading.
func fanStoppedProblems(f *findings, base problem, rig panel.Rig, cfg Config) {
	for _, gpu := range rig.GPUs {
		key := withGPU(base.Key, gpu.Index, KindFanStopped)
		fan, fanOK := finite(gpu.FanPercent)
		if !fanOK {
			fan, fanOK = finite(gpu.FanRPM)
		}
		temp, tempOK := finite(gpu.TempC)
		if !fanOK || !tempOK {
			f.unknownKeys[key] = true
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
func (r *rules) hashDropProblem(f *findings, base problem, rh *rigHistory, rig panel.Rig, cfg Config, now time.Time) {
	if cfg.HashDropPercent <= 0 {
		return
	}
	key := withKind(base.Key, KindHashDrop)
	hash, ok := finite(rig.Hash)
	median, samples := r.history.rigMedian(rh, now)
	if !ok || samples < minMedianSamples {
		f.unknownKeys[key] = true
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
