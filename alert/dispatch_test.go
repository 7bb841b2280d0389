package alert

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeNotifier records every call and returns scripted results.
type fakeNotifier struct {
	name string
	// results are returned for the calls in order; the last one repeats.
	results []fakeResult
	// block, when set, makes each call wait for it to be closed or for the
	// call's context to end.
	block chan struct{}

	mu    sync.Mutex
	calls []fakeCall
}

type fakeResult struct {
	retry bool
	err   error
}

type fakeCall struct {
	at     time.Time
	n      Notification
	ctxErr error
}

func (f *fakeNotifier) Name() string { return f.name }

func (f *fakeNotifier) Notify(ctx context.Context, n Notification) (bool, error) {
	call := fakeCall{at: time.Now(), n: n}
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			call.ctxErr = ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	if call.ctxErr != nil {
		return true, call.ctxErr
	}
	if len(f.results) == 0 {
		return false, nil
	}
	r := f.results[min(len(f.calls), len(f.results))-1]
	return r.retry, r.err
}

func (f *fakeNotifier) callTimes(start time.Time) []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []time.Duration
	for _, c := range f.calls {
		out = append(out, c.at.Sub(start))
	}
	return out
}

func (f *fakeNotifier) recorded() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// quietNotifier is a channel with send_resolved = false.
type quietNotifier struct{ *fakeNotifier }

func (quietNotifier) SendResolved() bool { return false }

var errTemporary = errors.New("421 service not available")

// drain returns the deliveries reported so far.
func drain(d *Dispatcher) []Delivery {
	var out []Delivery
	for {
		select {
		case del, ok := <-d.Results():
			if !ok {
				return out
			}
			out = append(out, del)
		default:
			return out
		}
	}
}

func firingNotification(at time.Time) Notification {
	return Notification{At: at, Firing: []Alert{{Key: gpuKey("farm", "r1", 0, KindGPUHot), State: StateFiring}}}
}

func closeDispatcher(t *testing.T, d *Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestDispatchRetriesWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		fake := &fakeNotifier{name: "mail", results: []fakeResult{
			{true, errTemporary}, {true, errTemporary}, {true, errTemporary}, {false, nil},
		}}
		log, buf := logBuffer()
		d := NewDispatcher([]Notifier{fake}, DispatchOptions{BackoffBase: 10 * time.Second, BackoffMax: 5 * time.Minute, Logger: log})
		d.Send(firingNotification(start))
		time.Sleep(5 * time.Minute)
		synctest.Wait()

		want := []time.Duration{0, 10 * time.Second, 30 * time.Second, 70 * time.Second}
		if got := fake.callTimes(start); !slices.Equal(got, want) {
			t.Errorf("calls at %v, want %v", got, want)
		}
		deliveries := drain(d)
		if len(deliveries) != 4 {
			t.Fatalf("%d deliveries, want 4", len(deliveries))
		}
		for i, del := range deliveries {
			last := i == 3
			if del.Attempt != i+1 || del.Final != last || (del.Err == nil) != last || del.Channel != "mail" {
				t.Errorf("delivery %d: %+v", i, del)
			}
			if !del.At.Equal(start.Add(want[i])) {
				t.Errorf("delivery %d at %v, want %v", i, del.At.Sub(start), want[i])
			}
		}
		if n := strings.Count(buf.String(), "notification failed; retrying"); n != 3 {
			t.Errorf("logged %d retries, want 3:\n%s", n, buf)
		}
		if !strings.Contains(buf.String(), "notification sent") || !strings.Contains(buf.String(), "channel=mail") {
			t.Errorf("log has no success line naming the channel:\n%s", buf)
		}
		closeDispatcher(t, d)
	})
}

func TestDispatchBackoffCapAndDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		fake := &fakeNotifier{name: "mail", results: []fakeResult{{true, errTemporary}}}
		d := NewDispatcher([]Notifier{fake}, DispatchOptions{
			BackoffBase: time.Minute, BackoffMax: 2 * time.Minute, RetryFor: 10 * time.Minute,
		})
		d.Send(firingNotification(start))
		time.Sleep(time.Hour)
		synctest.Wait()

		// Waits of 1, 2, 2, 2, 2 minutes; after the attempt at 9m the next
		// would start at 11m, past the 10m deadline.
		want := []time.Duration{0, time.Minute, 3 * time.Minute, 5 * time.Minute, 7 * time.Minute, 9 * time.Minute}
		if got := fake.callTimes(start); !slices.Equal(got, want) {
			t.Errorf("calls at %v, want %v", got, want)
		}
		deliveries := drain(d)
		if len(deliveries) != 6 {
			t.Fatalf("%d deliveries, want 6", len(deliveries))
		}
		last := deliveries[5]
		if !last.Final || !errors.Is(last.Err, errTemporary) || last.Attempt != 6 {
			t.Errorf("last delivery %+v, want final attempt 6 with the error", last)
		}
		for _, del := range deliveries[:5] {
			if del.Final {
				t.Errorf("attempt %d marked final", del.Attempt)
			}
		}
		closeDispatcher(t, d)
	})
}

func TestDispatchDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		fake := &fakeNotifier{name: "mail", results: []fakeResult{{true, errTemporary}}}
		d := NewDispatcher([]Notifier{fake}, DispatchOptions{})
		d.Send(firingNotification(start))
		time.Sleep(time.Hour)
		synctest.Wait()

		// The 10 s base doubles up to the 5 min cap, giving waits of 10, 20,
		// 40, 80 and 160 s. The next wait, 300 s, would end at 610 s, past
		// the 10 min deadline.
		want := []time.Duration{0, 10 * time.Second, 30 * time.Second, 70 * time.Second, 150 * time.Second, 310 * time.Second}
		if got := fake.callTimes(start); !slices.Equal(got, want) {
			t.Errorf("calls at %v, want %v", got, want)
		}
		closeDispatcher(t, d)
	})
}

func TestDispatchPermanentFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &fakeNotifier{name: "desktop", results: []fakeResult{{false, ErrNoDesktopSession}}}
		log, buf := logBuffer()
		d := NewDispatcher([]Notifier{fake}, DispatchOptions{Logger: log})
		d.Send(firingNotification(time.Now()))
		time.Sleep(time.Hour)
		synctest.Wait()
		if n := len(fake.recorded()); n != 1 {
			t.Errorf("%d calls, want 1", n)
		}
		deliveries := drain(d)
		if len(deliveries) != 1 || !deliveries[0].Final || !errors.Is(deliveries[0].Err, ErrNoDesktopSession) {
			t.Errorf("deliveries %+v, want one final failure", deliveries)
		}
		if !strings.Contains(buf.String(), "reason=permanent") {
			t.Errorf("log does not say the failure is permanent:\n%s", buf)
		}
		closeDispatcher(t, d)
	})
}

func TestDispatchSendResolved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		all := &fakeNotifier{name: "desktop"}
		quiet := quietNotifier{&fakeNotifier{name: "mail"}}
		d := NewDispatcher([]Notifier{all, quiet}, DispatchOptions{})

		resolvedOnly := Notification{Resolved: []Alert{{Key: gpuKey("farm", "r1", 0, KindGPUHot), State: StateResolved}}}
		both := firingNotification(time.Now())
		both.Resolved = resolvedOnly.Resolved
		d.Send(resolvedOnly)
		d.Send(both)
		d.Send(Notification{Test: true})
		synctest.Wait()

		if got := all.recorded(); len(got) != 3 || len(got[0].n.Resolved) != 1 || len(got[1].n.Resolved) != 1 {
			t.Errorf("channel with resolutions got %d calls: %+v", len(got), got)
		}
		got := quiet.recorded()
		if len(got) != 2 {
			t.Fatalf("channel without resolutions got %d calls, want 2 (the mixed one and the test)", len(got))
		}
		if len(got[0].n.Firing) != 1 || got[0].n.Resolved != nil {
			t.Errorf("channel without resolutions got %+v, want only the firing alert", got[0].n)
		}
		if !got[1].n.Test {
			t.Errorf("channel without resolutions did not get the test notification")
		}
		closeDispatcher(t, d)
	})
}

func TestDispatchSendNeverBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		fake := &fakeNotifier{name: "mail", block: make(chan struct{})}
		d := NewDispatcher([]Notifier{fake}, DispatchOptions{QueueSize: 2})
		notification := func(i int) Notification { return firingNotification(start.Add(time.Duration(i) * time.Second)) }

		d.Send(notification(1))
		synctest.Wait() // notification 1 is in flight, blocked
		for i := 2; i <= 5; i++ {
			d.Send(notification(i))
		}
		if !time.Now().Equal(start) {
			t.Fatalf("Send took %v of fake time", time.Since(start))
		}

		// The queue holds 2: sending 4 and 5 dropped the oldest, 2 and 3.
		deliveries := drain(d)
		if len(deliveries) != 2 {
			t.Fatalf("%d deliveries, want 2 drops", len(deliveries))
		}
		for i, del := range deliveries {
			wantAt := start.Add(time.Duration(i+2) * time.Second)
			if !errors.Is(del.Err, ErrQueueFull) || !del.Final || !del.Notification.At.Equal(wantAt) {
				t.Errorf("drop %d: %+v, want notification %d dropped", i, del, i+2)
			}
		}

		close(fake.block)
		synctest.Wait()
		var sentAt []time.Duration
		for _, c := range fake.recorded() {
			sentAt = append(sentAt, c.n.At.Sub(start))
		}
		if want := []time.Duration{time.Second, 4 * time.Second, 5 * time.Second}; !slices.Equal(sentAt, want) {
			t.Errorf("sent notifications %v, want %v", sentAt, want)
		}
		closeDispatcher(t, d)
	})
}

func TestDispatchCloseWaitsForInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		fake := &fakeNotifier{name: "mail", block: make(chan struct{})}
		d := NewDispatcher([]Notifier{fake}, DispatchOptions{})
		d.Send(firingNotification(start))
		synctest.Wait()
		go func() {
			time.Sleep(2 * time.Second)
			close(fake.block)
		}()

		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if waited := time.Since(start); waited != 2*time.Second {
			t.Errorf("Close returned after %v, want 2s when the send finished", waited)
		}
		var deliveries []Delivery
		for del := range d.Results() {
			deliveries = append(deliveries, del)
		}
		if len(deliveries) != 1 || deliveries[0].Err != nil || !deliveries[0].Final {
			t.Errorf("deliveries %+v, want one success", deliveries)
		}
		d.Send(firingNotification(start)) // after Close: dropped, no panic
	})
}

func TestDispatchCloseDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		fake := &fakeNotifier{name: "mail", block: make(chan struct{})}
		d := NewDispatcher([]Notifier{fake}, DispatchOptions{})
		d.Send(firingNotification(start))
		synctest.Wait()

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err := d.Close(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Close = %v, want the deadline error", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Errorf("Close returned after %v, want 1s", waited)
		}
		synctest.Wait()
		calls := fake.recorded()
		if len(calls) != 1 || !errors.Is(calls[0].ctxErr, context.Canceled) {
			t.Errorf("calls %+v, want the in-flight call cancelled", calls)
		}
		var deliveries []Delivery
		for del := range d.Results() {
			deliveries = append(deliveries, del)
		}
		if len(deliveries) != 1 || !deliveries[0].Final {
			t.Errorf("deliveries %+v, want one final failure", deliveries)
		}
	})
}

func TestDispatchCloseStopsRetrying(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		fake := &fakeNotifier{name: "mail", results: []fakeResult{{true, errTemporary}}}
		d := NewDispatcher([]Notifier{fake}, DispatchOptions{})
		d.Send(firingNotification(start))
		synctest.Wait() // the first attempt failed; the retry waits 10 s
		closeDispatcher(t, d)
		if waited := time.Since(start); waited != 0 {
			t.Errorf("Close waited %v for a retry", waited)
		}
		var deliveries []Delivery
		for del := range d.Results() {
			deliveries = append(deliveries, del)
		}
		if len(deliveries) != 2 {
			t.Fatalf("deliveries %+v, want the failed attempt and the final report", deliveries)
		}
		final := deliveries[1]
		if !final.Final || !errors.Is(final.Err, ErrDispatcherClosed) || !errors.Is(final.Err, errTemporary) {
			t.Errorf("final delivery %+v, want closed wrapping the last error", final)
		}
	})
}

func TestDispatchCloseTriesQueuedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		fake := &fakeNotifier{name: "mail", results: []fakeResult{{true, errTemporary}}, block: make(chan struct{})}
		d := NewDispatcher([]Notifier{fake}, DispatchOptions{})
		d.Send(firingNotification(start))
		synctest.Wait()
		d.Send(firingNotification(start.Add(time.Second)))
		go func() {
			time.Sleep(time.Second)
			close(fake.block)
		}()
		closeDispatcher(t, d)
		if n := len(fake.recorded()); n != 2 {
			t.Errorf("%d calls, want one for each notification and no retries", n)
		}
	})
}

func TestDispatchSkipsDisabledChannel(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("session detection applies to D-Bus platforms")
	}
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		fake := &fakeDesktop{
			err:   errors.New("beeep: dbus: dbus: couldn't determine address of session bus"),
			block: make(chan struct{}),
		}
		desktop := NewDesktop(DesktopOptions{Notify: fake.notify, Getenv: env(nil)})
		mail := &fakeNotifier{name: "mail"}
		log, buf := logBuffer()
		d := NewDispatcher([]Notifier{desktop, mail}, DispatchOptions{Logger: log})
		defer closeDispatcher(t, d)

		// Two notifications queue up behind the first attempt, which then
		// fails for want of a desktop session; two more come after it.
		d.Send(firingNotification(start))
		synctest.Wait()
		d.Send(firingNotification(start.Add(time.Second)))
		d.Send(firingNotification(start.Add(2 * time.Second)))
		close(fake.block)
		synctest.Wait()
		for i := 3; i <= 4; i++ {
			time.Sleep(time.Minute)
			d.Send(firingNotification(start.Add(time.Duration(i) * time.Second)))
			synctest.Wait()
		}

		if fake.calls != 1 {
			t.Errorf("%d desktop calls, want 1", fake.calls)
		}
		var desktopDeliveries []Delivery
		mailSent := 0
		for _, del := range drain(d) {
			switch {
			case del.Channel == "desktop":
				desktopDeliveries = append(desktopDeliveries, del)
			case del.Err == nil:
				mailSent++
			}
		}
		if len(desktopDeliveries) != 1 {
			t.Fatalf("desktop deliveries %+v, want one", desktopDeliveries)
		}
		if del := desktopDeliveries[0]; !del.Final || del.Attempt != 1 || !errors.Is(del.Err, ErrNoDesktopSession) {
			t.Errorf("desktop delivery %+v, want a final ErrNoDesktopSession on attempt 1", del)
		}
		if mailSent != 5 {
			t.Errorf("%d mail notifications sent, want all 5", mailSent)
		}

		var desktopLines []string
		for line := range strings.Lines(buf.String()) {
			if strings.Contains(line, "channel=desktop") {
				desktopLines = append(desktopLines, line)
			}
		}
		if len(desktopLines) != 1 {
			t.Fatalf("%d log lines about the desktop, want 1:\n%s", len(desktopLines), buf)
		}
		line := desktopLines[0]
		for _, want := range []string{"level=WARN", "this channel is off until rigtop restarts", "couldn't determine address"} {
			if !strings.Contains(line, want) {
				t.Errorf("log line %q lacks %q", line, want)
			}
		}
	})
}

// offNotifier turns itself off on its second failure.
type offNotifier struct {
	*fakeNotifier
}

func (o offNotifier) Disabled() bool { return len(o.recorded()) >= 2 }

func TestDispatchDisabledDuringRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		fake := offNotifier{&fakeNotifier{name: "pager", results: []fakeResult{{true, errTemporary}}}}
		log, buf := logBuffer()
		d := NewDispatcher([]Notifier{fake}, DispatchOptions{BackoffBase: 10 * time.Second, Logger: log})
		defer closeDispatcher(t, d)
		d.Send(firingNotification(start))
		time.Sleep(time.Hour)
		d.Send(firingNotification(start.Add(time.Hour)))
		synctest.Wait()

		// One retry 10 s after the first failure, then nothing.
		if got, want := fake.callTimes(start), []time.Duration{0, 10 * time.Second}; !slices.Equal(got, want) {
			t.Errorf("calls at %v, want %v", got, want)
		}
		deliveries := drain(d)
		if len(deliveries) != 2 || deliveries[0].Final || !deliveries[1].Final || deliveries[1].Attempt != 2 {
			t.Errorf("deliveries %+v, want a retryable failure then a final one", deliveries)
		}
		if n := strings.Count(buf.String(), "this channel is off"); n != 1 {
			t.Errorf("%d channel-off lines, want 1:\n%s", n, buf)
		}
		if strings.Contains(buf.String(), "level=ERROR") {
			t.Errorf("a channel turning itself off logged an error:\n%s", buf)
		}
	})
}
