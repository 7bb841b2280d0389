package main

import "time"

// Poll defaults. ethOS rigs report to the panel every two to three minutes,
// so polling more often than once a minute shows nothing new.
const (
	defaultInterval = 60 * time.Second
	defaultTimeout  = 10 * time.Second
	demoInterval    = 5 * time.Second
	// minInterval keeps a mistyped interval ("1ms") from hammering a panel.
	minInterval = time.Second
)

// pollFlags are the flags the monitor, watch and check share. Each has a
// config key of the same name (log_level for --log-level) and, when given,
// overrides it.
type pollFlags struct {
	interval  time.Duration
	timeout   time.Duration
	config    string
	log       string
	logLevel  string
	state     string
	noDesktop bool
}

// checkUnusedFlags are the shared flags that check accepts, so that one
// set of flags works for every command, but has no use for: it polls once,
// sends no notification and saves no alert state.
var checkUnusedFlags = map[string]bool{"interval": true, "no-desktop": true, "state": true}

// addPollFlags defines the shared flags on c.
func (c *commandLine) addPollFlags() *pollFlags {
	f := &pollFlags{}
	c.fs.DurationVar(&f.interval, "interval", defaultInterval, c.sharedUsage("interval"))
	c.fs.DurationVar(&f.timeout, "timeout", defaultTimeout, c.sharedUsage("timeout"))
	c.fs.StringVar(&f.config, "config", "", c.sharedUsage("config"))
	c.fs.StringVar(&f.log, "log", "", c.sharedUsage("log"))
	c.fs.StringVar(&f.logLevel, "log-level", "info", c.sharedUsage("log-level"))
	c.fs.StringVar(&f.state, "state", "", c.sharedUsage("state"))
	c.fs.BoolVar(&f.noDesktop, "no-desktop", false, c.sharedUsage("no-desktop"))
	return f
}

// sharedUsage returns the catalogue id of a shared flag's help text, saying
// so where check does not use it.
func (c *commandLine) sharedUsage(name string) string {
	if c.name == "check" && checkUnusedFlags[name] {
		return "cmd.flag.check_unused"
	}
	return "cmd.flag." + flagID(name)
}

// flagID returns the catalogue name of a flag: log-level is log_level.
func flagID(name string) string {
	out := []byte(name)
	for i, b := range out {
		if b == '-' {
			out[i] = '_'
		}
	}
	return string(out)
}
