package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"rigtop/locale"
)

// Delivery is the outcome of one attempt to send a notification through
// one channel.
type Delivery struct {
	Channel string
	At      time.Time
	// Notification is the notification this attempt sent.
	Notification Notification
	Attempt      int
	Err          error
	// Final is set on the last report for this notification and channel:
	// it was sent, failed permanently, or ran out of retries.
	Final bool
}

// Errors reported in a final Delivery when a notification is dropped, or
// given up without a further attempt. ErrorText localizes them.
var (
	// ErrQueueFull: the channel's queue was full, so its oldest waiting
	// notification was dropped to make room for a new one.
	ErrQueueFull = errors.New("notification queue full")
	// ErrDispatcherClosed: the dispatcher closed before the notification
	// could be sent or retried.
	ErrDispatcherClosed = errors.New("dispatcher closed")
)

// ResolvedSender is implemented by notifiers whose channel may not want
// resolved notifications (send_resolved = false). A notifier without it
// gets them.
type ResolvedSender interface {
	SendResolved() bool
}

// Disabler is implemented by notifiers that can turn themselves off for
// the rest of the run, such as the desktop channel on a machine without a
// desktop session. The failure that turns a channel off is reported and
// logged once. After it, the dispatcher drops the channel's notifications
// without trying, reporting or logging them.
type Disabler interface {
	Disabled() bool
}

// DispatchOptions configure NewDispatcher. Zero fields take the defaults.
type DispatchOptions struct {
	// QueueSize bounds the notifications waiting per channel; 0 means 32.
	QueueSize int
	// BackoffBase is the wait before the first retry; 0 means 10 s. Each
	// further retry waits twice as long, up to BackoffMax (0 means 5 min).
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// RetryFor bounds how long one notification is retried, counted from
	// its first attempt; 0 means 10 min.
	RetryFor time.Duration
	// AttemptTimeout bounds one attempt; 0 means 1 min.
	AttemptTimeout time.Duration
	// ResultsSize is the buffer of Results; 0 means 64. When it is full,
	// reports are dropped rather than delaying deliveries.
	ResultsSize int
	// Logger receives one line per attempt; nil discards them.
	Logger *slog.Logger
	// Printer is the language of log messages; nil means English.
	Printer *locale.Printer
	// Now stamps deliveries; nil means time.Now. Waits between retries use
	// the time package's timers, so testing/synctest controls both.
	Now func() time.Time
}

// Dispatcher sends notifications through every channel in the background,
// retrying failures with backoff, and reports each attempt on Results.
// Each channel has its own queue and goroutine, so a slow channel delays
// neither the others nor the caller.
type Dispatcher struct {
	opts     DispatchOptions
	channels []*channel
	results  chan Delivery

	// ctx is cancelled when Close gives up waiting; it aborts attempts.
	ctx    context.Context
	cancel context.CancelFunc
	// closing is closed by Close: retries stop and queues drain.
	closing chan struct{}
	wg      sync.WaitGroup

	// mu guards closed and makes each queue's drop-oldest step atomic.
	mu     sync.Mutex
	closed bool
}

type channel struct {
	notifier     Notifier
	name         string
	sendResolved bool
	// disabler is the notifier as a Disabler, or nil when it never turns
	// itself off.
	disabler Disabler
	queue    chan Notification
}

// off reports whether the channel has turned itself off.
func (ch *channel) off() bool {
	return ch.disabler != nil && ch.disabler.Disabled()
}

// Dispatch defaults.
const (
	DefaultQueueSize      = 32
	DefaultBackoffBase    = 10 * time.Second
	DefaultBackoffMax     = 5 * time.Minute
	DefaultRetryFor       = 10 * time.Minute
	DefaultAttemptTimeout = time.Minute
	defaultResultsSize    = 64
)

// NewDispatcher starts one sending goroutine per notifier. Call Close to
// stop them.
func NewDispatcher(notifiers []Notifier, opts DispatchOptions) *Dispatcher {
	opts.QueueSize = cmpOr(opts.QueueSize, DefaultQueueSize)
	opts.BackoffBase = cmpOr(opts.BackoffBase, DefaultBackoffBase)
	opts.BackoffMax = max(cmpOr(opts.BackoffMax, DefaultBackoffMax), opts.BackoffBase)
	opts.RetryFor = cmpOr(opts.RetryFor, DefaultRetryFor)
	opts.AttemptTimeout = cmpOr(opts.AttemptTimeout, DefaultAttemptTimeout)
	opts.ResultsSize = cmpOr(opts.ResultsSize, defaultResultsSize)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Printer == nil {
		opts.Printer = locale.New(locale.English)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}

	d := &Dispatcher{
		opts:    opts,
		results: make(chan Delivery, opts.ResultsSize),
		closing: make(chan struct{}),
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	for _, n := range notifiers {
		ch := &channel{
			notifier:     n,
			name:         n.Name(),
			sendResolved: true,
			queue:        make(chan Notification, opts.QueueSize),
		}
		if rs, ok := n.(ResolvedSender); ok {
			ch.sendResolved = rs.SendResolved()
		}
		if dn, ok := n.(Disabler); ok {
			ch.disabler = dn
		}
		d.channels = append(d.channels, ch)
		d.wg.Add(1)
		go d.run(ch)
	}
	go func() {
		d.wg.Wait()
		close(d.results)
	}()
	return d
}

// cmpOr returns v, or def when v is zero or negative.
func cmpOr[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Send queues n for every channel and returns at once. A channel that does
// not want resolutions gets only n's firing alerts, and nothing when none
// fired. When a channel's queue is full its oldest waiting notification is
// dropped and reported with ErrQueueFull. A channel that has turned itself
// off gets nothing. After Close, Send only logs.
func (d *Dispatcher) Send(n Notification) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		d.opts.Logger.Warn(d.opts.Printer.T("alert.log.notify_closed"), "firing", len(n.Firing), "resolved", len(n.Resolved))
		return
	}
	for _, ch := range d.channels {
		m, ok := ch.filter(n)
		if !ok || ch.off() {
			continue
		}
		select {
		case ch.queue <- m:
			continue
		default:
		}
		select {
		case old := <-ch.queue:
			d.report(Delivery{Channel: ch.name, At: d.opts.Now(), Notification: old, Err: ErrQueueFull, Final: true})
			d.opts.Logger.Warn(d.opts.Printer.T("alert.log.notify_dropped"), "channel", ch.name)
		default:
		}
		select {
		case ch.queue <- m:
		default:
		}
	}
}

// filter returns what the channel is to send of n, and false when that is
// nothing.
func (ch *channel) filter(n Notification) (Notification, bool) {
	if n.Test {
		return n, true
	}
	if !ch.sendResolved {
		n.Resolved = nil
	}
	return n, len(n.Firing) > 0 || len(n.Resolved) > 0
}

// Results returns the channel on which every delivery attempt is reported.
// It is closed once Close has stopped every sending goroutine.
func (d *Dispatcher) Results() <-chan Delivery { return d.results }

// Close stops accepting notifications and waits until each channel has
// finished: an attempt in flight runs to its end, a notification waiting
// for a retry gives up, and a queued one gets a single attempt. When ctx
// ends first, Close aborts the attempts in flight and returns ctx's error
// without waiting further.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		close(d.closing)
		for _, ch := range d.channels {
			close(ch.queue)
		}
	}
	d.mu.Unlock()

	done := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		d.cancel()
		return nil
	case <-ctx.Done():
		d.cancel()
		return fmt.Errorf("close dispatcher: %w", ctx.Err())
	}
}

func (d *Dispatcher) run(ch *channel) {
	defer d.wg.Done()
	for n := range ch.queue {
		// Notifications queued before the channel turned itself off are
		// dropped like the ones Send no longer queues.
		if ch.off() {
			continue
		}
		d.deliver(ch, n)
	}
}

// deliver sends n through ch, retrying with exponential backoff until it
// succeeds, the notifier reports the failure permanent or turns itself off,
// the next retry would start after RetryFor, or the dispatcher closes.
func (d *Dispatcher) deliver(ch *channel, n Notification) {
	log := d.opts.Logger.With("channel", ch.name, "firing", len(n.Firing), "resolved", len(n.Resolved))
	p := d.opts.Printer
	deadline := d.opts.Now().Add(d.opts.RetryFor)
	backoff := d.opts.BackoffBase

	for attempt := 1; ; attempt++ {
		if d.ctx.Err() != nil {
			d.report(Delivery{Channel: ch.name, At: d.opts.Now(), Notification: n, Attempt: attempt - 1, Err: ErrDispatcherClosed, Final: true})
			log.Error(p.T("alert.log.notify_closed"), "attempt", attempt-1)
			return
		}
		retry, err := d.attempt(ch, n, deadline)
		at := d.opts.Now()
		if err == nil {
			d.report(Delivery{Channel: ch.name, At: at, Notification: n, Attempt: attempt, Final: true})
			log.Info(p.T("alert.log.notify_sent"), "attempt", attempt)
			return
		}

		if ch.off() {
			d.report(Delivery{Channel: ch.name, At: at, Notification: n, Attempt: attempt, Err: err, Final: true})
			log.Warn(p.T("alert.log.notify_off"), "attempt", attempt, "error", err)
			return
		}
		var reason string
		switch {
		case !retry:
			reason = "permanent"
		case d.isClosing():
			reason = "closed"
		case at.Add(backoff).After(deadline):
			reason = "deadline"
		}
		if reason != "" {
			d.report(Delivery{Channel: ch.name, At: at, Notification: n, Attempt: attempt, Err: err, Final: true})
			log.Error(p.T("alert.log.notify_failed"), "attempt", attempt, "reason", reason, "error", err)
			return
		}
		d.report(Delivery{Channel: ch.name, At: at, Notification: n, Attempt: attempt, Err: err})
		log.Warn(p.T("alert.log.notify_retry"), "attempt", attempt, "retry_in", backoff, "error", err)

		if !d.wait(backoff) {
			d.report(Delivery{Channel: ch.name, At: d.opts.Now(), Notification: n, Attempt: attempt,
				Err: fmt.Errorf("%w: %w", ErrDispatcherClosed, err), Final: true})
			log.Error(p.T("alert.log.notify_failed"), "attempt", attempt, "reason", "closed", "error", err)
			return
		}
		backoff = min(backoff*2, d.opts.BackoffMax)
	}
}

// attempt makes one call to the notifier, bounded by AttemptTimeout and by
// the retry deadline, whichever comes first.
func (d *Dispatcher) attempt(ch *channel, n Notification, deadline time.Time) (retry bool, err error) {
	attemptDeadline := d.opts.Now().Add(d.opts.AttemptTimeout)
	if deadline.Before(attemptDeadline) {
		attemptDeadline = deadline
	}
	ctx, cancel := context.WithDeadline(d.ctx, attemptDeadline)
	defer cancel()
	return ch.notifier.Notify(ctx, n)
}

// wait sleeps for delay and reports false when Close interrupted it.
func (d *Dispatcher) wait(delay time.Duration) bool {
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-d.closing:
		return false
	}
}

func (d *Dispatcher) isClosing() bool {
	select {
	case <-d.closing:
		return true
	default:
		return false
	}
}

// report publishes a delivery without blocking. When Results is not read
// and its buffer is full, the report is dropped; the log still has it.
func (d *Dispatcher) report(del Delivery) {
	select {
	case d.results <- del:
	default:
	}
}
