package main

import (
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"rigtop/alert"
	"rigtop/locale"
)

// configFile is the TOML config file as written. Flags of the same names
// override it; see loadSettings.
type configFile struct {
	Panels   []string       `toml:"panels"`
	Interval time.Duration  `toml:"interval"`
	Timeout  time.Duration  `toml:"timeout"`
	Lang     string         `toml:"lang"`
	Log      string         `toml:"log"`
	LogLevel string         `toml:"log_level"`
	State    string         `toml:"state"`
	Alerts   alert.Config   `toml:"alerts"`
	Desktop  desktopSection `toml:"desktop"`
	Mail     mailSection    `toml:"mail"`
}

// desktopSection is the [desktop] table.
type desktopSection struct {
	Enabled      bool `toml:"enabled"`
	SendResolved bool `toml:"send_resolved"`
}

// mailSection is the [mail] table as written; mailConfig validates it into
// a MailConfig. It has no password key on purpose: the SMTP password comes
// from RIGTOP_SMTP_PASSWORD or password_file only.
type mailSection struct {
	Host         string   `toml:"host"`
	Port         int      `toml:"port"`
	From         string   `toml:"from"`
	To           []string `toml:"to"`
	User         string   `toml:"user"`
	TLS          string   `toml:"tls"`
	Auth         string   `toml:"auth"`
	PasswordFile string   `toml:"password_file"`
	SendResolved bool     `toml:"send_resolved"`
}

// loadedConfig is a decoded config file with what is needed to point at
// its keys in error messages.
type loadedConfig struct {
	path string
	file configFile
	meta toml.MetaData
	data string
	doc  map[string]any
}

// readConfig reads and decodes the config file at path. A file named with
// --config (explicit) must exist. The default file is optional, so when it
// is missing readConfig returns the defaults.
func readConfig(path string, explicit bool) (*loadedConfig, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return &loadedConfig{file: defaultConfigFile()}, nil
	}
	if err != nil {
		return nil, &configError{path: path, id: "cmd.config.unreadable", fields: []any{"Error", unwrapPathError(err)}}
	}
	return decodeConfig(path, string(data))
}

// defaultConfigFile returns the settings used where neither the config
// file nor a flag sets a value.
func defaultConfigFile() configFile {
	return configFile{
		Interval: defaultInterval,
		Timeout:  defaultTimeout,
		LogLevel: "info",
		Alerts:   alert.DefaultConfig(),
		Desktop:  desktopSection{Enabled: true, SendResolved: true},
		Mail:     mailSection{TLS: string(tlsStartTLS), SendResolved: true},
	}
}

// decodeConfig decodes data, the contents of the config file at path. It
// checks every key against configFile before decoding, so that each
// problem is reported with its key, line and expected form, and returns
// all the problems found as configErrors.
func decodeConfig(path, data string) (*loadedConfig, error) {
	c := &loadedConfig{path: path, data: data, file: defaultConfigFile()}

	meta, err := toml.Decode(data, &c.doc)
	if err != nil {
		return nil, syntaxError(path, data, err)
	}
	if errs := c.checkKeys(meta.Keys()); len(errs) > 0 {
		return nil, errs
	}

	c.meta, err = toml.Decode(data, &c.file)
	if err != nil {
		// NOTE: checkKeys should have caught every value the decoder rejects;
		// this reports anything it missed in the decoder's own words.
		return nil, &configError{path: path, id: "cmd.config.decode", fields: []any{"Error", err.Error()}}
	}
	if errs := c.checkUndecoded(); len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

func syntaxError(path, data string, err error) error {
	var parseErr toml.ParseError
	if errors.As(err, &parseErr) {
		return &configError{path: path, line: errorLine(data, parseErr.Position), id: "cmd.config.syntax",
			fields: []any{"Error", parseErr.Message}}
	}
	return &configError{path: path, id: "cmd.config.syntax", fields: []any{"Error", err.Error()}}
}

// errorLine returns the line of a TOML syntax error, counted from its byte
// offset. BurntSushi/toml v1.6.0 reports the line after the error when the
// error is at a newline that ends a table header, such as "[alerts\n".
func errorLine(data string, pos toml.Position) int {
	if pos.Start < 0 || pos.Start > len(data) {
		return pos.Line
	}
	return strings.Count(data[:pos.Start], "\n") + 1
}

// checkKeys reports every key, in file order, that has no setting or whose
// value has the wrong type or form. Keys below an unknown key are skipped.
func (c *loadedConfig) checkKeys(keys []toml.Key) configErrors {
	var errs configErrors
	var reported []toml.Key
	root := reflect.TypeFor[configFile]()
	for _, key := range keys {
		if underAny(key, reported) {
			continue
		}
		raw, _ := rawValue(c.doc, key)
		t, ok := fieldType(root, key)
		if !ok {
			errs = append(errs, c.unknownKey(key))
			reported = append(reported, key)
			continue
		}
		switch err := valueProblem(t, raw); {
		case errors.Is(err, errWrongType):
			errs = append(errs, c.keyError(key, "cmd.config.wrong_type",
				"Form", formOf(t), "Value", rawText(raw)))
			reported = append(reported, key)
		case errors.Is(err, errInvalidValue):
			errs = append(errs, c.keyError(key, "cmd.config.invalid_value",
				"Form", formOf(t), "Value", rawText(raw)))
			reported = append(reported, key)
		}
	}
	return errs
}

// checkUndecoded reports keys the decoder left alone. checkKeys reports
// them first; this catches any key its type walk got wrong.
func (c *loadedConfig) checkUndecoded() configErrors {
	var errs configErrors
	var reported []toml.Key
	for _, key := range c.meta.Undecoded() {
		if underAny(key, reported) {
			continue
		}
		errs = append(errs, c.unknownKey(key))
		reported = append(reported, key)
	}
	return errs
}

func (c *loadedConfig) unknownKey(key toml.Key) *configError {
	if len(key) == 2 && key[0] == "mail" && strings.EqualFold(key[1], "password") {
		return c.keyError(key, "cmd.config.password_key")
	}
	return c.keyError(key, "cmd.config.unknown_key")
}

// keyError returns an error about key, located at its line, or at the
// line of the table it belongs in when the file does not set it.
func (c *loadedConfig) keyError(key toml.Key, id string, fields ...any) *configError {
	line := 0
	for at := key; len(at) > 0 && line == 0; at = at[:len(at)-1] {
		if _, ok := rawValue(c.doc, at); ok {
			line = keyLine(c.data, c.doc, at)
		}
	}
	return &configError{path: c.path, line: line, key: key.String(), id: id, fields: fields}
}

// has reports whether the config file sets key.
func (c *loadedConfig) has(key ...string) bool {
	return c.doc != nil && c.meta.IsDefined(key...)
}

// underAny reports whether key is one of parents or lies below one.
func underAny(key toml.Key, parents []toml.Key) bool {
	for _, parent := range parents {
		if len(key) >= len(parent) && reflect.DeepEqual([]string(key[:len(parent)]), []string(parent)) {
			return true
		}
	}
	return false
}

// unwrapPathError drops the operation and path from an *fs.PathError,
// since the message names the file itself.
func unwrapPathError(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}

// configError is one problem in a config file, located by file, line
// (0 when unknown) and key, and rendered in the operator's language.
type configError struct {
	path   string
	line   int
	key    string
	id     string
	fields []any
	// cause, when set, is an error from another package rendered with
	// alert.ErrorText in place of the message id.
	cause error
}

func (e *configError) Error() string { return e.localize(locale.New(locale.English)) }

// localize renders the error with p: "FILE, line N: message".
func (e *configError) localize(p *locale.Printer) string {
	where := e.path
	if e.line > 0 {
		where = p.T("cmd.config.location", "File", e.path, "Line", e.line)
	}
	if e.cause != nil {
		return where + ": " + alert.ErrorText(p, e.cause)
	}
	fields := append([]any{"Key", e.key}, e.fields...)
	for i := 0; i+1 < len(fields); i += 2 {
		if form, ok := fields[i+1].(valueForm); ok {
			fields[i+1] = p.T("cmd.form." + string(form))
		}
	}
	return where + ": " + p.T(e.id, fields...)
}

// configErrors are all the problems found in one config file.
type configErrors []*configError

func (errs configErrors) Error() string { return errs.localize(locale.New(locale.English)) }

func (errs configErrors) localize(p *locale.Printer) string {
	lines := make([]string, len(errs))
	for i, err := range errs {
		lines[i] = err.localize(p)
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find each configError.
func (errs configErrors) Unwrap() []error {
	out := make([]error, len(errs))
	for i, err := range errs {
		out[i] = err
	}
	return out
}
