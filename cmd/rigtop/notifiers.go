package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"rigtop/alert"
	"rigtop/locale"
)

// buildNotifiers returns every configured channel: the desktop unless
// desktop.enabled is false or --no-desktop is given, and mail when the
// config has a [mail] section.
func (c *commandLine) buildNotifiers(s *Settings, log *slog.Logger) ([]alert.Notifier, error) {
	var notifiers []alert.Notifier
	if s.Desktop.Enabled {
		notifiers = append(notifiers, alert.NewDesktop(alert.DesktopOptions{
			Printer:      c.p,
			SkipResolved: !s.Desktop.SendResolved,
			Logger:       log,
			Getenv:       c.e.getenv,
		}))
	}
	if s.Mail != nil {
		mail, err := newMailNotifier(s.Mail, c.p, log)
		if err != nil {
			return nil, err
		}
		notifiers = append(notifiers, mail)
	}
	return notifiers, nil
}

// errMailNotBuilt is the mail channel's error until the SMTP notifier is
// wired in newMailNotifier.
var errMailNotBuilt = errors.New("mail notifier not built into this binary")

// newMailNotifier returns the mail channel for cfg. This is the one place
// the SMTP password leaves its Secret: cfg.Password.Reveal().
//
// TODO: build the SMTP notifier of package rigtop/alert/mail here from cfg
// once that package exists. Until then the channel fails every send with
// errMailNotBuilt, so that notify-test, the log and the alerts view show
// that mail is not sent while monitoring goes on.
func newMailNotifier(cfg *MailConfig, p *locale.Printer, log *slog.Logger) (alert.Notifier, error) {
	return failingNotifier{name: "mail", err: errMailNotBuilt, sendResolved: cfg.SendResolved}, nil
}

// failingNotifier is a channel that cannot send: every Notify fails
// permanently with err.
type failingNotifier struct {
	name         string
	err          error
	sendResolved bool
}

func (n failingNotifier) Name() string { return n.name }

func (n failingNotifier) Notify(context.Context, alert.Notification) (bool, error) {
	return false, n.err
}

// SendResolved implements alert.ResolvedSender.
func (n failingNotifier) SendResolved() bool { return n.sendResolved }

// newDispatcher returns a dispatcher over notifiers that logs every
// attempt in the operator's language, or nil when there is no channel.
func (c *commandLine) newDispatcher(notifiers []alert.Notifier, log *slog.Logger) *alert.Dispatcher {
	if len(notifiers) == 0 {
		return nil
	}
	return alert.NewDispatcher(notifiers, alert.DispatchOptions{
		Logger:  log,
		Printer: c.p,
		Now:     c.e.now,
	})
}

// closeDispatcher lets the dispatcher finish what it is sending, for at
// most timeout. A nil dispatcher is nothing to close.
func closeDispatcher(d *alert.Dispatcher, timeout time.Duration) error {
	if d == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.Close(ctx)
}

// logWarnings logs the config problems that do not stop the command, and
// prints them on stderr when the log does not go there already.
func (c *commandLine) logWarnings(log *operatorLog, warnings []*configError, toStderr bool) {
	for _, w := range warnings {
		text := w.localize(c.p)
		log.Warn(text)
		if toStderr {
			fmt.Fprintln(c.e.stderr, c.command()+": "+text)
		}
	}
}
