package tui

import (
	"fmt"
	"testing"
	"time"

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

// BenchmarkView measures one frame of the rig table. Only the visible rows
// are formatted, so the cost must not grow with the farm.
func BenchmarkView(b *testing.B) {
	for _, rigs := range farmSizes {
		b.Run(fmt.Sprintf("rigs=%d", rigs), func(b *testing.B) {
			msg := generatedCycle(b, rigs)
			m := newTestModel(&testing.T{}, "en", 120, 35, msg.cycle)
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
