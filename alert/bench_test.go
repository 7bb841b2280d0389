package alert

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"rigtop/panel"
)

var benchFarmSizes = []int{10, 100, 1000, 5000}

// writeFarm writes a generated farm of 8-GPU rigs to a file and returns a
// source reading it, as `rigtop FILE` would, on clock now.
func writeFarm(b *testing.B, rigs int, now func() time.Time) panel.Source {
	b.Helper()
	path := filepath.Join(b.TempDir(), "farm.json")
	if err := os.WriteFile(path, panel.GenerateFarmJSON(rigs, 8, 1), 0o600); err != nil {
		b.Fatal(err)
	}
	src, err := panel.ParseSource(path, panel.HTTPOptions{Now: now})
	if err != nil {
		b.Fatal(err)
	}
	return src
}

// BenchmarkPoll measures one poll of a file panel with the monitor the TUI
// and watch use: read, decode, rules, history and alert lifecycle. The clock
// moves a minute per poll, as at the default interval.
func BenchmarkPoll(b *testing.B) {
	for _, rigs := range benchFarmSizes {
		b.Run(fmt.Sprintf("rigs=%d", rigs), func(b *testing.B) {
			c := newClock()
			m, err := NewMonitor([]panel.Source{writeFarm(b, rigs, c.Now)}, MonitorOptions{Now: c.Now})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.Advance(time.Minute)
				m.Poll(context.Background())
			}
		})
	}
}

// BenchmarkSinglePoll measures the poll `rigtop check` makes.
func BenchmarkSinglePoll(b *testing.B) {
	for _, rigs := range benchFarmSizes {
		b.Run(fmt.Sprintf("rigs=%d", rigs), func(b *testing.B) {
			c := newClock()
			src := writeFarm(b, rigs, c.Now)
			b.ReportAllocs()
			for b.Loop() {
				m, err := NewSinglePollMonitor([]panel.Source{src}, MonitorOptions{Now: c.Now})
				if err != nil {
					b.Fatal(err)
				}
				m.Poll(context.Background())
			}
		})
	}
}

// movingSource serves a panel file as if every rig sent a new report
// before each poll: it shifts the report times and the panel clock by the
// time since the first fetch, so that every poll adds hash-rate samples.
type movingSource struct {
	panel.Source
	now   func() time.Time
	start time.Time
}

func (s *movingSource) Fetch(ctx context.Context) (panel.Snapshot, error) {
	snap, err := s.Source.Fetch(ctx)
	if err != nil {
		return snap, err
	}
	if s.start.IsZero() {
		s.start = s.now()
	}
	shift := s.now().Sub(s.start)
	snap.PanelTime = snap.PanelTime.Add(shift)
	for i := range snap.Rigs {
		snap.Rigs[i].ServerTime = snap.Rigs[i].ServerTime.Add(shift)
	}
	return snap, nil
}

// BenchmarkHourOfPolls runs an hour of polls at a 60 s interval, the
// default median window, on the 5,000-rig farm. It then reports the heap in
// use with the monitor and its last cycle alive, as the TUI keeps them, and
// the heap memory the runtime still holds from the system, which the
// polls' peaks left mapped. It reports memory, not time: run it with
// -benchtime 1x.
func BenchmarkHourOfPolls(b *testing.B) {
	c := newClock()
	src := &movingSource{Source: writeFarm(b, 5000, c.Now), now: c.Now}
	var heapInUse, heapMapped uint64
	for b.Loop() {
		m, err := NewMonitor([]panel.Source{src}, MonitorOptions{Now: c.Now})
		if err != nil {
			b.Fatal(err)
		}
		var cycle Cycle
		for range 60 {
			c.Advance(time.Minute)
			cycle = m.Poll(context.Background())
		}

		runtime.GC()
		var stats runtime.MemStats
		runtime.ReadMemStats(&stats)
		heapInUse = stats.HeapInuse
		heapMapped = stats.HeapSys - stats.HeapReleased
		if n := len(m.rules.history.rigs); n != len(cycle.Rigs) {
			b.Fatalf("history holds %d rigs, want all %d", n, len(cycle.Rigs))
		}
		runtime.KeepAlive(cycle)
	}
	b.ReportMetric(float64(heapInUse)/(1<<20), "MiB-heap-inuse")
	b.ReportMetric(float64(heapMapped)/(1<<20), "MiB-heap-mapped")
}
