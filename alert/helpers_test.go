package alert

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"rigtop/locale"
	"rigtop/panel"
)

var (
	en = locale.New(locale.English)
	ja = locale.New(locale.Japanese)
)

// t0 is the start of every test's clock.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// clock is an injected clock that moves only when the test calls Advance.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeSource serves whatever snapshot or error the test set last.
type fakeSource struct {
	name string
	mu   sync.Mutex
	snap panel.Snapshot
	err  error
}

func newFakeSource(name string, rigs ...panel.Rig) *fakeSource {
	s := &fakeSource{name: name}
	s.set(rigs...)
	return s
}

func (s *fakeSource) Name() string { return s.name }

func (s *fakeSource) Fetch(ctx context.Context) (panel.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return panel.Snapshot{}, err
	}
	return s.snap, s.err
}

// set serves rigs from the next fetch on.
func (s *fakeSource) set(rigs ...panel.Rig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range rigs {
		rigs[i].Panel = s.name
	}
	s.snap = panel.Snapshot{Source: s.name, Rigs: rigs, PanelClockKnown: true}
	s.err = nil
}

// fail makes the next fetches fail with err.
func (s *fakeSource) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// testRig returns a healthy mining rig with one GPU per hash rate given,
// each at 60 °C with its fan at 2000 RPM, reporting 60 s ago.
func testRig(id, label string, gpuHashes ...float64) panel.Rig {
	r := panel.Rig{
		ID:           id,
		Label:        label,
		Condition:    panel.Mining,
		Miner:        "claymore",
		GPUsDetected: panel.Some(len(gpuHashes)),
		GPUsHashing:  panel.Some(len(gpuHashes)),
		ReportAge:    panel.Some(time.Minute),
		Uptime:       panel.Some(5 * time.Hour),
	}
	total := 0.0
	for i, h := range gpuHashes {
		r.GPUs = append(r.GPUs, panel.GPU{
			Index:  i,
			Hash:   panel.KnownReading(h),
			TempC:  panel.KnownReading(60.0),
			FanRPM: panel.KnownReading(2000.0),
		})
		total += h
	}
	r.Hash = panel.Some(total)
	return r
}

// withCondition returns r in condition c.
func withCondition(r panel.Rig, c panel.Condition) panel.Rig {
	r.Condition = c
	return r
}

// withTemp returns r with GPU i at tempC.
func withTemp(r panel.Rig, i int, tempC float64) panel.Rig {
	r.GPUs = append([]panel.GPU(nil), r.GPUs...)
	r.GPUs[i].TempC = panel.KnownReading(tempC)
	return r
}

// withGPUHash returns r with GPU i at hash and the rig total adjusted.
func withGPUHash(r panel.Rig, i int, hash float64) panel.Rig {
	r.GPUs = append([]panel.GPU(nil), r.GPUs...)
	r.Hash = panel.Some(r.Hash.Value - r.GPUs[i].Hash.Value() + hash)
	r.GPUs[i].Hash = panel.KnownReading(hash)
	return r
}

// logBuffer returns a logger writing text lines to the returned buffer.
func logBuffer() (*slog.Logger, *syncBuffer) {
	var buf syncBuffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTestMonitor returns a monitor of sources on clock c with cfg.
func newTestMonitor(t *testing.T, c *clock, cfg Config, statePath string, sources ...panel.Source) *Monitor {
	t.Helper()
	m, err := NewMonitor(sources, MonitorOptions{Config: cfg, Now: c.Now, StatePath: statePath})
	if err != nil {
		t.Fatalf("NewMonitor: %v", err)
	}
	return m
}

// findAlert returns the alert with key k.
func findAlert(alerts []Alert, k Key) (Alert, bool) {
	for _, a := range alerts {
		if a.Key == k {
			return a, true
		}
	}
	return Alert{}, false
}

// keysOf returns the keys of alerts, in order.
func keysOf(alerts []Alert) []Key {
	var keys []Key
	for _, a := range alerts {
		keys = append(keys, a.Key)
	}
	return keys
}

func gpuKey(panelName, rigID string, gpu int, kind Kind) Key {
	return Key{Panel: panelName, RigID: rigID, GPU: gpu, Kind: kind}
}

func rigKey(panelName, rigID string, kind Kind) Key {
	return Key{Panel: panelName, RigID: rigID, GPU: NoGPU, Kind: kind}
}
