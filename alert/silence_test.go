package alert

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestRigSilenceMutesFiringAndResolution(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withTemp(testRig("r1", "", 30, 30), 0, 90))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	if err := m.Silence(RigSilence("farm", "r1", time.Time{})); err != nil {
		t.Fatal(err)
	}
	key := gpuKey("farm", "r1", 0, KindGPUHot)

	cy := poll(m, c, 0)
	if cy.Notification != nil {
		t.Fatalf("silenced rig: notification %+v", cy.Notification)
	}
	a, _ := findAlert(cy.Alerts, key)
	if a.State != StateFiring || !a.Silenced || !a.NotifiedAt.IsZero() {
		t.Fatalf("silenced alert %+v, want firing, silenced, never notified", a)
	}

	src.set(testRig("r1", "", 30, 30))
	if cy := poll(m, c, time.Minute); cy.Notification != nil {
		t.Errorf("resolution of a never-announced alert: notification %+v", cy.Notification)
	}
}

func TestKeySilenceCoversOneAlert(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withTemp(withTemp(testRig("r1", "", 30, 30), 0, 90), 1, 90))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	muted := gpuKey("farm", "r1", 0, KindGPUHot)
	if err := m.Silence(KeySilence(muted, time.Time{})); err != nil {
		t.Fatal(err)
	}
	firing, _ := notified(poll(m, c, 0))
	if want := []Key{gpuKey("farm", "r1", 1, KindGPUHot)}; !slices.Equal(firing, want) {
		t.Errorf("firing %v, want %v", firing, want)
	}
}

func TestSilenceExpiry(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withTemp(testRig("r1", "", 30), 0, 90))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	key := gpuKey("farm", "r1", 0, KindGPUHot)
	if err := m.Silence(KeySilence(key, t0.Add(30*time.Minute))); err != nil {
		t.Fatal(err)
	}
	if cy := poll(m, c, 0); cy.Notification != nil {
		t.Fatalf("silenced: notification %+v", cy.Notification)
	}
	if cy := poll(m, c, 29*time.Minute); cy.Notification != nil {
		t.Fatalf("1m before expiry: notification %+v", cy.Notification)
	}

	// At its Until the silence is over: the alert that still holds is
	// announced for the first time.
	cy := poll(m, c, time.Minute)
	if firing, _ := notified(cy); !slices.Equal(firing, []Key{key}) {
		t.Fatalf("after expiry: firing %v, want [%v]", firing, key)
	}
	if a, _ := findAlert(cy.Alerts, key); a.Silenced {
		t.Error("alert still marked silenced after expiry")
	}
	if got := m.Silences(); len(got) != 0 {
		t.Errorf("Silences() = %+v after expiry, want none", got)
	}
}

func TestSilenceAfterAnnounceMutesResolution(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withTemp(testRig("r1", "", 30), 0, 90))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	key := gpuKey("farm", "r1", 0, KindGPUHot)
	poll(m, c, 0)
	if err := m.Silence(RigSilence("farm", "r1", time.Time{})); err != nil {
		t.Fatal(err)
	}

	// The repeat falls due while silenced: not announced.
	if cy := poll(m, c, 5*time.Hour); cy.Notification != nil {
		t.Fatalf("silenced repeat: notification %+v", cy.Notification)
	}
	// Its firing was announced before the silence, but the silence mutes
	// the resolution too.
	src.set(testRig("r1", "", 30))
	cy := poll(m, c, time.Minute)
	if cy.Notification != nil {
		t.Errorf("silenced resolution: notification %+v", cy.Notification)
	}
	if a, _ := findAlert(cy.Alerts, key); a.State != StateResolved {
		t.Errorf("alert %+v, want resolved", a)
	}
}

func TestUnsilence(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withTemp(testRig("r1", "", 30), 0, 90))
	m := newTestMonitor(t, c, DefaultConfig(), "", src)
	key := gpuKey("farm", "r1", 0, KindGPUHot)
	if err := m.Silence(RigSilence("farm", "r1", time.Time{})); err != nil {
		t.Fatal(err)
	}
	poll(m, c, 0)

	silences := m.Silences()
	if len(silences) != 1 || silences[0].ID == "" || !silences[0].CreatedAt.Equal(t0) {
		t.Fatalf("Silences() = %+v, want one with an id, created at t0", silences)
	}
	if a, _ := findAlert(m.Alerts(), key); !a.Silenced {
		t.Fatal("Alerts(): alert not silenced")
	}
	if err := m.Unsilence(silences[0].ID); err != nil {
		t.Fatal(err)
	}
	if a, _ := findAlert(m.Alerts(), key); a.Silenced {
		t.Error("Alerts() right after Unsilence: still silenced")
	}
	if firing, _ := notified(poll(m, c, time.Minute)); !slices.Equal(firing, []Key{key}) {
		t.Errorf("after Unsilence: firing %v, want [%v]", firing, key)
	}

	if err := m.Unsilence("no-such-id"); !errors.Is(err, ErrSilenceNotFound) {
		t.Errorf("Unsilence(unknown) = %v, want ErrSilenceNotFound", err)
	}
}

func TestSilenceReplacesSameKey(t *testing.T) {
	c := newClock()
	m := newTestMonitor(t, c, DefaultConfig(), "")
	if err := m.Silence(RigSilence("farm", "r1", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := m.Silence(RigSilence("farm", "r1", t0.Add(2*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := m.Silence(RigSilence("farm", "r2", time.Time{})); err != nil {
		t.Fatal(err)
	}
	got := m.Silences()
	if len(got) != 2 {
		t.Fatalf("Silences() = %+v, want 2", got)
	}
	if got[0].ID != "1" || !got[0].Until.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("replaced silence %+v, want id 1 until t0+2h", got[0])
	}
	if got[1].ID != "2" {
		t.Errorf("second silence id %q, want 2", got[1].ID)
	}
}

func TestSilenceValidation(t *testing.T) {
	c := newClock()
	m := newTestMonitor(t, c, DefaultConfig(), "")
	tests := map[string]Silence{
		"no panel":         RigSilence("", "r1", time.Time{}),
		"rig without id":   RigSilence("farm", "", time.Time{}),
		"already expired":  RigSilence("farm", "r1", t0),
		"expired key one":  KeySilence(gpuKey("farm", "r1", 0, KindGPUHot), t0.Add(-time.Minute)),
		"key with no rule": KeySilence(Key{RigID: "r1", GPU: NoGPU, Kind: KindStale}, time.Time{}),
	}
	for name, s := range tests {
		if err := m.Silence(s); err == nil {
			t.Errorf("%s: Silence accepted %+v", name, s)
		}
	}
	if got := m.Silences(); len(got) != 0 {
		t.Errorf("Silences() = %+v after rejected calls", got)
	}
}

func TestSilenceMatches(t *testing.T) {
	rig := RigSilence("farm", "r1", time.Time{})
	if !rig.Matches(gpuKey("farm", "r1", 3, KindGPUHot)) || !rig.Matches(rigKey("farm", "r1", KindStale)) {
		t.Error("rig silence misses an alert of its rig")
	}
	if rig.Matches(rigKey("farm", "r10", KindStale)) || rig.Matches(rigKey("other", "r1", KindStale)) {
		t.Error("rig silence matches another rig")
	}
	key := KeySilence(gpuKey("farm", "r1", 3, KindGPUHot), time.Time{})
	if key.Matches(gpuKey("farm", "r1", 2, KindGPUHot)) || key.Matches(gpuKey("farm", "r1", 3, KindFanStopped)) {
		t.Error("key silence matches another key")
	}
}

func TestSilenceConcurrentWithPoll(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", withTemp(testRig("r1", "", 30), 0, 90))
	m := newTestMonitor(t, c, DefaultConfig(), t.TempDir()+"/state.json", src)
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 50 {
			c.Advance(time.Minute)
			m.Poll(context.Background())
		}
	})
	wg.Go(func() {
		for range 50 {
			if err := m.Silence(RigSilence("farm", "r1", time.Time{})); err != nil {
				t.Error(err)
				return
			}
			for _, s := range m.Silences() {
				_ = m.Unsilence(s.ID)
			}
			m.Alerts()
		}
	})
	wg.Wait()
}
