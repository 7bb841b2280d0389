package panel

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestGenerateFarmJSON(t *testing.T) {
	body := GenerateFarmJSON(1000, 8, 42)
	if !bytes.Equal(body, GenerateFarmJSON(1000, 8, 42)) {
		t.Error("the same seed gives different bytes")
	}
	if bytes.Equal(body, GenerateFarmJSON(1000, 8, 43)) {
		t.Error("different seeds give the same bytes")
	}

	snap, err := Decode(body, "generated", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Rigs) != 1000 || len(snap.RigErrors) != 0 {
		t.Fatalf("%d rigs, RigErrors %v; want 1000", len(snap.Rigs), snap.RigErrors)
	}
	count := map[Condition]int{}
	for _, r := range snap.Rigs {
		count[r.Condition]++
		if len(r.GPUs) != 8 {
			t.Fatalf("rig %s has %d GPUs, want 8", r.ID, len(r.GPUs))
		}
		if r.GPUs[7].Info().Model == "" || !r.GPUs[7].Hash.Known() {
			t.Fatalf("rig %s GPU 7: %+v", r.ID, r.GPUs[7])
		}
	}
	// The shares in the doc comment are probabilities; 1,000 rigs land near them.
	for cond, want := range map[Condition]int{Unreachable: 30, NoHash: 20, JustBooted: 20, Throttle: 10} {
		if got := count[cond]; got < want/3 || got > want*3 {
			t.Errorf("%d rigs %s, want about %d", got, cond, want)
		}
	}
	if count[Mining] < 850 {
		t.Errorf("%d rigs mining, want about 920", count[Mining])
	}
	wantInt(t, "Totals.TotalRigs", snap.Totals.TotalRigs, 1000)
	wantInt(t, "Totals.TotalGPUs", snap.Totals.TotalGPUs, 8000)
}

func TestGenerateFarmJSONSize(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 8.6 MB")
	}
	if n := len(GenerateFarmJSON(5000, 8, 1)); n < 8_400_000 || n > 8_800_000 {
		t.Errorf("5,000 rigs of 8 GPUs: %d bytes, want the 8.6 MB the doc comment states", n)
	}
}

func TestGenerateFarmJSONEmpty(t *testing.T) {
	snap, err := Decode(GenerateFarmJSON(0, 8, 1), "generated", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Rigs) != 0 {
		t.Errorf("%d rigs, want 0", len(snap.Rigs))
	}
}

// BenchmarkDecode decodes generated farms of 8-GPU rigs. On a shared
// 2-core AMD EPYC virtual machine the 5,000-rig panel (8.6 MB) took about
// 51 ms per decode, where json.Valid alone takes about 43 ms.
func BenchmarkDecode(b *testing.B) {
	for _, rigs := range []int{10, 100, 1000, 5000} {
		body := GenerateFarmJSON(rigs, 8, 1)
		b.Run(fmt.Sprintf("rigs=%d", rigs), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(body, "bench", time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFileFetch fetches generated farms from a file, which the file
// source decodes as it reads. It turns off the tests' overwriting of freed
// stream parts, which would take a tenth of the time.
func BenchmarkFileFetch(b *testing.B) {
	poisonFreedParts = false
	b.Cleanup(func() { poisonFreedParts = true })
	for _, rigs := range []int{1000, 5000} {
		body := GenerateFarmJSON(rigs, 8, 1)
		path := filepath.Join(b.TempDir(), "farm.json")
		if err := os.WriteFile(path, body, 0o600); err != nil {
			b.Fatal(err)
		}
		src, err := ParseSource(path, HTTPOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("rigs=%d", rigs), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := src.Fetch(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
