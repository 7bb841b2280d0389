package alert

import (
	"reflect"
	"testing"
	"time"

	"rigtop/panel"
)

// farmPolls returns the rigs of a generated farm as a panel reports them at
// each of polls polls a minute apart. Every poll brings new reports. From
// the tenth poll one GPU in seven hashes at half its rate, and every
// eleventh rig is in just_booted throughout.
func farmPolls(t *testing.T, rigs, polls int) [][]panel.Rig {
	t.Helper()
	snap, err := panel.Decode(panel.GenerateFarmJSON(rigs, 4, 7), "farm", t0)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]panel.Rig, polls)
	for poll := range polls {
		now := t0.Add(time.Duration(poll) * time.Minute)
		at := make([]panel.Rig, len(snap.Rigs))
		for i, rig := range snap.Rigs {
			rig.ServerTime = now
			rig.ReportAge = panel.Some(time.Duration(0))
			if i%11 == 0 {
				rig.Condition = panel.JustBooted
			}
			rig.GPUs = append([]panel.GPU(nil), rig.GPUs...)
			for g := range rig.GPUs {
				hash := 30.0 + float64((i+g+poll)%3)
				if poll >= 10 && (i*4+g)%7 == 0 {
					hash /= 2
				}
				rig.GPUs[g].Hash = panel.KnownReading(hash)
			}
			at[i] = rig
		}
		out[poll] = at
	}
	return out
}

// TestEvaluateRigsInHalves runs the rules on a farm poll after poll, once
// on one goroutine and once in two halves, and checks that both find the
// same problems in the same order and leave the same alerts undecided.
func TestEvaluateRigsInHalves(t *testing.T) {
	saved := minParallelRigs
	t.Cleanup(func() { minParallelRigs = saved })

	cfg := DefaultConfig()
	polls := farmPolls(t, 300, 14)
	serial := newRules(time.Duration(cfg.MedianWindow))
	halves := newRules(time.Duration(cfg.MedianWindow))
	slowFound := false
	for poll, rigs := range polls {
		now := t0.Add(time.Duration(poll) * time.Minute)

		minParallelRigs = len(rigs) + 1
		want := newFindings()
		serial.evaluateRigs(want, "farm", rigs, cfg, now)

		minParallelRigs = 2
		got := newFindings()
		halves.evaluateRigs(got, "farm", rigs, cfg, now)

		if !reflect.DeepEqual(got.problems, want.problems) {
			t.Fatalf("poll %d: %d problems in halves, want the %d found serially, in order", poll, len(got.problems), len(want.problems))
		}
		if len(got.rigs) != len(want.rigs) {
			t.Fatalf("poll %d: findings about %d rigs, want %d", poll, len(got.rigs), len(want.rigs))
		}
		for ref, w := range want.rigs {
			if g := got.rigs[ref]; !reflect.DeepEqual(g, w) {
				t.Fatalf("poll %d, rig %s: findings %+v, want %+v", poll, ref.id, g, w)
			}
		}
		for _, p := range got.problems {
			slowFound = slowFound || p.Key.Kind == KindGPUSlow
		}
	}
	if !slowFound {
		t.Error("no slow GPU was found, so the history was not compared")
	}
	if !reflect.DeepEqual(halves.bootedSince, serial.bootedSince) {
		t.Error("the just_booted times differ")
	}
}
