package alert

import (
	"errors"
	"time"

	"rigtop/panel"
)

// Limits of the fetch schedule of a failing source.
const (
	// MaxBackoff bounds the spacing of fetches of a source that keeps
	// failing, unless the poll interval itself is longer.
	MaxBackoff = 5 * time.Minute
	// MaxRetryAfter bounds how long a server's Retry-After pauses the
	// fetches of its source, so that a wrong header cannot stop the
	// monitoring of a panel for hours.
	MaxRetryAfter = 10 * time.Minute
)

// retryState schedules the fetches of one source while it fails. Its zero
// value is a source that is fetched at every poll.
//
// The backoff starts only once the source has failed for longer than a
// grace, Config.StaleAfter, when its panel-unreachable alert fires. A poll
// skipped before then could raise that alert on an error that a fetch
// would have shown to be over, and a short outage is seen to end at once.
type retryState struct {
	// failures counts the failed fetches in a row.
	failures int
	// overdue counts those of them that came after the grace; the backoff
	// grows with it.
	overdue int
	// backoffUntil is when the backoff after the latest failure ends.
	backoffUntil time.Time
	// retryAt is when the server's Retry-After ends; zero without one.
	retryAt time.Time
}

// record updates the schedule with the outcome of a fetch that began at
// start, of a source failing since failingSince (zero before its first
// failure). A success clears it.
func (r *retryState) record(start time.Time, err error, failingSince time.Time, grace, interval time.Duration) {
	if err == nil {
		*r = retryState{}
		return
	}
	r.failures++
	if !failingSince.IsZero() && start.Sub(failingSince) > grace {
		r.overdue++
	}
	r.backoffUntil = start.Add(backoff(r.overdue, interval))
	r.retryAt = time.Time{}
	var ra *panel.RetryAfterError
	if errors.As(err, &ra) {
		r.retryAt = start.Add(min(ra.Delay, MaxRetryAfter))
	}
}

// backoff returns the spacing of fetches after overdue failed fetches past
// the grace: the interval up to the first, then 2, 4, 8… times the
// interval, at most MaxBackoff or the interval, whichever is longer.
func backoff(overdue int, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	d := interval
	for i := 1; i < overdue && d < MaxBackoff; i++ {
		d *= 2
	}
	return max(min(d, MaxBackoff), interval)
}

// due reports whether a poll at now fetches the source. Polls come about an
// interval apart and rarely on the dot, so a poll up to half an interval
// before the backoff ends fetches: otherwise a poll a moment early would
// wait a whole extra interval. force skips the backoff. Nothing skips the
// server's Retry-After.
func (r retryState) due(now time.Time, force bool, interval time.Duration) bool {
	if now.Before(r.retryAt) {
		return false
	}
	return force || !now.Add(interval/2).Before(r.backoffUntil)
}

// next returns when the source is fetched again while it fails, zero while
// it does not.
func (r retryState) next() time.Time {
	if r.failures == 0 {
		return time.Time{}
	}
	if r.retryAt.After(r.backoffUntil) {
		return r.retryAt
	}
	return r.backoffUntil
}
