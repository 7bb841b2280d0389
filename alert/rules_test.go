package alert

import (
	"testing"
	"time"

	"rigtop/panel"
)

// evaluateOnce runs the rules on one rig with fresh history.
func evaluateOnce(rig panel.Rig, cfg Config) *findings {
	f := newFindings()
	newRules(time.Duration(cfg.MedianWindow)).evaluateRig(f, "farm", rig, cfg, t0)
	return f
}

// problemFor returns the problem with key k.
func problemFor(f *findings, k Key) (problem, bool) {
	for _, p := range f.problems {
		if p.Key == k {
			return p, true
		}
	}
	return problem{}, false
}

func TestRuleCondition(t *testing.T) {
	tests := []struct {
		condition panel.Condition
		severity  Severity // SeverityNone: no problem
	}{
		{panel.Mining, SeverityNone},
		{panel.Unreachable, SeverityCritical},
		{panel.StuckMiners, SeverityCritical},
		{panel.NoHash, SeverityCritical},
		{panel.Overheat, SeverityCritical},
		{panel.Throttle, SeverityWarning},
		{panel.AutoRebooted, SeverityWarning},
		{panel.HighLoad, SeverityWarning},
		{"maintenance", SeverityWarning},
	}
	for _, tt := range tests {
		f := evaluateOnce(withCondition(testRig("r1", "rig1", 30), tt.condition), DefaultConfig())
		p, ok := problemFor(f, rigKey("farm", "r1", KindCondition))
		if tt.severity == SeverityNone {
			if ok {
				t.Errorf("%s: problem %+v, want none", tt.condition, p)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: no condition problem", tt.condition)
			continue
		}
		if p.Severity != tt.severity {
			t.Errorf("%s: severity %d, want %d", tt.condition, p.Severity, tt.severity)
		}
		if p.Values.Condition != tt.condition || p.RigLabel != "rig1" {
			t.Errorf("%s: values %+v, label %q", tt.condition, p.Values, p.RigLabel)
		}
	}
}

func TestRuleJustBootedByUptime(t *testing.T) {
	key := rigKey("farm", "r1", KindCondition)
	for _, tt := range []struct {
		uptime time.Duration
		want   bool
	}{
		{5 * time.Minute, false},
		{15 * time.Minute, false},
		{15*time.Minute + time.Second, true},
	} {
		rig := withCondition(testRig("r1", "", 30), panel.JustBooted)
		rig.Uptime = panel.Some(tt.uptime)
		p, ok := problemFor(evaluateOnce(rig, DefaultConfig()), key)
		if ok != tt.want {
			t.Errorf("uptime %v: problem %v, want %v", tt.uptime, ok, tt.want)
			continue
		}
		if ok && (p.Severity != SeverityWarning || p.Values.Age != tt.uptime || p.Values.Limit != 15*time.Minute) {
			t.Errorf("uptime %v: problem %+v", tt.uptime, p)
		}
	}
}

func TestRuleJustBootedByTimeHeld(t *testing.T) {
	// A rig that keeps rebooting never has a long uptime: the time the
	// monitor has seen it in just_booted counts.
	cfg := DefaultConfig()
	r := newRules(time.Hour)
	rig := withCondition(testRig("r1", "", 30), panel.JustBooted)
	rig.Uptime = panel.Some(2 * time.Minute)
	key := rigKey("farm", "r1", KindCondition)

	for _, at := range []time.Duration{0, 10 * time.Minute, 15 * time.Minute} {
		f := newFindings()
		r.evaluateRig(f, "farm", rig, cfg, t0.Add(at))
		if _, ok := problemFor(f, key); ok {
			t.Errorf("just_booted held %v: problem, want none within the 15m grace", at)
		}
	}
	f := newFindings()
	r.evaluateRig(f, "farm", rig, cfg, t0.Add(16*time.Minute))
	p, ok := problemFor(f, key)
	if !ok || p.Values.Age != 16*time.Minute {
		t.Fatalf("just_booted held 16m: problem %+v (found %v), want age 16m", p, ok)
	}

	// Leaving just_booted restarts the count.
	r.evaluateRig(newFindings(), "farm", withCondition(rig, panel.Mining), cfg, t0.Add(17*time.Minute))
	f = newFindings()
	r.evaluateRig(f, "farm", rig, cfg, t0.Add(18*time.Minute))
	if _, ok := problemFor(f, key); ok {
		t.Error("just_booted again after mining: problem at once, want a new grace")
	}
}

func TestRuleStale(t *testing.T) {
	key := rigKey("farm", "r1", KindStale)
	for _, tt := range []struct {
		age  time.Duration
		want bool
	}{
		{10 * time.Minute, false},
		{10*time.Minute + time.Second, true},
	} {
		rig := testRig("r1", "", 30)
		rig.ReportAge = panel.Some(tt.age)
		f := evaluateOnce(rig, DefaultConfig())
		p, ok := problemFor(f, key)
		if ok != tt.want {
			t.Errorf("age %v: problem %v, want %v", tt.age, ok, tt.want)
			continue
		}
		if ok && (p.Severity != SeverityCritical || p.Values.Age != tt.age || p.Values.Limit != 10*time.Minute) {
			t.Errorf("age %v: problem %+v", tt.age, p)
		}
		if ok != f.down(rigRef{"farm", "r1"}) {
			t.Errorf("age %v: down = %v, want %v", tt.age, !ok, ok)
		}
	}

	rig := testRig("r1", "", 30)
	rig.ReportAge = panel.Opt[time.Duration]{}
	if f := evaluateOnce(rig, DefaultConfig()); !f.unknown(key) {
		t.Error("unknown report age: stale alert not held")
	}
}

func TestRuleStaleWhateverCondition(t *testing.T) {
	rig := withCondition(testRig("r1", "", 30), panel.Unreachable)
	rig.ReportAge = panel.Some(6 * time.Hour)
	f := evaluateOnce(rig, DefaultConfig())
	if _, ok := problemFor(f, rigKey("farm", "r1", KindStale)); !ok {
		t.Error("unreachable rig 6h old: no stale problem")
	}
	if _, ok := problemFor(f, rigKey("farm", "r1", KindCondition)); !ok {
		t.Error("unreachable rig: no condition problem")
	}
}

func TestRuleGPUDead(t *testing.T) {
	f := evaluateOnce(testRig("r1", "", 30, 0, 30), DefaultConfig())
	p, ok := problemFor(f, gpuKey("farm", "r1", 1, KindGPUDead))
	if !ok || p.Severity != SeverityCritical {
		t.Fatalf("GPU 1 at zero: problem %+v (found %v), want critical", p, ok)
	}
	if _, ok := problemFor(f, rigKey("farm", "r1", KindGPUDead)); ok {
		t.Error("a rig-level dead alert beside the per-GPU one")
	}
	for _, i := range []int{0, 2} {
		if _, ok := problemFor(f, gpuKey("farm", "r1", i, KindGPUDead)); ok {
			t.Errorf("GPU %d at 30: dead", i)
		}
	}
	if !f.unknown(gpuKey("farm", "r1", 1, KindGPUSlow)) {
		t.Error("dead GPU's slow alert not held")
	}
}

func TestRuleGPUDeadByCount(t *testing.T) {
	rig := testRig("r1", "", 30, 30, 30)
	rig.GPUsDetected = panel.Some(4)
	f := evaluateOnce(rig, DefaultConfig())
	p, ok := problemFor(f, rigKey("farm", "r1", KindGPUDead))
	if !ok {
		t.Fatal("3 of 4 GPUs hashing: no rig-level dead problem")
	}
	if p.Values.Hashing != 3 || p.Values.Detected != 4 {
		t.Errorf("values %+v, want 3 of 4", p.Values)
	}
}

func TestRuleGPUDeadUnknownReadings(t *testing.T) {
	rig := testRig("r1", "", 30, 30)
	rig.Hash = panel.Opt[float64]{}
	f := evaluateOnce(rig, DefaultConfig())
	for _, key := range []Key{rigKey("farm", "r1", KindGPUDead), gpuKey("farm", "r1", 0, KindGPUDead), gpuKey("farm", "r1", 1, KindGPUDead)} {
		if !f.unknown(key) {
			t.Errorf("unknown rig hash: %v not held", key)
		}
	}

	rig = testRig("r1", "", 30, 30)
	rig.GPUsHashing = panel.Opt[int]{}
	f = evaluateOnce(rig, DefaultConfig())
	if !f.unknown(rigKey("farm", "r1", KindGPUDead)) {
		t.Error("unknown miner_instance: rig-level dead alert not held")
	}
	if f.unknown(gpuKey("farm", "r1", 0, KindGPUDead)) {
		t.Error("unknown miner_instance: per-GPU dead alert held although its hash is known")
	}
}

func TestRuleGPUDeadNotWhileRigIdle(t *testing.T) {
	f := evaluateOnce(testRig("r1", "", 0, 0), DefaultConfig())
	for _, p := range f.problems {
		if p.Key.Kind == KindGPUDead {
			t.Errorf("rig at zero hash: dead problem %v", p.Key)
		}
	}
	if held, _ := f.held(gpuKey("farm", "r1", 1, KindGPUDead)); !held {
		t.Error("rig at zero hash: dead-GPU alert not kept as it is")
	}
}

func TestRuleGPUHot(t *testing.T) {
	tests := []struct {
		tempC     float64
		severity  Severity
		threshold float64
	}{
		{79.9, SeverityNone, 0},
		{80, SeverityWarning, 80},
		{84.9, SeverityWarning, 80},
		{85, SeverityCritical, 85},
		{86, SeverityCritical, 85},
	}
	for _, tt := range tests {
		f := evaluateOnce(withTemp(testRig("r1", "", 30, 30), 1, tt.tempC), DefaultConfig())
		p, ok := problemFor(f, gpuKey("farm", "r1", 1, KindGPUHot))
		if tt.severity == SeverityNone {
			if ok {
				t.Errorf("%v °C: problem %+v, want none", tt.tempC, p)
			}
			continue
		}
		if !ok || p.Severity != tt.severity || p.Values.Threshold != tt.threshold || p.Values.TempC != tt.tempC {
			t.Errorf("%v °C: problem %+v (found %v), want severity %d at %v", tt.tempC, p, ok, tt.severity, tt.threshold)
		}
	}
}

func TestRuleGPUHotRigOverride(t *testing.T) {
	cfg := DefaultConfig()
	ninety := 90.0
	cfg.Rigs = map[string]RigConfig{"rig2": {GPUHotCriticalC: &ninety}}
	f := evaluateOnce(withTemp(testRig("496406", "rig2", 30), 0, 86), cfg)
	p, ok := problemFor(f, gpuKey("farm", "496406", 0, KindGPUHot))
	if !ok || p.Severity != SeverityWarning || p.Values.Threshold != 80 {
		t.Errorf("86 °C with critical at 90: problem %+v (found %v), want a warning at 80", p, ok)
	}
}

func TestRuleFanStopped(t *testing.T) {
	key := gpuKey("farm", "r1", 0, KindFanStopped)
	for _, tt := range []struct {
		fan, tempC float64
		want       bool
	}{
		{0, 50, false},
		{0, 51, true},
		{300, 70, false},
	} {
		rig := withTemp(testRig("r1", "", 30), 0, tt.tempC)
		rig.GPUs[0].FanRPM = panel.KnownReading(tt.fan)
		p, ok := problemFor(evaluateOnce(rig, DefaultConfig()), key)
		if ok != tt.want {
			t.Errorf("fan %v at %v °C: problem %v, want %v", tt.fan, tt.tempC, ok, tt.want)
			continue
		}
		if ok && (p.Severity != SeverityCritical || p.Values.TempC != tt.tempC) {
			t.Errorf("fan %v at %v °C: problem %+v", tt.fan, tt.tempC, p)
		}
	}

	// The fan percentage, when given, wins over the RPM reading.
	rig := withTemp(testRig("r1", "", 30), 0, 70)
	rig.GPUs[0].FanPercent = panel.KnownReading(0.0)
	if _, ok := problemFor(evaluateOnce(rig, DefaultConfig()), key); !ok {
		t.Error("fan 0 % with 2000 RPM at 70 °C: no problem")
	}

	rig = testRig("r1", "", 30)
	rig.GPUs[0].FanRPM = panel.Reading{}
	if f := evaluateOnce(rig, DefaultConfig()); !f.unknown(key) {
		t.Error("unknown fan reading: alert not held")
	}
}

// feed runs the rules on rig at 2-minute intervals for each value, with the
// rig's GPU 0 and total at that value, ending at t0; it returns the time of
// the next poll.
func feed(r *rules, rig panel.Rig, values []float64, cfg Config) time.Time {
	at := t0
	for _, v := range values {
		r.evaluateRig(newFindings(), "farm", withGPUHash(rig, 0, v), cfg, at)
		at = at.Add(2 * time.Minute)
	}
	return at
}

func TestRuleGPUSlow(t *testing.T) {
	// Samples 10 30 20 40 20 100: median (20+30)/2 = 25, 70 % of it 17.5.
	// Their mean, 36.7, would put the threshold at 25.7 instead.
	samples := []float64{10, 30, 20, 40, 20, 100}
	key := gpuKey("farm", "r1", 0, KindGPUSlow)
	cfg := DefaultConfig()
	for _, tt := range []struct {
		hash float64
		want bool
	}{
		{20, false},
		{17.5, false},
		{17.4, true},
	} {
		r := newRules(time.Hour)
		rig := testRig("r1", "", 0)
		next := feed(r, rig, samples, cfg)
		f := newFindings()
		r.evaluateRig(f, "farm", withGPUHash(rig, 0, tt.hash), cfg, next)
		p, ok := problemFor(f, key)
		if ok != tt.want {
			t.Errorf("hash %v against median 25: slow %v, want %v", tt.hash, ok, tt.want)
			continue
		}
		if ok && (p.Severity != SeverityWarning || p.Values.Median != 25 || p.Values.Threshold != 17.5 ||
			p.Values.SharePct != 70 || p.Values.Hash != tt.hash || p.Values.Unit != "MH/s") {
			t.Errorf("hash %v: problem %+v", tt.hash, p)
		}
	}
}

func TestRuleGPUSlowNeedsHistory(t *testing.T) {
	r := newRules(time.Hour)
	rig := testRig("r1", "", 0)
	next := feed(r, rig, []float64{20, 20, 20, 20}, DefaultConfig())
	f := newFindings()
	r.evaluateRig(f, "farm", withGPUHash(rig, 0, 1), DefaultConfig(), next)
	key := gpuKey("farm", "r1", 0, KindGPUSlow)
	if _, ok := problemFor(f, key); ok {
		t.Error("slow with 4 samples of history, want at least 5")
	}
	if !f.unknown(key) {
		t.Error("slow alert not held while history is short")
	}
}

func TestRuleHashDrop(t *testing.T) {
	// Rig totals of 100 five times: 80 % of the median is 80.
	key := rigKey("farm", "r1", KindHashDrop)
	for _, tt := range []struct {
		hash float64
		want bool
	}{
		{80, false},
		{79.9, true},
	} {
		r := newRules(time.Hour)
		rig := testRig("r1", "", 0)
		next := feed(r, rig, []float64{100, 100, 100, 100, 100}, DefaultConfig())
		f := newFindings()
		r.evaluateRig(f, "farm", withGPUHash(rig, 0, tt.hash), DefaultConfig(), next)
		p, ok := problemFor(f, key)
		if ok != tt.want {
			t.Errorf("rig at %v against median 100: drop %v, want %v", tt.hash, ok, tt.want)
			continue
		}
		if ok && (p.Severity != SeverityWarning || p.Values.Median != 100 || p.Values.Threshold != 80) {
			t.Errorf("rig at %v: problem %+v", tt.hash, p)
		}
	}
}

func TestRuleHashDropOff(t *testing.T) {
	cfg := DefaultConfig()
	cfg.HashDropPercent = 0
	r := newRules(time.Hour)
	rig := testRig("r1", "", 0)
	next := feed(r, rig, []float64{100, 100, 100, 100, 100}, cfg)
	f := newFindings()
	r.evaluateRig(f, "farm", withGPUHash(rig, 0, 10), cfg, next)
	if _, ok := problemFor(f, rigKey("farm", "r1", KindHashDrop)); ok {
		t.Error("hash drop reported with hash_drop_percent = 0")
	}
}

func TestRuleDownRigSkipsGPURules(t *testing.T) {
	rig := withTemp(withCondition(testRig("r1", "", 30, 0), panel.Overheat), 0, 95)
	f := evaluateOnce(rig, DefaultConfig())
	if !f.down(rigRef{"farm", "r1"}) {
		t.Fatal("overheated rig not down")
	}
	for _, p := range f.problems {
		if p.Key.Kind != KindCondition {
			t.Errorf("down rig has problem %v", p.Key)
		}
	}
	held, inhibited := f.held(gpuKey("farm", "r1", 0, KindGPUHot))
	if !held || !inhibited {
		t.Errorf("GPU alert of a down rig: held %v, inhibited %v; want both", held, inhibited)
	}
	if held, _ := f.held(rigKey("farm", "r1", KindStale)); held {
		t.Error("the down rig's own stale alert is held")
	}
}

func TestSourceProblem(t *testing.T) {
	cfg := DefaultConfig()
	if p := sourceProblem("abc", t0, nil, cfg, t0.Add(10*time.Minute)); p != nil {
		t.Errorf("failing exactly 10m: problem %+v, want none", p)
	}
	p := sourceProblem("abc", t0, nil, cfg, t0.Add(11*time.Minute))
	if p == nil || p.Severity != SeverityUnknown || p.Values.Age != 11*time.Minute || p.Key.Kind != KindUnreachable {
		t.Errorf("failing 11m: problem %+v, want severity unknown, age 11m", p)
	}
}

func TestFindingsUnknownKeys(t *testing.T) {
	f := newFindings()
	marked := []Key{
		rigKey("farm", "r1", KindHashDrop),
		gpuKey("farm", "r1", 3, KindGPUSlow),
		gpuKey("farm", "r1", maxFindingsGPU+5, KindGPUHot),
		gpuKey("farm", "r2", 0, KindGPUDead),
		rigKey("farm", "r2", "future_kind"),
	}
	for _, k := range marked {
		f.markUnknown(k)
	}
	for _, k := range marked {
		if !f.unknown(k) {
			t.Errorf("%s is not unknown after it was marked", k)
		}
	}

	for _, k := range []Key{
		rigKey("farm", "r1", KindStale),
		gpuKey("farm", "r1", 3, KindGPUHot),
		gpuKey("farm", "r1", 2, KindGPUSlow),
		gpuKey("farm", "r1", 4, KindGPUSlow),
		gpuKey("farm", "r1", maxFindingsGPU+5, KindGPUSlow),
		gpuKey("farm", "r3", 0, KindGPUDead),
		gpuKey("other", "r1", 3, KindGPUSlow),
	} {
		if f.unknown(k) {
			t.Errorf("%s is unknown but was never marked", k)
		}
	}
}
