package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/language"

	"rigtop/locale"
)

// commandLine is one command's flag set and the language it talks to the
// operator in. Every command has --lang and --version.
type commandLine struct {
	e *env
	// name is the command as typed after rigtop: "check", or "" for the
	// monitor.
	name string
	fs   *flag.FlagSet
	p    *locale.Printer
	// usageExit is the exit code for a usage error: 2, or 3 for check.
	usageExit int

	lang    string
	version bool
}

// newCommandLine returns the command line of the command name. Its
// language comes from a valid --lang in args, else from the environment. A
// lang key in the config file applies once it is read.
//
// Each flag's usage is the catalogue id of its help text, which printHelp
// renders. Defining the flags therefore does not wait for the catalogue,
// which loads in the background while the command starts its work.
func newCommandLine(e *env, name string, args []string, usageExit int) *commandLine {
	c := &commandLine{e: e, name: name, usageExit: usageExit}
	tag, err := locale.Detect(scanLangFlag(args), e.getenv)
	if err != nil {
		tag, _ = locale.Detect("", e.getenv)
	}
	c.p = locale.New(tag)

	c.fs = flag.NewFlagSet(c.command(), flag.ContinueOnError)
	c.fs.SetOutput(io.Discard)
	c.fs.Usage = func() { c.printHelp(c.fs.Output()) }
	c.fs.StringVar(&c.lang, "lang", "", "cmd.flag.lang")
	c.fs.BoolVar(&c.version, "version", false, "cmd.flag.version")
	return c
}

// command returns the command as the operator types it: "rigtop check".
func (c *commandLine) command() string {
	if c.name == "" {
		return "rigtop"
	}
	return "rigtop " + c.name
}

// scanLangFlag returns the value of the first --lang in args, or "" when
// there is none. Values after a "--" are panels, not flags.
func scanLangFlag(args []string) string {
	for i, arg := range args {
		if arg == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !strings.HasPrefix(arg, "-") || name != "lang" {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// setLanguage switches the printer to tag, for a lang key in the config
// file.
func (c *commandLine) setLanguage(tag language.Tag) {
	c.p = locale.New(tag)
}

// parse parses args. It returns the positional arguments, or done with the
// exit code when the command has already finished: --help or --version
// printed, or a usage error reported.
func (c *commandLine) parse(args []string) (positional []string, exitCode int, done bool) {
	positional, err := c.parseInterspersed(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		c.fs.SetOutput(c.e.stdout)
		c.fs.Usage()
		return nil, exitOK, true
	case err != nil:
		return nil, c.usageError(c.flagErrorText(err)), true
	case c.version:
		printVersion(c.e)
		return nil, exitOK, true
	}
	if c.lang != "" {
		if _, err := locale.Parse(c.lang); err != nil {
			return nil, c.usageError(c.p.T("cmd.error.lang", "Value", c.lang)), true
		}
	}
	return positional, exitOK, false
}

// parseInterspersed parses flags wherever they are among the positional
// arguments, as in "rigtop check PANEL --json". Everything after "--" is
// positional.
func (c *commandLine) parseInterspersed(args []string) ([]string, error) {
	var positional []string
	for {
		if err := c.fs.Parse(args); err != nil {
			return nil, err
		}
		rest := c.fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" || len(rest) == 0 {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// isSet reports whether the flag name was given on the command line.
func (c *commandLine) isSet(name string) bool {
	set := false
	c.fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// usageError prints message and a pointer to --help on stderr, and returns
// the command's usage exit code.
func (c *commandLine) usageError(message string) int {
	fmt.Fprintln(c.e.stderr, c.command()+": "+message)
	fmt.Fprintln(c.e.stderr, c.p.T("cmd.error.see_help", "Command", c.command()))
	return c.usageExit
}

// fail prints a runtime error on stderr and returns code.
func (c *commandLine) fail(code int, message string) int {
	fmt.Fprintln(c.e.stderr, c.command()+": "+message)
	return code
}

// Messages of the flag package, which has no typed errors; flagErrorText
// matches them to write the error in the operator's language.
var (
	flagUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	flagNoValue   = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
	flagBadValue  = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for flag -+([^:]*): `)
)

func (c *commandLine) flagErrorText(err error) string {
	msg := err.Error()
	if m := flagUndefined.FindStringSubmatch(msg); m != nil {
		return c.p.T("cmd.error.flag_unknown", "Flag", "--"+m[1])
	}
	if m := flagNoValue.FindStringSubmatch(msg); m != nil {
		return c.p.T("cmd.error.flag_no_value", "Flag", "--"+m[1])
	}
	if m := flagBadValue.FindStringSubmatch(msg); m != nil {
		return c.p.T("cmd.error.flag_value", "Flag", "--"+m[2], "Value", m[1],
			"Form", c.p.T("cmd.form."+string(c.flagForm(m[2]))))
	}
	return msg
}

// flagForm returns the form a flag's value is written in.
func (c *commandLine) flagForm(name string) valueForm {
	f := c.fs.Lookup(name)
	if f == nil {
		return formString
	}
	getter, ok := f.Value.(flag.Getter)
	if !ok {
		return formString
	}
	switch getter.Get().(type) {
	case time.Duration:
		return formDuration
	case bool:
		return formBool
	case int, int64, uint, uint64:
		return formInteger
	case float64:
		return formNumber
	}
	return formString
}
