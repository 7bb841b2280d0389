package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"rigtop/panel"
)

// flagPlaceholders names the value each flag takes in the help text; a
// flag missing here is a switch that takes no value.
var flagPlaceholders = map[string]string{
	"config":    "cmd.value.file",
	"log":       "cmd.value.file",
	"state":     "cmd.value.file",
	"interval":  "cmd.value.duration",
	"timeout":   "cmd.value.duration",
	"log-level": "cmd.value.level",
	"lang":      "cmd.value.lang",
	"listen":    "cmd.value.address",
	"scenario":  "cmd.value.scenario",
}

// helpName returns the catalogue name of the command's help texts.
func (c *commandLine) helpName() string {
	if c.name == "" {
		return "monitor"
	}
	return strings.ReplaceAll(c.name, "-", "_")
}

// printHelp writes the command's help in the operator's language: how to
// call it, what it does, and every flag with what it sets, its unit and its
// default.
func (c *commandLine) printHelp(w io.Writer) {
	name := c.helpName()
	fmt.Fprintln(w, c.p.T("cmd.help."+name+".usage"))
	fmt.Fprintln(w)
	fmt.Fprintln(w, c.p.T("cmd.help."+name+".about"))
	fmt.Fprintln(w)
	fmt.Fprintln(w, c.p.T("cmd.help.flags"))
	c.fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintln(w, "  "+c.flagSynopsis(f))
		usage := c.p.T(f.Usage, flagUsageFields(f.Name)...)
		if def := c.defaultText(f); def != "" {
			usage = c.p.T("cmd.help.with_default", "Usage", usage, "Value", def)
		}
		for _, line := range strings.Split(usage, "\n") {
			fmt.Fprintln(w, "      "+line)
		}
	})
}

// flagUsageFields returns the template fields of a flag's help text.
func flagUsageFields(name string) []any {
	if name == "scenario" {
		return []any{"Names", strings.Join(panel.BuiltinScenarios(), ", ")}
	}
	return nil
}

// flagSynopsis returns "--name VALUE", or "--name" for a switch.
func (c *commandLine) flagSynopsis(f *flag.Flag) string {
	id, ok := flagPlaceholders[f.Name]
	if !ok {
		return "--" + f.Name
	}
	return "--" + f.Name + " " + c.p.T(id)
}

// defaultText returns the flag's default as the operator would write it,
// or "" for an empty or false default.
func (c *commandLine) defaultText(f *flag.Flag) string {
	switch f.DefValue {
	case "", "false", "0":
		return ""
	}
	if d, err := time.ParseDuration(f.DefValue); err == nil && c.flagForm(f.Name) == formDuration {
		return shortDuration(d)
	}
	return f.DefValue
}

// shortDuration writes d without zero trailing units: 1m, 10s, 4h.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
