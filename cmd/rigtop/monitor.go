package main

import (
	"context"
	"slices"
	"time"

	"rigtop/alert"
	"rigtop/panel"
	"rigtop/tui"
)

// runMonitor is `rigtop [flags] PANEL...`: the live terminal monitor.
func runMonitor(ctx context.Context, e *env, args []string) int {
	c := newCommandLine(e, "", args, exitUsage)
	f := c.addPollFlags()
	panels, code, done := c.parse(args)
	if done {
		return code
	}
	if len(panels) > 0 && !slices.Contains(args, "--") {
		if _, ok := command(panels[0]); ok {
			// "rigtop --lang ja check PANEL": flags before a command would
			// otherwise make the command's name a panel id.
			return c.usageError(c.p.T("cmd.error.command_first", "Command", panels[0]))
		}
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
	if !e.stdoutTerminal {
		return c.fail(exitUsage, c.p.T("cmd.monitor.not_terminal"))
	}
	return c.runScreen(ctx, s, sources)
}

// runScreen runs the terminal monitor of sources with settings s, for the
// monitor and the demo. Its log goes to the --log file only, never to the
// terminal it draws on.
func (c *commandLine) runScreen(ctx context.Context, s *Settings, sources []panel.Source) int {
	log, err := openLog(s.LogPath, s.LogLevel)
	if err != nil {
		return c.fail(exitError, errorText(c.p, err))
	}
	defer log.Close()
	c.logWarnings(log, s.Warnings, true)
	lock, inUse := c.takeStateLock(s, log)
	if inUse != "" {
		log.Error(c.p.T("cmd.log.monitor_failed"), "error", inUse)
		return c.fail(exitUsage, inUse)
	}
	defer lock.release()

	monitor, err := alert.NewMonitor(sources, alert.MonitorOptions{
		Config:    s.Alerts,
		StatePath: s.StatePath,
		Now:       c.e.now,
		Logger:    log.Logger,
		Printer:   c.p,
		Interval:  s.Interval,
	})
	if err != nil {
		return c.fail(exitError, errorText(c.p, err))
	}
	notifiers, err := c.buildNotifiers(s, log.Logger)
	if err != nil {
		return c.fail(exitError, errorText(c.p, err))
	}
	dispatcher := c.newDispatcher(notifiers, log.Logger)

	names := make([]string, len(sources))
	for i, src := range sources {
		names[i] = src.Name()
	}
	log.Info(c.p.T("cmd.log.monitor_started"), "panels", names, "interval", s.Interval)
	err = tui.Run(ctx, tui.Options{
		Monitor:    monitor,
		Dispatcher: dispatcher,
		Printer:    c.p,
		Sources:    names,
		Interval:   s.Interval,
		Logger:     log.Logger,
		Now:        c.e.now,
	})
	closeDispatcher(dispatcher, quitDrainTimeout)
	if err != nil {
		log.Error(c.p.T("cmd.log.monitor_failed"), "error", err)
		return c.fail(exitError, errorText(c.p, err))
	}
	log.Info(c.p.T("cmd.log.monitor_stopped"))
	return exitOK
}

// quitDrainTimeout bounds how long quitting the monitor waits for
// notifications still being sent.
const quitDrainTimeout = 5 * time.Second
