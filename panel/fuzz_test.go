package panel

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func FuzzDecode(f *testing.F) {
	for _, body := range samplePanels(f) {
		f.Add(body)
	}
	for _, seed := range []string{
		`{"rigs":{"a":"x","b":{"gpus":"99","meminfo":"GPU0:01:00.0:A:b:c"}}}`,
		`{"rigs":[],"per_info":{"m":{"current_time":"1e3"}}}`,
		`{"rigs":{"\u001b[31m":{"temp":"1 2 3","gpus":false}}}`,
		`{"rigs":{"a\u00e9":{"rack_loc":"\ud83d\ude80\\ \ud800","gpus":"2","meminfo":"GPU0:01:00.0:A\/B:v:m\nGPU1:02.00.0:\\n:v"}}}`,
		"\x1b$B$\"\x1b(B",
		`<html>`,
		``,
	} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		snap, err := Decode(body, "fuzz", time.Unix(1700000000, 0))
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is %T, want *DecodeError", err, err)
			}
			return
		}
		checkSnapshotInvariants(t, snap)
	})
}

// checkSnapshotInvariants checks what every decoded snapshot guarantees.
func checkSnapshotInvariants(t *testing.T, snap Snapshot) {
	t.Helper()
	if !slices.IsSortedFunc(snap.Rigs, func(a, b Rig) int { return strings.Compare(a.ID, b.ID) }) {
		t.Fatalf("rigs not sorted: %v", rigIDs(snap))
	}
	for i, r := range snap.Rigs {
		if i > 0 && snap.Rigs[i-1].ID == r.ID {
			t.Fatalf("rig id %q listed twice", r.ID)
		}
		for _, s := range []string{r.ID, r.Label, string(r.Condition), r.Version, r.Driver, r.Miner, r.IP, r.Pool,
			r.Motherboard, r.LANChip, r.DriveName, r.BIOSVersion, r.ConnectedDisplays, r.Flags, r.PDUName, r.PDUPort, r.PDUIP} {
			if Sanitize(s) != s {
				t.Fatalf("rig %q has unsanitised text %q", r.ID, s)
			}
		}
		if len(r.GPUs) > maxGPUsPerRig {
			t.Fatalf("rig %q has %d GPUs", r.ID, len(r.GPUs))
		}
		for j, g := range r.GPUs {
			if g.Index != j {
				t.Fatalf("rig %q GPU %d has Index %d", r.ID, j, g.Index)
			}
			for _, s := range []string{g.Info().Model, g.Info().Bus, g.Info().VBIOS, g.Info().Memory} {
				if Sanitize(s) != s {
					t.Fatalf("rig %q GPU %d has unsanitised text %q", r.ID, j, s)
				}
			}
		}
		if r.ReportAge.Known && r.ReportAge.Value < 0 {
			t.Fatalf("rig %q ReportAge %v is negative", r.ID, r.ReportAge.Value)
		}
	}
	for _, e := range snap.RigErrors {
		if Sanitize(e.RigID) != e.RigID {
			t.Fatalf("RigError id %q is unsanitised", e.RigID)
		}
	}
}
