package main

import (
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"rigtop/alert"
	"rigtop/locale"
)

// Settings are one command's effective settings: the defaults, overridden
// by the config file, overridden by the flags given on the command line.
type Settings struct {
	// ConfigPath is the config file read, or "" when there was none.
	ConfigPath string
	Panels     []string
	Interval   time.Duration
	Timeout    time.Duration
	LogPath    string
	LogLevel   slog.Level
	// StatePath is the alert state file; empty means nothing is saved.
	StatePath string
	Alerts    alert.Config
	Desktop   DesktopConfig
	// Mail is nil when the config has no [mail] section.
	Mail *MailConfig
	// Warnings are config problems worth logging that do not stop the
	// command.
	Warnings []*configError
}

// DesktopConfig is the [desktop] section, with --no-desktop applied.
type DesktopConfig struct {
	Enabled      bool
	SendResolved bool
}

// settingsOptions are the parts of loadSettings a command needs.
type settingsOptions struct {
	// readSecrets reads the SMTP password, which check does not need.
	readSecrets bool
	// noState leaves StatePath empty whatever the config and flags set.
	noState bool
}

// loadSettings reads the config file and applies the flags set on the
// command line over it. Panels given as arguments replace the config's
// panels list. It switches c to the config's language when --lang was not
// given, before any config error is reported. Every error it returns is the operator's to fix, so callers treat
// it as a usage error.
func (c *commandLine) loadSettings(f *pollFlags, panels []string, opts settingsOptions) (*Settings, error) {
	getenv := c.e.getenv
	cfg, err := c.readConfigFile(f)
	if err != nil {
		return nil, err
	}
	if tag, err := locale.Parse(cfg.file.Lang); err == nil && cfg.has("lang") && !c.isSet("lang") {
		c.setLanguage(tag)
	}
	if errs := cfg.validate(); len(errs) > 0 {
		return nil, errs
	}
	if err := cfg.validateAlerts(); err != nil {
		return nil, err
	}
	mail, errs, warnings := cfg.mailConfig(getenv, opts.readSecrets)
	if len(errs) > 0 {
		return nil, errs
	}

	file := cfg.file
	base := ""
	if cfg.path != "" {
		base = filepath.Dir(cfg.path)
	}
	s := &Settings{
		ConfigPath: cfg.path,
		Panels:     file.Panels,
		Interval:   file.Interval,
		Timeout:    file.Timeout,
		Alerts:     file.Alerts,
		Desktop:    DesktopConfig{Enabled: file.Desktop.Enabled, SendResolved: file.Desktop.SendResolved},
		Mail:       mail,
		Warnings:   warnings,
	}
	if file.Log != "" {
		s.LogPath = resolvePath(file.Log, base, getenv)
	}
	if file.State != "" {
		s.StatePath = resolvePath(file.State, base, getenv)
	}
	s.LogLevel, _ = parseLogLevel(file.LogLevel)

	if err := c.applyFlags(f, s); err != nil {
		return nil, err
	}
	if len(panels) > 0 {
		s.Panels = panels
	}

	switch {
	case opts.noState:
		s.StatePath = ""
	case s.StatePath == "":
		// Without HOME there is no place for the state file, so alerts
		// then live only as long as the process.
		s.StatePath, _ = defaultStatePath(getenv)
	}
	return s, nil
}

// readConfigFile reads the file named by --config, else the default file
// when it exists.
func (c *commandLine) readConfigFile(f *pollFlags) (*loadedConfig, error) {
	if c.isSet("config") {
		if strings.TrimSpace(f.config) == "" {
			return nil, usageErr(c.p.T("cmd.error.flag_empty", "Flag", "--config"))
		}
		return readConfig(resolvePath(f.config, "", c.e.getenv), true)
	}
	path, err := defaultConfigPath(c.e.getenv)
	if err != nil {
		return &loadedConfig{file: defaultConfigFile()}, nil
	}
	return readConfig(path, false)
}

// applyFlags overrides s with the flags given on the command line.
func (c *commandLine) applyFlags(f *pollFlags, s *Settings) error {
	getenv := c.e.getenv
	if c.isSet("interval") {
		if f.interval < minInterval {
			return usageErr(c.p.T("cmd.error.flag_value", "Flag", "--interval",
				"Value", f.interval.String(), "Form", c.p.T("cmd.form.interval")))
		}
		s.Interval = f.interval
	}
	if c.isSet("timeout") {
		if f.timeout <= 0 {
			return usageErr(c.p.T("cmd.error.flag_value", "Flag", "--timeout",
				"Value", f.timeout.String(), "Form", c.p.T("cmd.form.positive_duration")))
		}
		s.Timeout = f.timeout
	}
	if c.isSet("log-level") {
		level, err := parseLogLevel(f.logLevel)
		if err != nil {
			return usageErr(c.p.T("cmd.error.flag_value", "Flag", "--log-level",
				"Value", f.logLevel, "Form", c.p.T("cmd.form.log_level")))
		}
		s.LogLevel = level
	}
	for _, path := range []struct {
		flag  string
		value string
		dest  *string
	}{{"log", f.log, &s.LogPath}, {"state", f.state, &s.StatePath}} {
		if !c.isSet(path.flag) {
			continue
		}
		if strings.TrimSpace(path.value) == "" {
			return usageErr(c.p.T("cmd.error.flag_empty", "Flag", "--"+path.flag))
		}
		*path.dest = resolvePath(path.value, "", getenv)
	}
	if f.noDesktop {
		s.Desktop.Enabled = false
	}
	return nil
}

// failSettings reports an error from loadSettings or buildSources and
// returns the usage exit code: with a pointer to --help for a mistake on
// the command line, without one for a config file problem.
func (c *commandLine) failSettings(err error) int {
	var usage *usageError
	if errors.As(err, &usage) {
		return c.usageError(usage.message)
	}
	return c.fail(c.usageExit, errorText(c.p, err))
}

// usageError is a mistake on the command line, already in the operator's
// language.
type usageError struct{ message string }

func (e *usageError) Error() string { return e.message }

func usageErr(message string) error { return &usageError{message: message} }
