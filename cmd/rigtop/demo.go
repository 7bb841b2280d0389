package main

import (
	"context"

	"rigtop/alert"
	"rigtop/panel"
)

// demoPanelName is the name the simulated farm is shown under.
const demoPanelName = "demo"

// runDemo is `rigtop demo`: the monitor on the built-in simulated farm. It
// needs no network and reads no config file, and its alert state lives only
// as long as the process, so the demo never touches the operator's real
// state.
func runDemo(ctx context.Context, e *env, args []string) int {
	c := newCommandLine(e, "demo", args, exitUsage)
	var interval = demoInterval
	var logPath, logLevel string
	var noDesktop bool
	c.fs.DurationVar(&interval, "interval", demoInterval, "cmd.flag.interval")
	c.fs.StringVar(&logPath, "log", "", "cmd.flag.log")
	c.fs.StringVar(&logLevel, "log-level", "info", "cmd.flag.log_level")
	c.fs.BoolVar(&noDesktop, "no-desktop", false, "cmd.flag.demo_no_desktop")
	positional, code, done := c.parse(args)
	if done {
		return code
	}
	if len(positional) > 0 {
		return c.usageError(c.p.T("cmd.error.no_args", "Command", c.command()))
	}
	s := &Settings{
		Interval: interval,
		Alerts:   alert.DefaultConfig(),
		Desktop:  DesktopConfig{Enabled: !noDesktop, SendResolved: true},
	}
	if interval < minInterval {
		return c.usageError(c.p.T("cmd.error.flag_value", "Flag", "--interval",
			"Value", interval.String(), "Form", c.p.T("cmd.form.interval")))
	}
	level, err := parseLogLevel(logLevel)
	if err != nil {
		return c.usageError(c.p.T("cmd.error.flag_value", "Flag", "--log-level",
			"Value", logLevel, "Form", c.p.T("cmd.form.log_level")))
	}
	s.LogLevel = level
	if logPath != "" {
		s.LogPath = resolvePath(logPath, "", e.getenv)
	}

	if !e.stdoutTerminal {
		return c.fail(exitUsage, c.p.T("cmd.monitor.not_terminal"))
	}

	farm := panel.NewDemoFarm(e.now())
	return c.runScreen(ctx, s, []panel.Source{farm.Source(demoPanelName, e.now)})
}
