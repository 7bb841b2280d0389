package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"rigtop/alert"
	"rigtop/alert/mail"
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

// newMailNotifier returns the mail channel for cfg. This is the one place
// the SMTP password leaves its Secret: cfg.Password.Reveal().
func newMailNotifier(cfg *MailConfig, p *locale.Printer, log *slog.Logger) (alert.Notifier, error) {
	notifier, err := mail.New(mail.Config{
		Host:         cfg.Host,
		Port:         cfg.Port,
		From:         cfg.From,
		To:           cfg.To,
		TLS:          mail.TLSMode(cfg.TLS),
		Auth:         mail.AuthMechanism(cfg.Auth),
		User:         cfg.User,
		Password:     cfg.Password.Reveal(),
		SkipResolved: !cfg.SendResolved,
	}, mail.Options{Printer: p, Logger: log})
	if err != nil {
		// A nil *mail.Notifier must not become a non-nil alert.Notifier.
		return nil, err
	}
	return notifier, nil
}

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
