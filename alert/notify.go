package alert

import (
	"context"
	"time"
)

// Notification is everything that fired or resolved in one evaluation,
// sent as one message per channel.
type Notification struct {
	At       time.Time
	Firing   []Alert
	Resolved []Alert
	// Test marks the message sent by `rigtop notify-test`.
	Test bool
}

// Notifier sends notifications through one channel.
type Notifier interface {
	// Name returns the channel's name as shown in logs and the alerts view.
	Name() string
	// Notify sends n. When it fails, retry reports whether trying again
	// later could succeed.
	Notify(ctx context.Context, n Notification) (retry bool, err error)
}
