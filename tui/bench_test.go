package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rigtop/alert"
	"rigtop/panel"
)

var farmSizes = []int{10, 100, 1000, 5000}

func generatedCycle(b *testing.B, rigs int) pollDoneMsg {
	b.Helper()
	body := panel.GenerateFarmJSON(rigs, 8, 1)
	snap, err := panel.Decode(body, "farm1", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return pollMsgOf(cycleOf(snap))
}

// BenchmarkView measures one frame of the rig table drawn from scratch, as
// after a key press or a poll. Only the visible rows are formatted, so the
// cost must not grow with the farm.
func BenchmarkView(b *testing.B) {
	for _, rigs := range farmSizes {
		b.Run(fmt.Sprintf("rigs=%d", rigs), func(b *testing.B) {
			msg := generatedCycle(b, rigs)
			m := newTestModel(&testing.T{}, "en", 120, 35, msg.cycle)
			m.table.cache = nil
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkBuildRows measures the part of a refresh done after the poll:
// the rows and totals the table draws from.
func BenchmarkBuildRows(b *testing.B) {
	for _, rigs := range farmSizes {
		b.Run(fmt.Sprintf("rigs=%d", rigs), func(b *testing.B) {
			msg := generatedCycle(b, rigs)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = buildRows(msg.cycle, sortProblems)
				_ = computeTotals(msg.cycle)
			}
		})
	}
}

// BenchmarkApplyPoll measures what a finished poll costs the UI goroutine.
func BenchmarkApplyPoll(b *testing.B) {
	for _, rigs := range farmSizes {
		b.Run(fmt.Sprintf("rigs=%d", rigs), func(b *testing.B) {
			msg := generatedCycle(b, rigs)
			m := newTestModel(&testing.T{}, "en", 120, 35, msg.cycle)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				m.polling = true
				next, _ := m.Update(msg)
				m = next.(Model)
			}
		})
	}
}

// BenchmarkRefresh measures one whole refresh as the monitor's poll
// command runs it, off the UI goroutine: read and decode a panel file,
// evaluate the alerts, build the rows and totals. The clock moves a minute
// per refresh, as at the default interval, so the alert history grows as in
// a real session.
func BenchmarkRefresh(b *testing.B) {
	for _, rigs := range farmSizes {
		b.Run(fmt.Sprintf("rigs=%d", rigs), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "farm.json")
			if err := os.WriteFile(path, panel.GenerateFarmJSON(rigs, 8, 1), 0o600); err != nil {
				b.Fatal(err)
			}
			now := testNow
			clock := func() time.Time { return now }
			src, err := panel.ParseSource(path, panel.HTTPOptions{Now: clock})
			if err != nil {
				b.Fatal(err)
			}
			monitor, err := alert.NewMonitor([]panel.Source{src}, alert.MonitorOptions{Now: clock})
			if err != nil {
				b.Fatal(err)
			}
			refresh := pollCmd(context.Background(), monitor, nil, sortProblems)
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(time.Minute)
				msg := refresh().(pollDoneMsg)
				if len(msg.rows) != rigs {
					b.Fatalf("%d rows, want %d", len(msg.rows), rigs)
				}
			}
		})
	}
}

// BenchmarkClockTick measures what the once-a-second clock tick costs an
// idle monitor: the update and the frame the renderer then compares, whose
// table is the cached one.
func BenchmarkClockTick(b *testing.B) {
	for _, rigs := range farmSizes {
		b.Run(fmt.Sprintf("rigs=%d", rigs), func(b *testing.B) {
			msg := generatedCycle(b, rigs)
			m := newTestModel(&testing.T{}, "en", 120, 35, msg.cycle)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				next, _ := m.Update(clockMsg{})
				m = next.(Model)
				_ = m.View()
			}
		})
	}
}
