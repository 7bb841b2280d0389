package alert

import (
	"math"
	"slices"
	"time"

	"rigtop/panel"
)

// historyBuckets is how many samples a series keeps: the median window is
// cut into this many equal buckets, each holding the latest sample that fell
// into it. With the default one-hour window a bucket is 2 minutes, about
// as often as an ethOS rig reports (every 120 s in its first hour, every
// 180 s after), so bucketing loses almost nothing.
const historyBuckets = 30

// minMedianSamples is how many samples a median needs before the slow-GPU
// and hash-drop rules trust it.
const minMedianSamples = 5

// maxHistoryGPUs bounds the GPU series kept per rig, so that a malformed
// panel cannot make the monitor allocate without limit.
const maxHistoryGPUs = 64

// series is a ring of hash-rate samples over the median window, one slot
// per bucket. The slots' buckets are kept once per rig, in rigHistory,
// since a rig's series are all recorded at the same polls. A series takes
// 124 bytes, so 5,000 rigs of 8 GPUs (45,000 series with the rig totals)
// take about 5.6 MB.
type series struct {
	values [historyBuckets]float32
	// valid has bit i set when values[i] holds a sample of the bucket in
	// the rig's slot i. A reading that was unknown leaves the bit clear.
	valid uint32
}

func bucketOf(t time.Time, width time.Duration) uint32 {
	return uint32(t.Unix() / int64(width/time.Second))
}

// set stores v as the sample in slot.
func (s *series) set(slot int, v float64) {
	s.values[slot] = float32(v)
	s.valid |= 1 << slot
}

// rigHistory is the recent hash rate of one rig and of each of its GPUs.
type rigHistory struct {
	// buckets holds, per slot, the number of the bucket whose samples are
	// stored there plus one (time in seconds divided by the bucket width);
	// 0 marks an empty slot.
	buckets [historyBuckets]uint32
	hash    series
	gpus    []series
	// lastReport is the server_time of the last recorded report, so that a
	// report seen on several polls is recorded once.
	lastReport time.Time
	lastSeen   time.Time
}

// slotFor returns the slot of the bucket t falls into. A slot that held an
// older bucket is emptied in every series first.
func (rh *rigHistory) slotFor(t time.Time, width time.Duration) int {
	b := bucketOf(t, width)
	slot := int(b % historyBuckets)
	if rh.buckets[slot] != b+1 {
		rh.buckets[slot] = b + 1
		rh.hash.valid &^= 1 << slot
		for i := range rh.gpus {
			rh.gpus[i].valid &^= 1 << slot
		}
	}
	return slot
}

// median returns the median of the samples of s within the window ending
// at now and how many samples it was taken over.
func (rh *rigHistory) median(s *series, now time.Time, width time.Duration) (float64, int) {
	current := bucketOf(now, width)
	var window [historyBuckets]float32
	n := 0
	for slot, stored := range rh.buckets {
		if stored == 0 || s.valid&(1<<slot) == 0 {
			continue
		}
		b := stored - 1
		if b > current || current-b >= historyBuckets {
			continue
		}
		window[n] = s.values[slot]
		n++
	}
	if n == 0 {
		return 0, 0
	}
	samples := window[:n]
	slices.Sort(samples)
	if n%2 == 1 {
		return float64(samples[n/2]), n
	}
	return (float64(samples[n/2-1]) + float64(samples[n/2])) / 2, n
}

// rigRef names a rig across panels.
type rigRef struct {
	panel, id string
}

// history holds the recent samples of every rig for the median rules.
type history struct {
	window time.Duration
	rigs   map[rigRef]*rigHistory
	// off is set on a monitor that polls once: it records nothing, and every
	// median has no samples.
	off bool
}

func newHistory(window time.Duration) *history {
	return &history{window: window, rigs: map[rigRef]*rigHistory{}}
}

// width returns the bucket width, at least one second.
func (h *history) width() time.Duration {
	return max(h.window/historyBuckets, time.Second)
}

// rig returns the history of a rig, creating it when absent. It returns nil
// when the history is off, and the other methods take nil as a rig with no
// samples.
func (h *history) rig(ref rigRef, now time.Time) *rigHistory {
	if h.off {
		return nil
	}
	rh := h.rigs[ref]
	if rh == nil {
		rh = &rigHistory{}
		h.rigs[ref] = rh
	}
	rh.lastSeen = now
	return rh
}

// record stores the rig's current hash rates unless this report was already
// recorded. Unknown values are skipped, never stored as zero.
func (h *history) record(rh *rigHistory, rig panel.Rig, now time.Time) {
	if rh == nil {
		return
	}
	if !rig.ServerTime.IsZero() && rig.ServerTime.Equal(rh.lastReport) {
		return
	}
	rh.lastReport = rig.ServerTime
	if rh.gpus == nil {
		// Most rigs keep the same GPUs, so one allocation of their number
		// serves every later poll.
		rh.gpus = make([]series, 0, min(len(rig.GPUs), maxHistoryGPUs))
	}
	for _, gpu := range rig.GPUs {
		if gpu.Index >= len(rh.gpus) && gpu.Index < maxHistoryGPUs {
			rh.gpus = append(rh.gpus, make([]series, gpu.Index+1-len(rh.gpus))...)
		}
	}

	slot := rh.slotFor(now, h.width())
	if v, ok := finite(rig.Hash); ok {
		rh.hash.set(slot, v)
	}
	for _, gpu := range rig.GPUs {
		if gpu.Index < 0 || gpu.Index >= maxHistoryGPUs {
			continue
		}
		if v, ok := finite(gpu.Hash.Opt()); ok {
			rh.gpus[gpu.Index].set(slot, v)
		}
	}
}

// gpuMedian returns the median hash rate of one GPU over the window.
func (h *history) gpuMedian(rh *rigHistory, index int, now time.Time) (float64, int) {
	if rh == nil || index < 0 || index >= len(rh.gpus) {
		return 0, 0
	}
	return rh.median(&rh.gpus[index], now, h.width())
}

// rigMedian returns the median total hash rate of a rig over the window.
func (h *history) rigMedian(rh *rigHistory, now time.Time) (float64, int) {
	if rh == nil {
		return 0, 0
	}
	return rh.median(&rh.hash, now, h.width())
}

// prune drops rigs not seen for longer than the window, whose samples have
// all expired.
func (h *history) prune(now time.Time) {
	for ref, rh := range h.rigs {
		if now.Sub(rh.lastSeen) > h.window {
			delete(h.rigs, ref)
		}
	}
}

// finite returns a known, finite, non-negative reading.
func finite(v panel.Opt[float64]) (float64, bool) {
	if !v.Known || math.IsNaN(v.Value) || math.IsInf(v.Value, 0) || v.Value < 0 {
		return 0, false
	}
	return v.Value, true
}
