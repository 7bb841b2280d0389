package main

import (
	"context"
	"time"

	"rigtop/alert"
	"rigtop/locale"
)

// watchDrainTimeout bounds how long watch waits, after a signal, for
// notifications still being sent.
const watchDrainTimeout = 10 * time.Second

// runWatch is `rigtop watch [flags] PANEL...`: the poll, evaluate and
// notify loop of the monitor without a screen, for systemd, cron or nohup.
// It logs to stderr and to the --log file, and stops on SIGINT or SIGTERM
// (ctx cancelled) once the dispatcher has drained.
func runWatch(ctx context.Context, e *env, args []string) int {
	c := newCommandLine(e, "watch", args, exitUsage)
	f := c.addPollFlags()
	panels, code, done := c.parse(args)
	if done {
		return code
	}
	s, err := c.loadSettings(f, panels, settingsOptions{readSecrets: true})
	if err != nil {
		return c.failSettings(err)
	}
	if len(s.Panels) == 0 {
		return c.usageError(c.p.T("cmd.error.no_panels"))
	}
	sources, err := c.buildSources(s)
	if err != nil {
		return c.failSettings(err)
	}

	log, err := openLog(s.LogPath, s.LogLevel, e.stderr)
	if err != nil {
		return c.fail(exitError, errorText(c.p, err))
	}
	defer log.Close()
	c.logWarnings(log, s.Warnings, false)
	lock, inUse := c.takeStateLock(s, log)
	if inUse != "" {
		log.Error(c.p.T("cmd.log.watch_failed"), "error", inUse)
		return exitUsage
	}
	defer lock.release()

	monitor, err := alert.NewMonitor(sources, alert.MonitorOptions{
		Config:    s.Alerts,
		StatePath: s.StatePath,
		Now:       e.now,
		Logger:    log.Logger,
		Printer:   c.p,
		Interval:  s.Interval,
	})
	if err != nil {
		log.Error(c.p.T("cmd.log.watch_failed"), "error", errorText(c.p, err))
		return exitError
	}
	notifiers, err := c.buildNotifiers(s, log.Logger)
	if err != nil {
		log.Error(c.p.T("cmd.log.watch_failed"), "error", errorText(c.p, err))
		return exitError
	}
	dispatcher := c.newDispatcher(notifiers, log.Logger)

	channels := make([]string, len(notifiers))
	for i, n := range notifiers {
		channels[i] = n.Name()
	}
	log.Info(c.p.T("cmd.log.watch_started"), "panels", s.Panels, "interval", s.Interval,
		"channels", channels, "state", s.StatePath)

	w := &watcher{p: c.p, log: log, monitor: monitor, dispatcher: dispatcher, timeout: s.Timeout}
	w.run(ctx, s.Interval)

	log.Info(c.p.T("cmd.log.watch_stopping"))
	if err := closeDispatcher(dispatcher, watchDrainTimeout); err != nil {
		log.Warn(c.p.T("cmd.log.drain_timeout"), "timeout", watchDrainTimeout)
	}
	log.Info(c.p.T("cmd.log.watch_stopped"))
	return exitOK
}

// watcher runs the poll loop of watch.
type watcher struct {
	p          *locale.Printer
	log        *operatorLog
	monitor    *alert.Monitor
	dispatcher *alert.Dispatcher
	timeout    time.Duration
}

// run polls at once and then every interval until ctx is cancelled. A poll
// that overruns the interval delays the next one rather than stacking up.
func (w *watcher) run(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		w.poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// poll runs one cycle: fetch, evaluate, log what fired or resolved, and
// hand it to the dispatcher. The monitor saves alert state at the end of
// every poll, so a stop between polls loses nothing.
func (w *watcher) poll(ctx context.Context) {
	pollCtx, cancel := context.WithTimeout(ctx, fetchBound(w.timeout))
	cycle := w.monitor.Poll(pollCtx)
	cancel()

	n := cycle.Notification
	if n == nil {
		w.log.Debug(w.p.T("cmd.log.poll_done"), "alerts", len(cycle.Alerts))
		return
	}
	for _, a := range n.Firing {
		w.log.Warn(w.p.T("cmd.log.alert_fired", "Alert", alert.Describe(w.p, a)),
			"key", a.Key.String(), "severity", severityID(a.Severity))
	}
	for _, a := range n.Resolved {
		w.log.Info(w.p.T("cmd.log.alert_resolved", "Alert", alert.Describe(w.p, a)),
			"key", a.Key.String())
	}
	if w.dispatcher != nil {
		w.dispatcher.Send(*n)
	}
}
