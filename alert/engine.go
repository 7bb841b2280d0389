package alert

import (
	"time"

	"rigtop/panel"
)

// keepResolved is how long a resolved alert stays listed after it resolved.
const keepResolved = 30 * time.Minute

// tracked is an alert with the lifecycle bookkeeping that is saved with it
// but not shown.
type tracked struct {
	Alert
	// Polls counts the consecutive polls the problem has held.
	Polls int `json:"polls"`
	// NotifiedSeverity is the severity the alert was last announced with, so
	// that an escalation (warning to critical) is announced at once.
	NotifiedSeverity Severity `json:"notified_severity,omitempty"`
}

// engine runs every alert through its lifecycle: pending until the problem
// has held for its poll count, then firing, then resolved when it no longer
// holds. It decides what to announce: a firing alert once, again after the
// repeat interval or when its severity rises, and a resolution once, only
// for an alert whose firing was announced and that is not silenced.
type engine struct {
	alerts map[Key]*tracked
}

func newEngine() *engine { return &engine{alerts: map[Key]*tracked{}} }

// evaluate applies one poll's findings at now and returns what to announce.
// silenced reports whether an alert is muted by a silence.
func (e *engine) evaluate(now time.Time, f *findings, cfg Config, silenced func(Key) bool) (firing, resolved []Alert) {
	holding := make(map[Key]bool, len(f.problems))
	for _, p := range f.problems {
		if holding[p.Key] {
			// A malformed panel listing a GPU index twice holds once per poll.
			continue
		}
		holding[p.Key] = true
		e.advance(now, p, cfg)
	}

	for key, t := range e.alerts {
		if holding[key] {
			continue
		}
		if t.State == StateResolved {
			if now.Sub(t.ResolvedAt) > keepResolved {
				delete(e.alerts, key)
			}
			continue
		}
		if held, inhibited := f.held(key); held {
			t.Inhibited = inhibited
			continue
		}
		if t.State == StatePending {
			delete(e.alerts, key)
			continue
		}
		t.State = StateResolved
		t.ResolvedAt = now
		t.Inhibited = false
		// A silence mutes the resolution too, even of an alert announced
		// before the silence was set: the operator asked to hear nothing
		// more about it.
		if !t.NotifiedAt.IsZero() && !silenced(key) {
			resolved = append(resolved, t.Alert)
		}
	}

	// Stale alerts go second so that a rig dropping off, which the panel
	// marks unreachable in the same poll its reports are found too old, is
	// announced by its condition alone.
	for _, staleKinds := range []bool{false, true} {
		for _, t := range e.alerts {
			if t.State == StateResolved || (t.Key.Kind == KindStale) != staleKinds {
				continue
			}
			t.Silenced = silenced(t.Key)
			if e.due(now, t, cfg) && !e.dropOffAnnounced(t) {
				t.NotifiedAt = now
				t.NotifiedSeverity = t.Severity
				firing = append(firing, t.Alert)
			}
		}
	}
	SortAlerts(firing)
	SortAlerts(resolved)
	return firing, resolved
}

// advance records that problem p holds at now. A problem whose alert has
// resolved starts a new alert.
func (e *engine) advance(now time.Time, p problem, cfg Config) {
	t := e.alerts[p.Key]
	if t == nil || t.State == StateResolved {
		t = &tracked{Alert: Alert{Key: p.Key, State: StatePending, Since: now}}
		e.alerts[p.Key] = t
	}
	t.Severity = p.Severity
	t.RigLabel = p.RigLabel
	t.Values = p.Values
	t.Inhibited = false
	t.Polls++
	if t.State == StatePending && t.Polls >= cfg.For.Polls(p.Key.Kind) {
		t.State = StateFiring
		t.FiredAt = now
	}
}

// dropOffAnnounced reports whether t is one half of a rig drop-off whose
// other half was announced already. A rig that stops reporting shows up
// twice: its reports grow stale, and the panel, on a timer of its own,
// turns its condition to unreachable. Both are the same failure, so the one
// announced first covers both. The other is listed but never announced,
// so its resolution is not announced either.
func (e *engine) dropOffAnnounced(t *tracked) bool {
	var other Key
	switch {
	case t.Key.Kind == KindStale:
		other = t.Key
		other.Kind = KindCondition
	case t.Key.Kind == KindCondition && t.Values.Condition == panel.Unreachable:
		other = t.Key
		other.Kind = KindStale
	default:
		return false
	}
	o := e.alerts[other]
	if o == nil || o.State != StateFiring || o.NotifiedAt.IsZero() {
		return false
	}
	return other.Kind == KindStale || o.Values.Condition == panel.Unreachable
}

// due reports whether a firing alert is to be announced now.
func (e *engine) due(now time.Time, t *tracked, cfg Config) bool {
	if t.State != StateFiring || t.Silenced || t.Inhibited {
		return false
	}
	if t.NotifiedAt.IsZero() || t.Severity > t.NotifiedSeverity {
		return true
	}
	repeat := time.Duration(cfg.ForRig(t.Key.RigID, t.RigLabel).RepeatInterval)
	return repeat > 0 && now.Sub(t.NotifiedAt) >= repeat
}

// list returns a copy of every alert, worst first, with Silenced set as of
// now.
func (e *engine) list(silenced func(Key) bool) []Alert {
	out := make([]Alert, 0, len(e.alerts))
	for _, t := range e.alerts {
		a := t.Alert
		if a.State != StateResolved {
			a.Silenced = silenced(a.Key)
		}
		out = append(out, a)
	}
	SortAlerts(out)
	return out
}
