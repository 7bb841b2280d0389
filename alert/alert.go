// Package alert turns panel snapshots into alerts, runs each alert through
// its lifecycle (pending, firing, resolved, silenced) and hands what fired or
// resolved to the notifiers. The TUI and `rigtop watch` share it, so the two
// always agree on what is an alert.
package alert

import (
	"fmt"
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

// Kind is what an alert is about.
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

// State is where an alert is in its lifecycle.
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
	Hash      float64         `json:"hash,omitempty"`
	Median    float64         `json:"median,omitempty"`
	Threshold float64         `json:"threshold,omitempty"`
	Hashing   int             `json:"hashing,omitempty"`
	Detected  int             `json:"detected,omitempty"`
	Age       time.Duration   `json:"age,omitempty"`
	Error     string          `json:"error,omitempty"`
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

	// Since is when the problem was first seen; FiredAt when it turned
	// firing; ResolvedAt when it stopped holding; NotifiedAt when it was
	// last announced (zero if never).
	Since      time.Time `json:"since"`
	FiredAt    time.Time `json:"fired_at,omitzero"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	NotifiedAt time.Time `json:"notified_at,omitzero"`
}
