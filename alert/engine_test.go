package alert

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"rigtop/panel"
)

// poll advances the clock by step and polls.
func poll(m *Monitor, c *clock, step time.Duration) Cycle {
	c.Advance(step)
	return m.Poll(context.Background())
}

func notified(c Cycle) (firing, resolved []Key) {
	if c.Notification == nil {
		return nil, nil
	}
	return keysOf(c.Notification.Firing), keysOf(c.Notification.Resolved)
}

func TestLifecyclePendingFiringResolved(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", testRig("r1", "rig1", 30, 0, 30))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	key := gpuKey("farm", "r1", 1, KindGPUDead)

	// Poll 1: GPU 1 at zero is pending; gpu_dead needs two polls.
	cy := poll(m, c, 0)
	a, ok := findAlert(cy.Alerts, key)
	if !ok || a.State != StatePending || !a.Since.Equal(t0) {
		t.Fatalf("poll 1: alert %+v (found %v), want pending since t0", a, ok)
	}
	if cy.Notification != nil {
		t.Fatalf("poll 1: notification %+v, want none while pending", cy.Notification)
	}

	// Poll 2: it fires and is announced.
	cy = poll(m, c, time.Minute)
	a, _ = findAlert(cy.Alerts, key)
	if a.State != StateFiring || !a.FiredAt.Equal(t0.Add(time.Minute)) || !a.NotifiedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("poll 2: alert %+v, want firing and notified at t0+1m", a)
	}
	firing, resolved := notified(cy)
	if !slices.Equal(firing, []Key{key}) || len(resolved) != 0 {
		t.Fatalf("poll 2: notified firing %v resolved %v, want firing [%v]", firing, resolved, key)
	}

	// Poll 3: still firing, not announced again.
	if cy = poll(m, c, time.Minute); cy.Notification != nil {
		t.Fatalf("poll 3: notification %+v, want none", cy.Notification)
	}

	// Poll 4: the GPU hashes again: resolved and announced once.
	src.set(testRig("r1", "rig1", 30, 30, 30))
	cy = poll(m, c, time.Minute)
	a, _ = findAlert(cy.Alerts, key)
	if a.State != StateResolved || !a.ResolvedAt.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("poll 4: alert %+v, want resolved at t0+3m", a)
	}
	firing, resolved = notified(cy)
	if len(firing) != 0 || !slices.Equal(resolved, []Key{key}) {
		t.Fatalf("poll 4: notified firing %v resolved %v, want resolved [%v]", firing, resolved, key)
	}

	// Poll 5: nothing new; the resolved alert is still listed.
	cy = poll(m, c, time.Minute)
	if cy.Notification != nil {
		t.Fatalf("poll 5: notification %+v, want none", cy.Notification)
	}
	if _, ok := findAlert(cy.Alerts, key); !ok {
		t.Fatal("poll 5: resolved alert no longer listed")
	}

	// 30 minutes after resolving it is dropped.
	cy = poll(m, c, 30*time.Minute)
	if _, ok := findAlert(cy.Alerts, key); ok {
		t.Fatal("resolved alert still listed 31 minutes later")
	}
}

func TestLifecyclePendingThatClearsIsForgotten(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", testRig("r1", "", 30, 0))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	poll(m, c, 0)
	src.set(testRig("r1", "", 30, 30))
	cy := poll(m, c, time.Minute)
	if cy.Notification != nil {
		t.Errorf("notification %+v for an alert that never fired", cy.Notification)
	}
	if len(cy.Alerts) != 0 {
		t.Errorf("alerts %v, want none", keysOf(cy.Alerts))
	}

	// The count starts again: one poll at zero is pending, not firing.
	src.set(testRig("r1", "", 30, 0))
	cy = poll(m, c, time.Minute)
	if a, _ := findAlert(cy.Alerts, gpuKey("farm", "r1", 1, KindGPUDead)); a.State != StatePending {
		t.Errorf("after a clear poll: state %v, want pending", a.State)
	}
}

func TestDuplicateGPUIndexCountsOnePoll(t *testing.T) {
	c := newClock()
	rig := testRig("r1", "", 30, 0)
	rig.GPUs = append(rig.GPUs, rig.GPUs[1])
	m := newTestMonitor(t, c, DefaultConfig(), "", newFakeSource("farm", rig))
	cy := poll(m, c, 0)
	if a, _ := findAlert(cy.Alerts, gpuKey("farm", "r1", 1, KindGPUDead)); a.State != StatePending {
		t.Errorf("GPU 1 listed twice at zero: state %v after one poll, want pending", a.State)
	}
}

func TestLifecycleFlapStartsNewAlert(t *testing.T) {
	c := newClock()
	hot := withTemp(testRig("r1", "", 30), 0, 90)
	src := newFakeSource("farm", hot)
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	key := gpuKey("farm", "r1", 0, KindGPUHot)

	poll(m, c, 0)
	src.set(testRig("r1", "", 30))
	poll(m, c, time.Minute)
	src.set(hot)
	cy := poll(m, c, time.Minute)
	firing, _ := notified(cy)
	if !slices.Equal(firing, []Key{key}) {
		t.Fatalf("hot again after resolving: firing %v, want [%v]", firing, key)
	}
	if a, _ := findAlert(cy.Alerts, key); !a.Since.Equal(t0.Add(2*time.Minute)) || !a.ResolvedAt.IsZero() {
		t.Errorf("new alert %+v, want since t0+2m and no resolved time", a)
	}
}

func TestRepeatInterval(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withTemp(testRig("r1", "", 30), 0, 90))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	key := gpuKey("farm", "r1", 0, KindGPUHot)

	if firing, _ := notified(poll(m, c, 0)); !slices.Equal(firing, []Key{key}) {
		t.Fatalf("first poll: firing %v", firing)
	}
	if cy := poll(m, c, 4*time.Hour-time.Second); cy.Notification != nil {
		t.Fatalf("1 s before the repeat interval: notification %+v", cy.Notification)
	}
	cy := poll(m, c, time.Second)
	if firing, _ := notified(cy); !slices.Equal(firing, []Key{key}) {
		t.Fatalf("at 4h: firing %v, want the repeat", firing)
	}
	if a, _ := findAlert(cy.Alerts, key); !a.NotifiedAt.Equal(t0.Add(4 * time.Hour)) {
		t.Errorf("NotifiedAt = %v, want t0+4h", a.NotifiedAt)
	}
	if cy := poll(m, c, time.Hour); cy.Notification != nil {
		t.Errorf("1h after the repeat: notification %+v", cy.Notification)
	}
}

func TestRepeatIntervalZeroNeverRepeats(t *testing.T) {
	c := newClock()
	cfg := DefaultConfig()
	cfg.RepeatInterval = 0
	src := newFakeSource("farm", withTemp(testRig("r1", "", 30), 0, 90))
	m := newTestMonitor(t, c, cfg, "", src)
	poll(m, c, 0)
	for i := range 48 {
		if cy := poll(m, c, time.Hour); cy.Notification != nil {
			t.Fatalf("hour %d: notification %+v, want none with repeat_interval 0", i+1, cy.Notification)
		}
	}
}

func TestRepeatIntervalPerRig(t *testing.T) {
	c := newClock()
	cfg := DefaultConfig()
	hour := Duration(time.Hour)
	cfg.Rigs = map[string]RigConfig{"rig1": {RepeatInterval: &hour}}
	src := newFakeSource("farm", withTemp(testRig("r1", "rig1", 30), 0, 90), withTemp(testRig("r2", "rig2", 30), 0, 90))
	m := newTestMonitor(t, c, cfg, "", src)
	poll(m, c, 0)
	firing, _ := notified(poll(m, c, time.Hour))
	if !slices.Equal(firing, []Key{gpuKey("farm", "r1", 0, KindGPUHot)}) {
		t.Errorf("after 1h: firing %v, want only rig1's repeat", firing)
	}
}

func TestEscalationAnnouncedAtOnce(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withTemp(testRig("r1", "", 30), 0, 82))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	key := gpuKey("farm", "r1", 0, KindGPUHot)
	poll(m, c, 0)

	src.set(withTemp(testRig("r1", "", 30), 0, 86))
	cy := poll(m, c, time.Minute)
	if firing, _ := notified(cy); !slices.Equal(firing, []Key{key}) {
		t.Fatalf("warning to critical: firing %v, want it announced", firing)
	}
	if cy.Notification.Firing[0].Severity != SeverityCritical {
		t.Errorf("announced severity %d, want critical", cy.Notification.Firing[0].Severity)
	}

	// Back to warning: no announcement.
	src.set(withTemp(testRig("r1", "", 30), 0, 82))
	if cy := poll(m, c, time.Minute); cy.Notification != nil {
		t.Errorf("critical to warning: notification %+v, want none", cy.Notification)
	}
}

func TestInhibitionByDownRig(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withTemp(testRig("r1", "", 30, 30), 0, 90))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	hotKey := gpuKey("farm", "r1", 0, KindGPUHot)
	condKey := rigKey("farm", "r1", KindCondition)
	poll(m, c, 0)

	// The rig overheats: the condition fires, the GPU alert is inhibited,
	// neither resolved nor announced.
	src.set(withTemp(withCondition(testRig("r1", "", 0, 0), panel.Overheat), 0, 95))
	cy := poll(m, c, time.Minute)
	firing, resolved := notified(cy)
	if !slices.Equal(firing, []Key{condKey}) || len(resolved) != 0 {
		t.Fatalf("overheat: firing %v resolved %v, want only the condition", firing, resolved)
	}
	hot, _ := findAlert(cy.Alerts, hotKey)
	if hot.State != StateFiring || !hot.Inhibited {
		t.Fatalf("GPU alert while rig down: %+v, want firing and inhibited", hot)
	}
	for _, a := range cy.Alerts {
		if a.Key.Kind == KindGPUDead {
			t.Errorf("down rig at zero hash has dead-GPU alert %v", a.Key)
		}
	}

	// Its repeat falls due while inhibited: not announced.
	if cy := poll(m, c, 5*time.Hour); cy.Notification != nil {
		firing, _ := notified(cy)
		if slices.Contains(firing, hotKey) {
			t.Errorf("inhibited alert repeated")
		}
	}

	// The rig is back and cool: both resolve, in one notification.
	src.set(testRig("r1", "", 30, 30))
	cy = poll(m, c, time.Minute)
	_, resolved = notified(cy)
	if !slices.Equal(resolved, []Key{condKey, hotKey}) {
		t.Errorf("rig back: resolved %v, want [%v %v]", resolved, condKey, hotKey)
	}
}

func TestInhibitionByStaleRig(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withTemp(testRig("r1", "", 30), 0, 90))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	poll(m, c, 0)
	stale := withTemp(testRig("r1", "", 30), 0, 60)
	stale.ReportAge = panel.Some(20 * time.Minute)
	src.set(stale)
	cy := poll(m, c, time.Minute)
	firing, resolved := notified(cy)
	if !slices.Equal(firing, []Key{rigKey("farm", "r1", KindStale)}) || len(resolved) != 0 {
		t.Errorf("stale rig: firing %v resolved %v, want only stale; the GPU alert is inhibited", firing, resolved)
	}
}

func TestSourceUnreachable(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withCondition(testRig("r1", "rig1", 30), panel.StuckMiners))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	condKey := rigKey("farm", "r1", KindCondition)
	srcKey := Key{Panel: "farm", GPU: NoGPU, Kind: KindUnreachable}
	poll(m, c, 0)

	fetchErr := &panel.FetchError{URL: "http://farm/?json=yes", Kind: panel.KindRefused, Offset: -1}
	src.fail(fetchErr)
	// The first failed fetch is at t0+1m; at t0+11m it has failed for
	// exactly stale_after, which is not yet longer.
	for _, step := range []time.Duration{time.Minute, 9 * time.Minute, time.Minute} {
		cy := poll(m, c, step)
		if cy.Notification != nil {
			t.Fatalf("failing for %v: notification %+v", c.Now().Sub(t0.Add(time.Minute)), cy.Notification)
		}
		if a, _ := findAlert(cy.Alerts, condKey); a.State != StateFiring {
			t.Fatalf("rig alert while its panel fails: %+v, want kept firing", a)
		}
		if !cy.Panels[0].Stale || !errors.Is(cy.Panels[0].Err, fetchErr) || !cy.Panels[0].LastOK.Equal(t0) {
			t.Fatalf("panel status %+v", cy.Panels[0])
		}
		if len(cy.Rigs) != 1 || cy.Rigs[0].Condition != panel.StuckMiners {
			t.Fatalf("rigs %+v, want the last good data", cy.Rigs)
		}
	}

	// Failing for 11 minutes at t0+12m, past stale_after: one alert, severity
	// unknown, and no rig reported down or stale.
	cy := poll(m, c, time.Minute)
	firing, resolved := notified(cy)
	if !slices.Equal(firing, []Key{srcKey}) || len(resolved) != 0 {
		t.Fatalf("failing 11m: firing %v resolved %v, want [%v]", firing, resolved, srcKey)
	}
	a := cy.Notification.Firing[0]
	if a.Severity != SeverityUnknown || a.Values.Age != 11*time.Minute || !errors.Is(a.Values.Err, fetchErr) {
		t.Errorf("source alert %+v", a)
	}
	for _, a := range cy.Alerts {
		if a.Key.Kind == KindStale {
			t.Errorf("rig reported stale because its panel fails: %v", a.Key)
		}
	}

	// The panel responds again: the source alert resolves, the rig alert
	// carries on without a repeat.
	src.set(withCondition(testRig("r1", "rig1", 30), panel.StuckMiners))
	cy = poll(m, c, time.Minute)
	firing, resolved = notified(cy)
	if len(firing) != 0 || !slices.Equal(resolved, []Key{srcKey}) {
		t.Errorf("panel back: firing %v resolved %v, want resolved [%v]", firing, resolved, srcKey)
	}
	if cy.Panels[0].Err != nil || cy.Panels[0].Stale {
		t.Errorf("panel status after recovery %+v", cy.Panels[0])
	}
}

func TestRigErrorKeepsRigAlerts(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withTemp(testRig("r1", "", 30), 0, 90))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	poll(m, c, 0)
	src.set()
	src.snap.RigErrors = []panel.RigError{{RigID: "r1", Err: errors.New("bad gpus field")}}
	cy := poll(m, c, time.Minute)
	if cy.Notification != nil {
		t.Errorf("rig that failed to decode: notification %+v, want its alerts kept", cy.Notification)
	}
}

func TestGroupingSimultaneousFailures(t *testing.T) {
	c := newClock()
	rigs := []panel.Rig{testRig("a00001", "rig1", 30), testRig("a00004", "rig4", 30), testRig("b00001", "1号機", 30), testRig("c00001", "rig9", 30)}
	src := newFakeSource("farm", rigs...)
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	poll(m, c, 0)

	stale := rigs[1]
	stale.ReportAge = panel.Some(15 * time.Minute)
	src.set(withCondition(rigs[0], panel.Unreachable), stale, withCondition(rigs[2], panel.NoHash), rigs[3])
	cy := poll(m, c, time.Minute)
	if cy.Notification == nil || len(cy.Notification.Firing) != 3 {
		t.Fatalf("notification %+v, want one with 3 firing alerts", cy.Notification)
	}
	if got, want := Headline(en, *cy.Notification), "3 rigs down: rig1, rig4, 1号機"; got != want {
		t.Errorf("headline %q, want %q", got, want)
	}
	if !cy.Notification.At.Equal(t0.Add(time.Minute)) {
		t.Errorf("notification at %v", cy.Notification.At)
	}
}

func TestCycleAlertsWorstFirst(t *testing.T) {
	c := newClock()
	rigs := []panel.Rig{
		withTemp(testRig("r1", "", 30), 0, 82),             // warning, firing
		withCondition(testRig("r2", "", 30), panel.NoHash), // critical, firing
		testRig("r3", "", 30, 0),                           // critical, pending
	}
	src := newFakeSource("farm", rigs...)
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	cy := poll(m, c, 0)
	want := []Key{
		rigKey("farm", "r2", KindCondition),
		gpuKey("farm", "r3", 1, KindGPUDead),
		gpuKey("farm", "r1", 0, KindGPUHot),
	}
	if got := keysOf(cy.Alerts); !slices.Equal(got, want) {
		t.Errorf("alerts %v, want %v", got, want)
	}
}

func TestPollCancelledEvaluatesNothing(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withTemp(testRig("r1", "", 30), 0, 90))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cy := m.Poll(ctx)
	if cy.Notification != nil || len(cy.Alerts) != 0 {
		t.Errorf("cancelled poll: %+v", cy)
	}
	if cy.Panels[0].Err != nil {
		t.Errorf("cancelled poll recorded a fetch error: %v", cy.Panels[0].Err)
	}
}

func TestNewMonitorRejects(t *testing.T) {
	if _, err := NewMonitor([]panel.Source{newFakeSource("a"), newFakeSource("a")}, MonitorOptions{}); err == nil {
		t.Error("two sources named a: no error")
	}
	cfg := DefaultConfig()
	cfg.StaleAfter = 0
	_, err := NewMonitor(nil, MonitorOptions{Config: cfg})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "stale_after" {
		t.Errorf("invalid config: error %v, want a *ConfigError for stale_after", err)
	}
}

// A rig that drops off goes stale and turns unreachable, in either order
// or in the same poll; it is announced once and recovers once.
func TestDropOffAnnouncedOnce(t *testing.T) {
	staleRig := func(c panel.Condition) panel.Rig {
		r := withCondition(testRig("r1", "rig1", 30), c)
		r.ReportAge = panel.Some(20 * time.Minute)
		return r
	}
	tests := []struct {
		name  string
		steps []panel.Rig
		first Kind
	}{
		{"stale first", []panel.Rig{staleRig(panel.Mining), staleRig(panel.Unreachable)}, KindStale},
		{"unreachable first", []panel.Rig{withCondition(testRig("r1", "rig1", 30), panel.Unreachable), staleRig(panel.Unreachable)}, KindCondition},
		{"same poll", []panel.Rig{staleRig(panel.Unreachable), staleRig(panel.Unreachable)}, KindCondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			src := newFakeSource("farm", testRig("r1", "rig1", 30))
			m := newTestMonitor(t, c, DefaultConfig(), "", src)
			poll(m, c, 0)

			var announced []Key
			for _, rig := range tt.steps {
				src.set(rig)
				firing, _ := notified(poll(m, c, time.Minute))
				announced = append(announced, firing...)
			}
			if !slices.Equal(announced, []Key{rigKey("farm", "r1", tt.first)}) {
				t.Errorf("announced %v, want only %s", announced, tt.first)
			}

			src.set(testRig("r1", "rig1", 30))
			firing, resolved := notified(poll(m, c, time.Minute))
			if len(firing) != 0 || !slices.Equal(resolved, []Key{rigKey("farm", "r1", tt.first)}) {
				t.Errorf("recovery: firing %v resolved %v, want one resolution of %s", firing, resolved, tt.first)
			}
		})
	}
}
