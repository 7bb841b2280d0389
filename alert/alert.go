// Package alert turns panel snapshots into alerts, runs each alert through
// its lifecycle (pending, firing, resolved, silenced) and hands what fired or
// resolved to the notifiers. The TUI and `rigtop watch` share it, so the two
// always agree on what is an alert.
package alert

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"rigtop/panel"
)

// Severity of an alert. SeverityUnknown is reserved for a source that
// cannot be read: its rigs are in an unknown state, not down.
type Severity int

// Severities, from least to most urgent for sorting.
const (
	SeverityNone Severity = iota
	SeverityWarning
	SeverityCritical
	SeverityUnknown
)

// Kind is the type of problem an alert reports.
type Kind string

// Alert kinds.
const (
	KindCondition   Kind = "condition"
	KindStale       Kind = "stale"
	KindGPUDead     Kind = "gpu_dead"
	KindGPUSlow     Kind = "gpu_slow"
	KindGPUHot      Kind = "gpu_hot"
	KindFanStopped  Kind = "fan_stopped"
	KindHashDrop    Kind = "hash_drop"
	KindUnreachable Kind = "source_unreachable"
)

// NoGPU is the GPU index of a key that concerns a whole rig or source.
const NoGPU = -1

// Key identifies one problem across polls and restarts.
type Key struct {
	Panel string `json:"panel"`
	RigID string `json:"rig,omitempty"`
	GPU   int    `json:"gpu"`
	Kind  Kind   `json:"kind"`
}

// String returns the key in the form shown to operators and used by
// silences: panel/rig/gpuN/kind, with empty parts left out.
func (k Key) String() string {
	s := k.Panel
	if k.RigID != "" {
		s += "/" + k.RigID
	}
	if k.GPU != NoGPU {
		s += fmt.Sprintf("/gpu%d", k.GPU)
	}
	return s + "/" + string(k.Kind)
}

// State is an alert's stage in its lifecycle.
type State int

// Lifecycle states.
const (
	StatePending State = iota + 1
	StateFiring
	StateResolved
)

// Values are the readings behind an alert, kept typed so that each language
// formats them its own way. Only the fields that apply to the kind are set.
type Values struct {
	Condition panel.Condition `json:"condition,omitempty"`
	TempC     float64         `json:"temp_c,omitempty"`
	// Hash and Median are hash rates in Unit, the miner's unit.
	Hash   float64 `json:"hash,omitempty"`
	Median float64 `json:"median,omitempty"`
	Unit   string  `json:"unit,omitempty"`
	// Threshold is the limit the reading crossed: °C for temperatures, a
	// hash rate in Unit for slow GPUs and hash drops.
	Threshold float64 `json:"threshold,omitempty"`
	// SharePct is the configured share of the median, in percent, below
	// which a GPU is slow or a rig's hash rate has dropped.
	SharePct float64 `json:"share_pct,omitempty"`
	Hashing  int     `json:"hashing,omitempty"`
	Detected int     `json:"detected,omitempty"`
	// Age is how long the problem has held by its own measure: time since
	// the rig's last report, time in just_booted, or time the source has
	// been failing.
	Age time.Duration `json:"age,omitempty"`
	// Limit is the duration Age is compared with.
	Limit  time.Duration `json:"limit,omitempty"`
	Uptime time.Duration `json:"uptime,omitempty"`
	// Error is the text of the source's last fetch error; Err is the error
	// itself, which is not saved, so that ErrorText can localize it.
	Error string `json:"error,omitempty"`
	Err   error  `json:"-"`
}

// Alert is one problem and where it is in its lifecycle.
type Alert struct {
	Key      Key      `json:"key"`
	Severity Severity `json:"severity"`
	// RigLabel is the rig's display name (rack_loc, else id) when the alert
	// concerns a rig.
	RigLabel string `json:"rig_label,omitempty"`
	Values   Values `json:"values"`
	State    State  `json:"state"`
	Silenced bool   `json:"silenced,omitempty"`
	// Inhibited is set on a GPU or hash alert of a rig that is down: its
	// state is kept as it was and it is not announced until the rig is back.
	Inhibited bool `json:"inhibited,omitempty"`

	// Since is when the problem was first seen; FiredAt when it turned
	// firing; ResolvedAt when it stopped holding; NotifiedAt when it was
	// last announced (zero if never).
	Since      time.Time `json:"since"`
	FiredAt    time.Time `json:"fired_at,omitzero"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	NotifiedAt time.Time `json:"notified_at,omitzero"`
}

// SortAlerts orders alerts worst first. Pending and firing alerts come
// before resolved ones, and alerts that may be announced before silenced or
// inhibited ones. Then higher severity comes first, then firing before
// pending. The key breaks ties, so the order is stable from poll to poll.
func SortAlerts(alerts []Alert) {
	// An Alert is several hundred bytes: sorting their indexes and moving
	// each alert once is much cheaper than swapping the alerts.
	order := make([]int, len(alerts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return compareAlerts(&alerts[a], &alerts[b]) })
	sorted := make([]Alert, len(alerts))
	for i, k := range order {
		sorted[i] = alerts[k]
	}
	copy(alerts, sorted)
}

func compareAlerts(a, b *Alert) int {
	if c := cmpBool(a.State == StateResolved, b.State == StateResolved); c != 0 {
		return c
	}
	if c := cmpBool(a.Silenced || a.Inhibited, b.Silenced || b.Inhibited); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
		return c
	}
	if c := cmpBool(a.State != StateFiring, b.State != StateFiring); c != 0 {
		return c
	}
	return compareKeys(a.Key, b.Key)
}

func compareKeys(a, b Key) int {
	return cmp.Or(
		cmp.Compare(a.Panel, b.Panel),
		cmp.Compare(a.RigID, b.RigID),
		cmp.Compare(a.GPU, b.GPU),
		cmp.Compare(a.Kind, b.Kind),
	)
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// NotReporting returns the rigs with a stale alert that holds, pending or
// firing, keyed by panel name and rig id. Farm totals leave them out of the
// rigs that are up: their last report is too old to say they still mine.
func NotReporting(alerts []Alert) map[[2]string]bool {
	rigs := map[[2]string]bool{}
	for _, a := range alerts {
		if a.Key.Kind == KindStale && a.State != StateResolved {
			rigs[[2]string{a.Key.Panel, a.Key.RigID}] = true
		}
	}
	return rigs
}
