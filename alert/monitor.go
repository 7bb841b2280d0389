package alert

import (
	"context"
	"time"

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
// while silences are set from the key handler.
type Monitor struct {
	sources []panel.Source
	cfg     Config
	now     func() time.Time
}

// MonitorOptions configure NewMonitor.
type MonitorOptions struct {
	Config Config
	// StatePath is the file alert state and silences are saved to; empty
	// means nothing is saved.
	StatePath string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewMonitor returns a monitor of sources.
func NewMonitor(sources []panel.Source, opts MonitorOptions) (*Monitor, error) {
	panic("not implemented")
}

// Poll fetches every source concurrently, evaluates the rules and returns
// the result.
func (m *Monitor) Poll(ctx context.Context) Cycle { panic("not implemented") }
