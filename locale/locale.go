// Package locale holds rigtop's message catalogue and picks the language of
// every user-facing string. English is the default; Japanese is chosen by
// --lang ja or a Japanese locale in the environment.
package locale

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

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

// catalogue is the messages a printer of one language uses: that
// language's files and English, the fallback, in one go-i18n bundle.
type catalogue struct {
	bundle *i18n.Bundle
	// simple holds the messages of the language that T fills without
	// go-i18n.
	simple map[string]simpleTemplate
}

// Catalogues are loaded on first use, one per language, because parsing
// every file of every language took 5.6 of the 11 ms that `rigtop version`
// took to run. Loading one still takes about 4 ms, so it runs in the
// background from the moment a printer is made: a command reads its panel
// meanwhile, and the printer waits for the catalogue only when it first
// renders a message.
var (
	cataloguesMu sync.Mutex
	catalogues   = map[language.Tag]func() *catalogue{}
)

// catalogueFor returns a function that returns the catalogue of tag. The
// catalogue starts loading on the first call for its language. A language
// with no files of its own gets the English catalogue.
func catalogueFor(tag language.Tag) func() *catalogue {
	lang := English
	if tag == Japanese {
		lang = Japanese
	}
	cataloguesMu.Lock()
	defer cataloguesMu.Unlock()
	if c := catalogues[lang]; c != nil {
		return c
	}
	loaded := make(chan *catalogue, 1)
	go func() { loaded <- loadCatalogue(lang) }()
	c := sync.OnceValue(func() *catalogue { return <-loaded })
	catalogues[lang] = c
	return c
}

// loadCatalogue reads the English files and, for another language, its
// own, and compiles that language's messages that only substitute fields
// into simple templates.
func loadCatalogue(lang language.Tag) *catalogue {
	b := i18n.NewBundle(English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &catalogue{bundle: b, simple: map[string]simpleTemplate{}}
	for _, tag := range slices.Compact([]language.Tag{English, lang}) {
		names, err := fs.Glob(messageFiles, "messages/*."+tag.String()+".toml")
		if err != nil {
			panic(err)
		}
		for _, name := range names {
			file, err := b.LoadMessageFileFS(messageFiles, name)
			if err != nil {
				panic(fmt.Sprintf("load message catalogue %s: %v", name, err))
			}
			if file.Tag != lang {
				continue
			}
			for _, m := range file.Messages {
				if (m.LeftDelim != "" && m.LeftDelim != "{{") || (m.RightDelim != "" && m.RightDelim != "}}") || m.Other == "" {
					continue
				}
				if t, ok := compileSimple(m.Other); ok {
					c.simple[m.ID] = t
				}
			}
		}
	}
	return c
}

// Printer renders catalogue messages in one language. It is safe for
// concurrent use.
type Printer struct {
	tag language.Tag
	// ready returns the printer's localizer and simple messages, waiting
	// for the catalogue on the first call.
	ready func() printerCatalogue
}

// printerCatalogue is the localizer and simple templates of one printer.
type printerCatalogue struct {
	localizer *i18n.Localizer
	// simple holds the messages of the printer's language that T fills
	// without go-i18n. It is nil for a language the catalogue lacks.
	simple map[string]simpleTemplate
}

// New returns a printer for tag; unsupported languages fall back to English.
// The catalogue loads in the background until the printer first needs it.
func New(tag language.Tag) *Printer {
	load := catalogueFor(tag)
	return &Printer{tag: tag, ready: sync.OnceValue(func() printerCatalogue {
		c := load()
		pc := printerCatalogue{localizer: i18n.NewLocalizer(c.bundle, tag.String())}
		if tag == English || tag == Japanese {
			pc.simple = c.simple
		}
		return pc
	})}
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
	if t, ok := p.ready().simple[id]; ok {
		if text, ok := t.render(pairs); ok {
			return text
		}
	}
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
	text, err := p.ready().localizer.Localize(&i18n.LocalizeConfig{
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
