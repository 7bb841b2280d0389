package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"rigtop/locale"
	"rigtop/panel"
)

// PanelStatus is one source's state after a poll.
type PanelStatus struct {
	Name string
	// Snapshot is the last good snapshot; it is kept when a later fetch fails.
	Snapshot panel.Snapshot
	// Err is the error of the latest fetch, nil when it succeeded.
	Err error
	// LastOK is when the source was last read successfully; zero if never.
	LastOK time.Time
	// Stale reports whether Snapshot is older than the latest poll.
	Stale bool
}

// Cycle is the outcome of one poll and evaluation. It is a copy: the
// receiver may keep and read it while the next poll runs.
type Cycle struct {
	At     time.Time
	Panels []PanelStatus
	// Rigs of every panel, last good data for panels that failed this poll.
	Rigs []panel.Rig
	// Alerts that are pending, firing or recently resolved, worst first.
	Alerts []Alert
	// Notification holds what fired or resolved in this evaluation; nil when
	// there is nothing to announce.
	Notification *Notification
}

// Monitor polls every source, evaluates the rules and tracks alert state.
// Its methods are safe for concurrent use: the TUI polls from a command
// while silences are set from the key handler. Fetches run without holding
// the lock, so a slow panel does not delay Silence or Alerts.
type Monitor struct {
	// pollMu lets one poll run at a time.
	pollMu sync.Mutex

	// mu guards everything below it.
	mu       sync.Mutex
	cfg      Config
	now      func() time.Time
	log      *slog.Logger
	printer  *locale.Printer
	panels   []*panelState
	rules    *rules
	engine   *engine
	silences silences
	// loadWarning is the reason the saved state could not be restored.
	loadWarning error

	store *stateStore
}

// panelState is the monitor's record of one source.
type panelState struct {
	source      panel.Source
	name        string
	snapshot    panel.Snapshot
	hasSnapshot bool
	err         error
	lastOK      time.Time
	// failingSince is when the current run of failed fetches began; zero
	// while the source is read successfully.
	failingSince time.Time
}

// MonitorOptions configure NewMonitor.
type MonitorOptions struct {
	// Config holds thresholds and timings; the zero Config means
	// DefaultConfig().
	Config Config
	// StatePath is the file alert state and silences are saved to; empty
	// means nothing is saved.
	StatePath string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives state, fetch and recovery messages; nil discards them.
	Logger *slog.Logger
	// Printer is the language of log messages; nil means English.
	Printer *locale.Printer
}

// NewMonitor returns a monitor of sources with the alert state and silences
// saved at StatePath restored. A state file that cannot be read or decoded
// is not an error: the monitor starts with empty state, logs why, and
// reports it through StateWarning. The error is for an invalid config or
// two sources with the same name.
func NewMonitor(sources []panel.Source, opts MonitorOptions) (*Monitor, error) {
	cfg := opts.Config
	if reflect.ValueOf(cfg).IsZero() {
		cfg = DefaultConfig()
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("create monitor: %w", err)
	}
	m := &Monitor{
		cfg:     cfg,
		now:     opts.Now,
		log:     opts.Logger,
		printer: opts.Printer,
		rules:   newRules(time.Duration(cfg.MedianWindow)),
		engine:  newEngine(),
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.log == nil {
		m.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if m.printer == nil {
		m.printer = locale.New(locale.English)
	}

	names := map[string]bool{}
	for _, src := range sources {
		name := src.Name()
		if names[name] {
			return nil, fmt.Errorf("create monitor: duplicate source %q", name)
		}
		names[name] = true
		m.panels = append(m.panels, &panelState{source: src, name: name})
	}

	if opts.StatePath != "" {
		m.store = &stateStore{path: opts.StatePath}
		m.restore()
	}
	return m, nil
}

// Poll fetches every source concurrently, evaluates the rules and returns
// the result. When ctx is cancelled during the fetch nothing is evaluated
// and the returned cycle carries no notification.
func (m *Monitor) Poll(ctx context.Context) Cycle {
	m.pollMu.Lock()
	defer m.pollMu.Unlock()

	results := m.fetchAll(ctx)
	if ctx.Err() != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.cycleLocked(m.now(), nil)
	}

	m.mu.Lock()
	now := m.now()
	f := newFindings()
	for i, ps := range m.panels {
		m.applyFetch(f, ps, results[i], now)
	}
	m.rules.forget(now)
	m.silences.expire(now)
	firing, resolved := m.engine.evaluate(now, f, m.cfg, m.silences.matcher(now))

	var n *Notification
	if len(firing) > 0 || len(resolved) > 0 {
		n = &Notification{At: now, Firing: firing, Resolved: resolved}
	}
	cycle := m.cycleLocked(now, n)
	state := m.stateLocked()
	m.mu.Unlock()

	m.save(state)
	return cycle
}

type fetchResult struct {
	snapshot panel.Snapshot
	err      error
}

func (m *Monitor) fetchAll(ctx context.Context) []fetchResult {
	results := make([]fetchResult, len(m.panels))
	var wg sync.WaitGroup
	for i, ps := range m.panels {
		wg.Go(func() {
			snap, err := ps.source.Fetch(ctx)
			results[i] = fetchResult{snapshot: snap, err: err}
		})
	}
	wg.Wait()
	return results
}

// applyFetch records one source's fetch result and runs the rules on its
// rigs. A failed source keeps its last snapshot, and its rigs' alerts keep
// their state: a dead panel is not a farm of dead rigs.
func (m *Monitor) applyFetch(f *findings, ps *panelState, res fetchResult, now time.Time) {
	if res.err != nil {
		if ps.err == nil || ps.err.Error() != res.err.Error() {
			m.log.Warn(m.printer.T("alert.log.fetch_failed"), "panel", ps.name, "error", res.err)
		}
		ps.err = res.err
		if ps.failingSince.IsZero() {
			ps.failingSince = now
		}
		f.unknownPanels[ps.name] = true
		if p := sourceProblem(ps.name, ps.failingSince, res.err, m.cfg, now); p != nil {
			f.add(*p)
		}
		return
	}

	if ps.err != nil {
		m.log.Info(m.printer.T("alert.log.fetch_recovered"), "panel", ps.name,
			"failed_for", now.Sub(ps.failingSince).Round(time.Second))
	}
	ps.err = nil
	ps.failingSince = time.Time{}
	ps.snapshot = res.snapshot
	ps.hasSnapshot = true
	ps.lastOK = now
	for _, rig := range res.snapshot.Rigs {
		m.rules.evaluateRig(f, ps.name, rig, m.cfg, now)
	}
	for _, re := range res.snapshot.RigErrors {
		f.unknownRigs[rigRef{ps.name, re.RigID}] = true
	}
}

func (m *Monitor) cycleLocked(now time.Time, n *Notification) Cycle {
	c := Cycle{At: now, Notification: n}
	for _, ps := range m.panels {
		c.Panels = append(c.Panels, PanelStatus{
			Name:     ps.name,
			Snapshot: ps.snapshot,
			Err:      ps.err,
			LastOK:   ps.lastOK,
			Stale:    ps.err != nil && ps.hasSnapshot,
		})
		c.Rigs = append(c.Rigs, ps.snapshot.Rigs...)
	}
	c.Alerts = m.engine.list(m.silences.matcher(now))
	return c
}

// Alerts returns every pending, firing and recently resolved alert, worst
// first, with Silenced reflecting the silences in force now.
func (m *Monitor) Alerts() []Alert {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.engine.list(m.silences.matcher(m.now()))
}

// Silence mutes announcements of the alerts s matches, replacing any
// silence of the same key, and saves the state. An alert whose firing was
// muted is announced on the first poll after the silence ends, if it still
// holds.
func (m *Monitor) Silence(s Silence) error {
	m.mu.Lock()
	now := m.now()
	if err := s.validate(now); err != nil {
		m.mu.Unlock()
		return err
	}
	m.silences.add(s, now)
	state := m.stateLocked()
	m.mu.Unlock()

	m.save(state)
	return nil
}

// Unsilence lifts the silence with this id and saves the state. It returns
// an error wrapping ErrSilenceNotFound for an unknown id.
func (m *Monitor) Unsilence(id string) error {
	m.mu.Lock()
	if err := m.silences.remove(id); err != nil {
		m.mu.Unlock()
		return err
	}
	state := m.stateLocked()
	m.mu.Unlock()

	m.save(state)
	return nil
}

// Silences returns the silences in force, oldest first.
func (m *Monitor) Silences() []Silence {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.silences.copyList(m.now())
}

// StateWarning returns why the saved state could not be restored at start,
// or why the latest save failed; nil when neither happened.
func (m *Monitor) StateWarning() error {
	m.mu.Lock()
	loadWarning := m.loadWarning
	m.mu.Unlock()
	if m.store == nil {
		return loadWarning
	}
	return errors.Join(loadWarning, m.store.lastError())
}
