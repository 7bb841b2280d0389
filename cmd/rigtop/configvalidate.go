package main

import (
	"errors"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"rigtop/alert"
	"rigtop/locale"
)

// Forms of values checked after decoding, beyond their TOML type.
const (
	formInterval         valueForm = "interval"
	formPositiveDuration valueForm = "positive_duration"
	formLang             valueForm = "lang"
	formLogLevel         valueForm = "log_level"
	formPath             valueForm = "path"
	formPanel            valueForm = "panel"
	formHost             valueForm = "host"
	formPort             valueForm = "port"
	formAddress          valueForm = "address"
	formTLS              valueForm = "tls"
	formAuth             valueForm = "auth"
)

// validate checks the values of the top-level settings the file sets; the
// [alerts] and [mail] tables are checked by their own functions.
func (c *loadedConfig) validate() configErrors {
	var errs configErrors
	f := c.file
	check := func(name string, ok bool, form valueForm) {
		if !c.has(name) || ok {
			return
		}
		raw, _ := rawValue(c.doc, toml.Key{name})
		errs = append(errs, c.keyError(toml.Key{name}, "cmd.config.invalid_value",
			"Form", form, "Value", rawText(raw)))
	}

	check("interval", f.Interval >= minInterval, formInterval)
	check("timeout", f.Timeout > 0, formPositiveDuration)
	_, langErr := locale.Parse(f.Lang)
	check("lang", langErr == nil, formLang)
	_, levelErr := parseLogLevel(f.LogLevel)
	check("log_level", levelErr == nil, formLogLevel)
	check("log", strings.TrimSpace(f.Log) != "", formPath)
	check("state", strings.TrimSpace(f.State) != "", formPath)
	for _, p := range f.Panels {
		if strings.TrimSpace(p) == "" {
			check("panels", false, formPanel)
			break
		}
	}
	return errs
}

// validateAlerts checks the [alerts] table with the alert package's own
// rules, and locates the key it names.
func (c *loadedConfig) validateAlerts() *configError {
	err := c.file.Alerts.Validate()
	if err == nil {
		return nil
	}
	e := &configError{path: c.path, cause: err}
	var configErr *alert.ConfigError
	if errors.As(err, &configErr) && configErr.Key != "" {
		key := append(toml.Key{"alerts"}, splitKey(configErr.Key)...)
		e.key = key.String()
		e.line = keyLine(c.data, c.doc, key)
	}
	return e
}

// splitKey splits a dotted TOML key such as `rigs."rig 2".stale_after` into
// its parts, unquoting the quoted ones.
func splitKey(dotted string) toml.Key {
	var key toml.Key
	for dotted != "" {
		if dotted[0] == '"' {
			end := 1
			for end < len(dotted) && dotted[end] != '"' {
				if dotted[end] == '\\' {
					end++
				}
				end++
			}
			part, err := strconv.Unquote(dotted[:min(end+1, len(dotted))])
			if err != nil {
				part = strings.Trim(dotted[:min(end+1, len(dotted))], `"`)
			}
			key = append(key, part)
			dotted = strings.TrimPrefix(dotted[min(end+1, len(dotted)):], ".")
			continue
		}
		part, rest, _ := strings.Cut(dotted, ".")
		key = append(key, part)
		dotted = rest
	}
	return key
}
