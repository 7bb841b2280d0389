package alert

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rigtop/panel"
)

// countingSource is a fakeSource that counts its fetches.
type countingSource struct {
	*fakeSource
	fetches atomic.Int64
}

func (s *countingSource) Fetch(ctx context.Context) (panel.Snapshot, error) {
	s.fetches.Add(1)
	return s.fakeSource.Fetch(ctx)
}

// backoffConfig is DefaultConfig with a StaleAfter of one minute. A source
// failing once a minute from minute 0 then backs off from its failure at
// minute 2, the first more than a minute after the failures began.
func backoffConfig() Config {
	cfg := DefaultConfig()
	cfg.StaleAfter = Duration(time.Minute)
	return cfg
}

func newBackoffMonitor(t *testing.T, c *clock, cfg Config, interval time.Duration, sources ...panel.Source) *Monitor {
	t.Helper()
	m, err := NewMonitor(sources, MonitorOptions{Config: cfg, Now: c.Now, Interval: interval})
	if err != nil {
		t.Fatalf("NewMonitor: %v", err)
	}
	return m
}

// errPanelDown is a fetch failure without a Retry-After.
var errPanelDown = &panel.FetchError{URL: "http://farm/?json=yes", Kind: panel.KindRefused, Offset: -1}

// fetchMinutes polls m once a minute for minutes minutes, from the clock's
// current time, and returns the minutes at which src was fetched.
func fetchMinutes(m *Monitor, c *clock, src *countingSource, minutes int) []int {
	var fetched []int
	for minute := range minutes {
		before := src.fetches.Load()
		m.Poll(context.Background())
		if src.fetches.Load() > before {
			fetched = append(fetched, minute)
		}
		c.Advance(time.Minute)
	}
	return fetched
}

func TestBackoffDurations(t *testing.T) {
	tests := []struct {
		interval time.Duration
		want     []time.Duration // after 1, 2, 3… failures past the grace
	}{
		{time.Minute, []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute}},
		{40 * time.Second, []time.Duration{40 * time.Second, 80 * time.Second, 160 * time.Second, 5 * time.Minute, 5 * time.Minute}},
		// An interval above MaxBackoff is never shortened.
		{10 * time.Minute, []time.Duration{10 * time.Minute, 10 * time.Minute, 10 * time.Minute}},
		{0, []time.Duration{0, 0, 0}},
	}
	for _, tt := range tests {
		if got := backoff(0, tt.interval); got != tt.interval {
			t.Errorf("backoff(0, %v) = %v, want the interval", tt.interval, got)
		}
		for i, want := range tt.want {
			if got := backoff(i+1, tt.interval); got != want {
				t.Errorf("backoff(%d, %v) = %v, want %v", i+1, tt.interval, got, want)
			}
		}
	}
	// Weeks of failures at a 1 s interval: still capped, and computed in a
	// few steps.
	if got := backoff(1_000_000, time.Second); got != MaxBackoff {
		t.Errorf("backoff(1e6, 1s) = %v, want %v", got, MaxBackoff)
	}
}

func TestBackoffSkipsPolls(t *testing.T) {
	// The failures at minutes 0 and 1 are within the one-minute grace.
	// Those at minutes 2, 3, 5 and 9 come after it and wait 1, 2, 4 and
	// then 8 minutes, which MaxBackoff cuts to 5.
	c := newClock()
	src := &countingSource{fakeSource: newFakeSource("farm")}
	src.fail(errPanelDown)
	m := newBackoffMonitor(t, c, backoffConfig(), time.Minute, src)

	got := fetchMinutes(m, c, src, 20)
	if want := []int{0, 1, 2, 3, 5, 9, 14, 19}; !slices.Equal(got, want) {
		t.Errorf("fetched at minutes %v, want %v", got, want)
	}
}

func TestBackoffWithoutIntervalFetchesEveryPoll(t *testing.T) {
	c := newClock()
	src := &countingSource{fakeSource: newFakeSource("farm")}
	src.fail(errPanelDown)
	m := newBackoffMonitor(t, c, backoffConfig(), 0, src)

	if got := fetchMinutes(m, c, src, 5); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("fetched at minutes %v, want every poll", got)
	}
}

func TestBackoffStatusAndRecovery(t *testing.T) {
	c := newClock()
	src := &countingSource{fakeSource: newFakeSource("farm", testRig("r1", "rig1", 30))}
	m := newBackoffMonitor(t, c, backoffConfig(), time.Minute, src)
	if cy := m.Poll(context.Background()); cy.Panels[0].Err != nil || !cy.Panels[0].NextFetch.IsZero() {
		t.Fatalf("healthy poll: Err %v, NextFetch %v; want neither", cy.Panels[0].Err, cy.Panels[0].NextFetch)
	}

	// Failures at minutes 1, 2, 3 and 4. Those at 3 and 4 are past the
	// grace and back off 1 and 2 minutes: the next fetch is at minute 6.
	src.fail(errPanelDown)
	c.Advance(time.Minute)
	if got := fetchMinutes(m, c, src, 4); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Fatalf("fetched at minutes 1+%v, want 1+[0 1 2 3]", got)
	}

	// The panel is back at minute 5, a poll the backoff skips.
	src.set(testRig("r1", "rig1", 30))
	cy := m.Poll(context.Background())
	ps := cy.Panels[0]
	if !errors.Is(ps.Err, errPanelDown) {
		t.Errorf("Err = %v, want the last fetch error kept while polls are skipped", ps.Err)
	}
	if ps.Failures != 4 {
		t.Errorf("Failures = %d, want 4", ps.Failures)
	}
	if want := t0.Add(6 * time.Minute); !ps.NextFetch.Equal(want) {
		t.Errorf("NextFetch = %v, want minute 6 (%v)", ps.NextFetch, want)
	}
	if !ps.Stale || len(cy.Rigs) != 1 {
		t.Errorf("Stale %v with %d rigs, want the last good rig kept and marked stale", ps.Stale, len(cy.Rigs))
	}

	// Minute 6 reads it, and from then on every poll fetches.
	c.Advance(time.Minute)
	if got := fetchMinutes(m, c, src, 3); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("after recovery, fetched at minutes 6+%v, want 6+[0 1 2]", got)
	}
	cy = m.Poll(context.Background())
	if ps := cy.Panels[0]; ps.Err != nil || ps.Failures != 0 || !ps.NextFetch.IsZero() || ps.Stale {
		t.Errorf("after recovery: %+v, want no error, failures or next fetch", ps)
	}
}

func TestBackoffWaitsForUnreachableAlert(t *testing.T) {
	// With the default StaleAfter of 10m, a panel failing from minute 0 is
	// fetched at every poll until minute 11, when it has failed for longer
	// than 10m and its alert fires. It then backs off: fetches at 12, 14
	// and 18.
	c := newClock()
	src := &countingSource{fakeSource: newFakeSource("farm")}
	src.fail(errPanelDown)
	m := newBackoffMonitor(t, c, DefaultConfig(), time.Minute, src)

	var fetched []int
	firedAt := -1
	for minute := range 20 {
		before := src.fetches.Load()
		cy := m.Poll(context.Background())
		if src.fetches.Load() > before {
			fetched = append(fetched, minute)
		}
		if firing, _ := notified(cy); len(firing) > 0 && firedAt < 0 {
			firedAt = minute
			if want := (Key{Panel: "farm", GPU: NoGPU, Kind: KindUnreachable}); firing[0] != want {
				t.Errorf("firing %v, want %v", firing, want)
			}
		}
		c.Advance(time.Minute)
	}
	if firedAt != 11 {
		t.Errorf("unreachable alert fired at minute %d, want 11", firedAt)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 18}; !slices.Equal(fetched, want) {
		t.Errorf("fetched at minutes %v, want %v", fetched, want)
	}
}

func TestBackoffNoFalseUnreachableAlert(t *testing.T) {
	// A panel that fails for 8 minutes is fetched at every poll, so the
	// poll at minute 8 reads it again and no unreachable alert fires.
	c := newClock()
	src := &countingSource{fakeSource: newFakeSource("farm", testRig("r1", "rig1", 30))}
	src.fail(errPanelDown)
	m := newBackoffMonitor(t, c, DefaultConfig(), time.Minute, src)
	for minute := range 15 {
		if minute == 8 {
			src.set(testRig("r1", "rig1", 30))
		}
		if firing, _ := notified(m.Poll(context.Background())); len(firing) > 0 {
			t.Errorf("minute %d: firing %v, want nothing", minute, firing)
		}
		c.Advance(time.Minute)
	}
	if n := src.fetches.Load(); n != 15 {
		t.Errorf("%d fetches in 15 polls, want one per poll", n)
	}
}

func TestBackoffDueAllowsEarlyPoll(t *testing.T) {
	r := retryState{failures: 4, overdue: 2, backoffUntil: t0.Add(3 * time.Minute)}
	tests := []struct {
		at   time.Duration
		want bool
	}{
		{2 * time.Minute, false},
		{2*time.Minute + 29*time.Second, false},
		// A poll up to half an interval early fetches.
		{2*time.Minute + 30*time.Second, true},
		{2*time.Minute + 50*time.Second, true},
		{3 * time.Minute, true},
	}
	for _, tt := range tests {
		if got := r.due(t0.Add(tt.at), false, time.Minute); got != tt.want {
			t.Errorf("due at %v = %v, want %v", tt.at, got, tt.want)
		}
	}
	if !r.due(t0.Add(2*time.Minute), true, time.Minute) {
		t.Error("a forced poll is not due during the backoff")
	}
}

func TestPollNowSkipsBackoff(t *testing.T) {
	c := newClock()
	src := &countingSource{fakeSource: newFakeSource("farm")}
	src.fail(errPanelDown)
	m := newBackoffMonitor(t, c, backoffConfig(), time.Minute, src)
	fetchMinutes(m, c, src, 4) // the failure at minute 3 backs off until 5

	// Minute 4: a scheduled poll skips the source, a refresh fetches it.
	before := src.fetches.Load()
	m.Poll(context.Background())
	if n := src.fetches.Load() - before; n != 0 {
		t.Errorf("Poll during backoff fetched %d times, want 0", n)
	}
	src.set(testRig("r1", "rig1", 30))
	cy := m.PollNow(context.Background())
	if n := src.fetches.Load() - before; n != 1 {
		t.Errorf("PollNow during backoff fetched %d times, want 1", n)
	}
	if ps := cy.Panels[0]; ps.Err != nil || len(cy.Rigs) != 1 {
		t.Errorf("after PollNow: Err %v, %d rigs; want the panel read", ps.Err, len(cy.Rigs))
	}
}

func TestBackoffLogsOncePerError(t *testing.T) {
	c := newClock()
	src := &countingSource{fakeSource: newFakeSource("farm")}
	src.fail(errPanelDown)
	log, buf := logBuffer()
	m, err := NewMonitor([]panel.Source{src}, MonitorOptions{Now: c.Now, Interval: time.Minute, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	fetchMinutes(m, c, src, 10)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("log has %d lines over 10 polls of the same failure, want 1:\n%s", len(lines), buf)
	}
	for _, want := range []string{`msg="panel fetch failed"`, "panel=farm", "failures=1", "next_try_in=1m0s"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("log line %q lacks %q", lines[0], want)
		}
	}
}

// retryAfterServer responds 429 with the Retry-After header the test sets,
// or serves an empty farm when it is "".
type retryAfterServer struct {
	*httptest.Server
	mu         sync.Mutex
	retryAfter string
	date       string
	requests   atomic.Int64
}

func newRetryAfterServer(t *testing.T) *retryAfterServer {
	t.Helper()
	s := &retryAfterServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		retryAfter, date := s.retryAfter, s.date
		s.mu.Unlock()
		if retryAfter == "" {
			fmt.Fprint(w, `{"rigs":[]}`)
			return
		}
		if date != "" {
			w.Header()["Date"] = []string{date}
		}
		w.Header().Set("Retry-After", retryAfter)
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *retryAfterServer) set(retryAfter, date string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryAfter, s.date = retryAfter, date
}

func TestRetryAfterHonoured(t *testing.T) {
	c := newClock()
	srv := newRetryAfterServer(t)
	src, err := panel.ParseSource(srv.URL, panel.HTTPOptions{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	m := newBackoffMonitor(t, c, backoffConfig(), time.Minute, src)

	// pollMinutes polls once a minute and returns the minutes, counted
	// from first, at which the server received a request.
	pollMinutes := func(first, minutes int, refresh bool) []int {
		var requested []int
		for minute := first; minute < first+minutes; minute++ {
			before := srv.requests.Load()
			if refresh {
				m.PollNow(context.Background())
			} else {
				m.Poll(context.Background())
			}
			if srv.requests.Load() > before {
				requested = append(requested, minute)
			}
			c.Advance(time.Minute)
		}
		return requested
	}

	// "Retry-After: 150" at minute 0: not before 2m30s, so minute 3. The
	// backoff alone would have fetched at minute 1.
	srv.set("150", "")
	if got := pollMinutes(0, 3, false); !slices.Equal(got, []int{0}) {
		t.Errorf("Retry-After 150 s: requests at minutes %v, want [0]", got)
	}

	// Minute 3 gets "Retry-After: 86400", which is capped at MaxRetryAfter:
	// nothing until minute 13, even when refreshed by hand.
	srv.set("86400", "")
	if got := pollMinutes(3, 1, false); !slices.Equal(got, []int{3}) {
		t.Fatalf("minute 3: requests at %v, want [3]", got)
	}
	if got := pollMinutes(4, 9, true); len(got) != 0 {
		t.Errorf("a day's Retry-After capped at 10m: refreshes requested at minutes %v, want none before 13", got)
	}

	// Minute 13 gets a Retry-After of 90 s in the HTTP-date form, on a
	// server clock a day ahead of the local one: not before 14m30s. This
	// failure is the second past the one-minute grace, so it also backs off
	// 2 minutes, to minute 15, which is the next scheduled fetch.
	srv.set("Thu, 02 May 2024 12:01:30 GMT", "Thu, 02 May 2024 12:00:00 GMT")
	if got := pollMinutes(13, 1, false); !slices.Equal(got, []int{13}) {
		t.Fatalf("minute 13: requests at %v, want [13]", got)
	}
	cy := m.PollNow(context.Background()) // minute 14
	if n := srv.requests.Load(); n != 3 {
		t.Errorf("refresh at minute 14: %d requests in all, want 3", n)
	}
	if want := t0.Add(15 * time.Minute); !cy.Panels[0].NextFetch.Equal(want) {
		t.Errorf("NextFetch = %v, want minute 15 (%v)", cy.Panels[0].NextFetch, want)
	}
	if cy.Panels[0].Failures != 3 {
		t.Errorf("Failures = %d, want 3", cy.Panels[0].Failures)
	}

	// At 14m30s the Retry-After is over: a refresh requests the panel from
	// the server, which has recovered, and so does every poll after it.
	srv.set("", "")
	c.Advance(30 * time.Second)
	cy = m.PollNow(context.Background())
	if n := srv.requests.Load(); n != 4 || cy.Panels[0].Err != nil {
		t.Errorf("refresh at 14m30s: %d requests, Err %v; want 4 and the panel read", n, cy.Panels[0].Err)
	}
	c.Advance(time.Minute)
	if got := pollMinutes(15, 3, false); !slices.Equal(got, []int{15, 16, 17}) {
		t.Errorf("after the server recovered: requests at minutes %v, want [15 16 17]", got)
	}
}

func TestRigErrorsLoggedWhenTheyChange(t *testing.T) {
	c := newClock()
	src := newFakeSource("farm", testRig("r1", "rig1", 30))
	broken := func(ids ...string) {
		src.mu.Lock()
		defer src.mu.Unlock()
		src.snap.RigErrors = nil
		for _, id := range ids {
			src.snap.RigErrors = append(src.snap.RigErrors, panel.RigError{RigID: id, Err: errors.New("value is a string, not an object")})
		}
	}
	log, buf := logBuffer()
	m, err := NewMonitor([]panel.Source{src}, MonitorOptions{Now: c.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}

	broken("r2")
	for range 3 {
		m.Poll(context.Background())
		c.Advance(time.Minute)
	}
	broken("r2", "r3")
	m.Poll(context.Background())

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log has %d lines, want one for r2 and one when r3 broke too:\n%s", len(lines), buf)
	}
	for i, want := range []string{"rigs=[r2]", "rigs=\"[r2 r3]\""} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], "error=\"rig r2: value is a string, not an object\"") {
			t.Errorf("log line %d = %q, want %s and the first rig's error", i, lines[i], want)
		}
	}
}
