package alert

import (
	"testing"
	"time"
	"unsafe"

	"rigtop/panel"
)

// addSample stores v in the rig total's series at t.
func addSample(rh *rigHistory, t time.Time, width time.Duration, v float64) {
	rh.hash.set(rh.slotFor(t, width), v)
}

func TestSeriesMedian(t *testing.T) {
	width := 2 * time.Minute
	var rh rigHistory
	// Odd count: 10 30 20 40 25 sorts to 10 20 25 30 40.
	for i, v := range []float64{10, 30, 20, 40, 25} {
		addSample(&rh, t0.Add(time.Duration(i)*width), width, v)
	}
	now := t0.Add(4 * width)
	if got, n := rh.median(&rh.hash, now, width); got != 25 || n != 5 {
		t.Errorf("median of 5 = %v over %d, want 25 over 5", got, n)
	}
	// Even count: adding 100 gives 10 20 25 30 40 100, median (25+30)/2.
	addSample(&rh, t0.Add(5*width), width, 100)
	if got, n := rh.median(&rh.hash, t0.Add(5*width), width); got != 27.5 || n != 6 {
		t.Errorf("median of 6 = %v over %d, want 27.5 over 6", got, n)
	}
}

func TestSeriesBucketKeepsLatest(t *testing.T) {
	width := 2 * time.Minute
	var rh rigHistory
	addSample(&rh, t0, width, 10)
	addSample(&rh, t0.Add(30*time.Second), width, 50)
	if got, n := rh.median(&rh.hash, t0.Add(time.Minute), width); got != 50 || n != 1 {
		t.Errorf("median = %v over %d, want the later sample 50 over 1", got, n)
	}
}

func TestSeriesWindowExpires(t *testing.T) {
	width := 2 * time.Minute
	var rh rigHistory
	addSample(&rh, t0, width, 10)
	addSample(&rh, t0.Add(30*width), width, 20)
	// 30 buckets later the first sample's slot is reused by the second.
	if got, n := rh.median(&rh.hash, t0.Add(30*width), width); got != 20 || n != 1 {
		t.Errorf("median = %v over %d, want 20 over 1", got, n)
	}
	var old rigHistory
	addSample(&old, t0, width, 10)
	if _, n := old.median(&old.hash, t0.Add(30*width), width); n != 0 {
		t.Errorf("a sample 30 buckets old still counts: %d samples", n)
	}
	if _, n := old.median(&old.hash, t0.Add(29*width), width); n != 1 {
		t.Errorf("a sample 29 buckets old no longer counts: %d samples", n)
	}
	if _, n := old.median(&old.hash, t0.Add(-width), width); n != 0 {
		t.Errorf("a sample from the future counts: %d samples", n)
	}
}

// TestSeriesSlotReuseDropsUnknown checks that a series whose reading was
// unknown at a poll has no sample in that poll's slot, even though the rig
// total's sample claimed the slot and an older bucket had left one there.
func TestSeriesSlotReuseDropsUnknown(t *testing.T) {
	width := 2 * time.Minute
	h := newHistory(30 * width)
	rh := h.rig(rigRef{"farm", "r1"}, t0)
	rig := testRig("r1", "", 20, 30)
	rig.ServerTime = t0
	h.record(rh, rig, t0)

	// 30 buckets later the slot is the same; GPU 1's reading is unknown.
	later := t0.Add(30 * width)
	rig = withGPUHash(rig, 0, 25)
	rig.GPUs[1].Hash = panel.Reading{}
	rig.ServerTime = later
	h.record(rh, rig, later)

	if got, n := h.gpuMedian(rh, 0, later); got != 25 || n != 1 {
		t.Errorf("GPU 0 median = %v over %d, want 25 over 1", got, n)
	}
	if _, n := h.gpuMedian(rh, 1, later); n != 0 {
		t.Errorf("GPU 1 has %d samples, want none: its only reading expired and the new one is unknown", n)
	}
}

func TestHistoryMemoryBound(t *testing.T) {
	// 5,000 rigs × (8 GPUs + the rig total) series at 124 bytes each.
	if size := unsafe.Sizeof(series{}); size != 124 {
		t.Fatalf("series takes %d bytes, want 124", size)
	}
	perRig := unsafe.Sizeof(rigHistory{}) + 8*unsafe.Sizeof(series{})
	total := 5000 * perRig
	if total > 7<<20 {
		t.Errorf("5,000 rigs of 8 GPUs take %d bytes, want at most 7 MiB", total)
	}
}

func TestHistoryRecordsReportOnce(t *testing.T) {
	h := newHistory(time.Hour)
	rig := testRig("r1", "", 20)
	rig.ServerTime = t0
	rh := h.rig(rigRef{"farm", "r1"}, t0)
	h.record(rh, rig, t0)
	// The same report seen again four minutes later is not a new sample.
	h.record(rh, withGPUHash(rig, 0, 99), t0.Add(4*time.Minute))
	if got, n := h.gpuMedian(rh, 0, t0.Add(4*time.Minute)); got != 20 || n != 1 {
		t.Errorf("median = %v over %d, want 20 over 1", got, n)
	}
}

func TestHistoryPrune(t *testing.T) {
	h := newHistory(time.Hour)
	h.rig(rigRef{"farm", "gone"}, t0)
	h.rig(rigRef{"farm", "kept"}, t0.Add(30*time.Minute))
	h.prune(t0.Add(61 * time.Minute))
	if _, ok := h.rigs[rigRef{"farm", "gone"}]; ok {
		t.Error("rig unseen for 61 minutes is still kept")
	}
	if _, ok := h.rigs[rigRef{"farm", "kept"}]; !ok {
		t.Error("rig seen 31 minutes ago was dropped")
	}
}
