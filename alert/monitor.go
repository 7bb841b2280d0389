package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
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
	// NextFetch is, while the source fails, the earliest time it is fetched
	// again: after its backoff and any Retry-After the server sent. Polls
	// before it keep Err and the last snapshot. Zero while the source is
	// read successfully.
	NextFetch time.Time
	// Failures counts the fetches that failed in a row.
	Failures int
}

// Cycle is the outcome of one poll and evaluation. It is a copy: the
// receiver may keep and read it while the next poll runs.
type Cycle struct {
	At     time.Time
	Panels []PanelStatus
	// Rigs of every panel, last good data for panels that failed this poll.
	// With one panel it is that panel's snapshot's own slice, not a copy:
	// a snapshot is never changed once decoded, and a copy of 5,000 rigs
	// would cost 2.9 MB per poll. Callers must not modify it.
	Rigs []panel.Rig
	// Alerts that are pending, firing or recently resolved, worst first.
	Alerts []Alert
	// Notification holds what fired or resolved in this evaluation; nil when
	// there is nothing to announce.
	Notification *Notification
	// StateWarning is the error of the latest failed save of the alert
	// state. The first poll's cycle also carries the error that kept the
	// state from being restored at start. It is nil when neither applies.
	StateWarning error
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
	// loadWarningReported is set once a cycle carried loadWarning.
	loadWarningReported bool
	// interval is the time between the caller's polls; 0 turns backoff off.
	interval time.Duration

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
	// rigErrors is the text of the rigs the latest snapshot could not
	// decode, so that the log names them when they change, not every poll.
	rigErrors string

	retry retryState
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
	// Interval is the time between the caller's polls. A source that has
	// failed for longer than Config.StaleAfter, so that its unreachable
	// alert fires, is then fetched less often: on every 2nd, 4th, 8th…
	// poll, at most MaxBackoff apart. 0 fetches every source at every poll.
	// A server's Retry-After is honoured either way.
	Interval time.Duration
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
		cfg:      cfg,
		now:      opts.Now,
		log:      opts.Logger,
		printer:  opts.Printer,
		interval: max(opts.Interval, 0),
		rules:    newRules(time.Duration(cfg.MedianWindow)),
		engine:   newEngine(),
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

// Poll fetches every source that is due concurrently, evaluates the rules
// and returns the result. A source that is backing off after failed
// fetches, or waiting out the Retry-After its server sent, is not fetched:
// it keeps its last error and snapshot until it is due. When ctx is
// cancelled during the fetch nothing is evaluated and the returned cycle
// carries no notification.
func (m *Monitor) Poll(ctx context.Context) Cycle {
	return m.poll(ctx, false)
}

// PollNow is Poll for a refresh the operator asked for: it also fetches the
// sources that are backing off. A server's Retry-After is still honoured.
func (m *Monitor) PollNow(ctx context.Context) Cycle {
	return m.poll(ctx, true)
}

func (m *Monitor) poll(ctx context.Context, force bool) Cycle {
	m.pollMu.Lock()
	defer m.pollMu.Unlock()

	start := m.now()
	results := m.fetchAll(ctx, start, force)
	if ctx.Err() != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.cycleLocked(m.now(), nil)
	}

	m.mu.Lock()
	now := m.now()
	rigs := 0
	for _, res := range results {
		rigs += len(res.snapshot.Rigs)
	}
	f := newFindingsFor(rigs)
	for i, ps := range m.panels {
		res := results[i]
		if !res.skipped {
			ps.retry.record(start, res.err, ps.failingSince, time.Duration(m.cfg.StaleAfter), m.interval)
		}
		m.applyFetch(f, ps, res, now)
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
	cycle.StateWarning = m.cycleStateWarning()
	return cycle
}

// cycleStateWarning returns Cycle.StateWarning. Unlike StateWarning it
// reports the restore warning once, because the next save replaces the
// file and the state is kept again from then on.
func (m *Monitor) cycleStateWarning() error {
	if m.store == nil {
		return nil
	}
	m.mu.Lock()
	var loadWarning error
	if !m.loadWarningReported {
		loadWarning, m.loadWarningReported = m.loadWarning, true
	}
	m.mu.Unlock()
	return errors.Join(loadWarning, m.store.lastError())
}

type fetchResult struct {
	snapshot panel.Snapshot
	err      error
	// skipped marks a source that was not due; err is then its last error.
	skipped bool
}

// fetchAll fetches the sources that are due at start, or all but those
// waiting out a Retry-After when force is set. The retry state is read
// under mu, because Poll is the only writer but Alerts and Silence may run
// beside it.
func (m *Monitor) fetchAll(ctx context.Context, start time.Time, force bool) []fetchResult {
	results := make([]fetchResult, len(m.panels))
	m.mu.Lock()
	for i, ps := range m.panels {
		if !ps.retry.due(start, force, m.interval) {
			results[i] = fetchResult{err: ps.err, skipped: true}
		}
	}
	m.mu.Unlock()

	var wg sync.WaitGroup
	for i, ps := range m.panels {
		if results[i].skipped {
			continue
		}
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
			wait := max(ps.retry.next().Sub(now), 0).Round(time.Second)
			m.log.Warn(m.printer.T("alert.log.fetch_failed"), "panel", ps.name, "error", res.err,
				"failures", ps.retry.failures, "next_try_in", wait)
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
	m.rules.evaluateRigs(f, ps.name, res.snapshot.Rigs, m.cfg, now)
	for _, re := range res.snapshot.RigErrors {
		f.unknownRigs[rigRef{ps.name, re.RigID}] = true
	}
	m.logRigErrors(ps, res.snapshot.RigErrors)
}

// logRigErrors logs the rigs of a response that could not be decoded when
// they differ from the previous response's, so that a rig that stays broken
// is logged once rather than at every poll.
func (m *Monitor) logRigErrors(ps *panelState, rigErrs []panel.RigError) {
	if len(rigErrs) == 0 && ps.rigErrors == "" {
		return
	}
	texts := make([]string, len(rigErrs))
	ids := make([]string, len(rigErrs))
	for i, re := range rigErrs {
		texts[i] = re.Error()
		ids[i] = re.RigID
	}
	joined := strings.Join(texts, "\n")
	if joined == ps.rigErrors {
		return
	}
	ps.rigErrors = joined
	if len(rigErrs) > 0 {
		m.log.Warn(m.printer.T("alert.log.rigs_undecodable"), "panel", ps.name, "rigs", ids, "error", rigErrs[0].Error())
	}
}

func (m *Monitor) cycleLocked(now time.Time, n *Notification) Cycle {
	c := Cycle{At: now, Notification: n}
	for _, ps := range m.panels {
		c.Panels = append(c.Panels, PanelStatus{
			Name:      ps.name,
			Snapshot:  ps.snapshot,
			Err:       ps.err,
			LastOK:    ps.lastOK,
			Stale:     ps.err != nil && ps.hasSnapshot,
			NextFetch: ps.retry.next(),
			Failures:  ps.retry.failures,
		})
	}
	if len(m.panels) == 1 {
		c.Rigs = slices.Clip(m.panels[0].snapshot.Rigs)
	} else {
		for _, ps := range m.panels {
			c.Rigs = append(c.Rigs, ps.snapshot.Rigs...)
		}
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
