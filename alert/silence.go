package alert

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Silence mutes the announcements of one alert, or of every alert of one
// rig, until it expires or is lifted with Monitor.Unsilence. A silenced
// alert is still listed, with Silenced set.
type Silence struct {
	// ID names the silence for Unsilence; Monitor.Silence assigns one when
	// it is empty.
	ID string `json:"id"`
	// Key selects the silenced alerts. With Kind set it matches exactly that
	// alert. With Kind empty it matches every alert of rig Key.RigID on
	// panel Key.Panel, whatever its GPU.
	Key Key `json:"key"`
	// Until is when the silence expires; zero means it lasts until lifted.
	Until time.Time `json:"until,omitzero"`
	// CreatedAt is when the silence was set.
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// RigSilence returns a silence of every alert of one rig.
func RigSilence(panelName, rigID string, until time.Time) Silence {
	return Silence{Key: Key{Panel: panelName, RigID: rigID, GPU: NoGPU}, Until: until}
}

// KeySilence returns a silence of one alert.
func KeySilence(k Key, until time.Time) Silence {
	return Silence{Key: k, Until: until}
}

// Rig reports whether the silence covers a whole rig.
func (s Silence) Rig() bool { return s.Key.Kind == "" }

// Active reports whether the silence is in force at now.
func (s Silence) Active(now time.Time) bool {
	return s.Until.IsZero() || now.Before(s.Until)
}

// Matches reports whether the silence covers the alert with key k.
func (s Silence) Matches(k Key) bool {
	if s.Rig() {
		return k.Panel == s.Key.Panel && k.RigID == s.Key.RigID
	}
	return k == s.Key
}

// ErrSilenceNotFound is returned by Unsilence for an unknown id.
var ErrSilenceNotFound = errors.New("silence not found")

// validate checks that a silence names something and has not expired.
func (s Silence) validate(now time.Time) error {
	switch {
	case s.Key.Panel == "":
		return fmt.Errorf("invalid silence %s: no panel", s.Key)
	case s.Rig() && s.Key.RigID == "":
		return fmt.Errorf("invalid silence %s: a rig silence needs a rig id", s.Key)
	case !s.Active(now):
		return fmt.Errorf("invalid silence %s: already expired at %s", s.Key, s.Until.Format(time.RFC3339))
	}
	return nil
}

// silences is the set of silences in force.
type silences struct {
	list   []Silence
	nextID int
}

// add stores s, replacing a silence of the same key so that each rig or
// alert has at most one, and returns the stored silence.
func (ss *silences) add(s Silence, now time.Time) Silence {
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now
	}
	for i, old := range ss.list {
		if old.Key == s.Key || old.ID == s.ID && s.ID != "" {
			if s.ID == "" {
				s.ID = old.ID
			}
			ss.list[i] = s
			return s
		}
	}
	if s.ID == "" {
		s.ID = ss.newID()
	}
	ss.list = append(ss.list, s)
	return s
}

// newID returns the next numeric id not in use.
func (ss *silences) newID() string {
	for {
		ss.nextID++
		id := strconv.Itoa(ss.nextID)
		if !slices.ContainsFunc(ss.list, func(s Silence) bool { return s.ID == id }) {
			return id
		}
	}
}

func (ss *silences) remove(id string) error {
	for i, s := range ss.list {
		if s.ID == id {
			ss.list = append(ss.list[:i], ss.list[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("unsilence %q: %w", id, ErrSilenceNotFound)
}

// expire drops silences that ended before now.
func (ss *silences) expire(now time.Time) {
	kept := ss.list[:0]
	for _, s := range ss.list {
		if s.Active(now) {
			kept = append(kept, s)
		}
	}
	clear(ss.list[len(kept):])
	ss.list = kept
}

// matcher returns a function reporting whether an alert is silenced at now.
func (ss *silences) matcher(now time.Time) func(Key) bool {
	return func(k Key) bool {
		for _, s := range ss.list {
			if s.Active(now) && s.Matches(k) {
				return true
			}
		}
		return false
	}
}

// copyList returns the silences in force at now, oldest first.
func (ss *silences) copyList(now time.Time) []Silence {
	var out []Silence
	for _, s := range ss.list {
		if s.Active(now) {
			out = append(out, s)
		}
	}
	return out
}
