package alert

import "time"

// Delivery is the outcome of one attempt to send a notification through
// one channel.
type Delivery struct {
	Channel string
	At      time.Time
	// Notification is what was sent.
	Notification Notification
	Attempt      int
	Err          error
	// Final is set on the last report for this notification and channel:
	// it was sent, failed permanently, or ran out of retries.
	Final bool
}

// Dispatcher sends notifications through every channel in the background,
// retrying failures with backoff, and reports each attempt on Results.
type Dispatcher struct{}

// Send queues n for every channel and returns at once.
func (d *Dispatcher) Send(n Notification) { panic("not implemented") }

// Results returns the channel on which every delivery attempt is reported.
func (d *Dispatcher) Results() <-chan Delivery { panic("not implemented") }
