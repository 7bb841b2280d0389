// Package locale holds rigtop's message catalogue and picks the language of
// every user-facing string. English is the default; Japanese is chosen by
// --lang ja or a Japanese locale in the environment.
package locale

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// messageFiles holds one file per area and language, named AREA.LANG.toml,
// so that each part of the program keeps its own strings.
//
//go:embed messages/*.toml
var messageFiles embed.FS

// Supported languages.
var (
	English  = language.English
	Japanese = language.Japanese
)

var bundle = loadBundle()

func loadBundle() *i18n.Bundle {
	b := i18n.NewBundle(English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(messageFiles, "messages/*.toml")
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		if _, err := b.LoadMessageFileFS(messageFiles, name); err != nil {
			panic(fmt.Sprintf("load message catalogue %s: %v", name, err))
		}
	}
	return b
}

// Printer renders catalogue messages in one language.
type Printer struct {
	tag       language.Tag
	localizer *i18n.Localizer
}

// New returns a printer for tag; unsupported languages fall back to English.
func New(tag language.Tag) *Printer {
	return &Printer{tag: tag, localizer: i18n.NewLocalizer(bundle, tag.String())}
}

// Tag returns the printer's language.
func (p *Printer) Tag() language.Tag { return p.tag }

// Japanese reports whether the printer writes Japanese.
func (p *Printer) Japanese() bool { return p.tag == Japanese }

// T returns message id with its template fields filled from key/value pairs:
// T("header.rigs", "Alive", 3, "Total", 5). A missing message is returned as
// its id in brackets so that it shows up on screen and in tests instead of
// disappearing.
func (p *Printer) T(id string, pairs ...any) string {
	return p.localize(id, nil, pairs)
}

// N is T for a message with plural forms chosen by count; count is also
// available to the template as .Count.
func (p *Printer) N(id string, count int, pairs ...any) string {
	return p.localize(id, count, append(pairs, "Count", count))
}

func (p *Printer) localize(id string, count any, pairs []any) string {
	data := make(map[string]any, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		key, _ := pairs[i].(string)
		data[key] = pairs[i+1]
	}
	text, err := p.localizer.Localize(&i18n.LocalizeConfig{
		MessageID:    id,
		TemplateData: data,
		PluralCount:  count,
	})
	if err != nil {
		return "[" + id + "]"
	}
	return text
}

// Parse returns the language named by a --lang value: "en" or "ja".
func Parse(name string) (language.Tag, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "en", "english":
		return English, nil
	case "ja", "jp", "japanese":
		return Japanese, nil
	}
	return English, fmt.Errorf("invalid language %q: use en or ja", name)
}

// Detect picks the language from a --lang value when it is set, else from
// LC_ALL, LC_MESSAGES and LANG in that order (the POSIX precedence), else
// English. getenv is os.Getenv outside tests.
func Detect(flagValue string, getenv func(string) string) (language.Tag, error) {
	if flagValue != "" {
		return Parse(flagValue)
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		value := getenv(name)
		if value == "" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(value), "ja") {
			return Japanese, nil
		}
		return English, nil
	}
	return English, nil
}
