package locale

import (
	"errors"
	"testing"
	"time"
)

// TestSimpleTemplatesMatchGoI18n renders every message T fills by itself
// through go-i18n too, with values of every type the fast path prints, and
// with a field left out.
func TestSimpleTemplatesMatchGoI18n(t *testing.T) {
	values := []any{"rig <1> & {{.x}}", 42, int64(-7), uint8(3), 1234567.891, 1e21, 0.00001, float32(2.5), true,
		90 * time.Second, namedString("no_hash"), valueError{"boom"}, []string{"a", "b"}}
	for _, tag := range []struct {
		name string
		p    *Printer
	}{{"en", New(English)}, {"ja", New(Japanese)}} {
		if len(tag.p.ready().simple) == 0 {
			t.Fatalf("%s: no simple templates", tag.name)
		}
		for id, tmpl := range tag.p.ready().simple {
			for shift := range values {
				var pairs []any
				for i, field := range tmpl.fields {
					if shift == 0 && i == 0 {
						continue // a missing field prints as <no value>
					}
					pairs = append(pairs, field, values[(i+shift)%len(values)])
				}
				got := tag.p.T(id, pairs...)
				want := tag.p.localize(id, nil, pairs)
				if got != want {
					t.Errorf("%s %s %v: T = %q, go-i18n = %q", tag.name, id, pairs, got, want)
				}
			}
		}
	}
}

type namedString string

// valueError is an error that is not a pointer, which both paths print
// through its Error method.
type valueError struct{ text string }

func (e valueError) Error() string { return "error: " + e.text }

func TestSimpleTemplateFallsBack(t *testing.T) {
	if _, ok := compileSimple("{{.A}} {{if .B}}b{{end}}"); ok {
		t.Error("a template with {{if}} compiled as simple")
	}
	if _, ok := compileSimple("{{ .A }}"); ok {
		t.Error("a template with spaces in the action compiled as simple")
	}
	tmpl, ok := compileSimple("a {{.A}} b {{.B}}")
	if !ok {
		t.Fatal("a template of two fields did not compile")
	}
	if got, ok := tmpl.render([]any{"A", 1, "B", "x", "A", 2}); !ok || got != "a 2 b x" {
		t.Errorf("render = %q, %v; want %q with the last A", got, ok, "a 2 b x")
	}
	if _, ok := tmpl.render([]any{"A", errors.New("boom"), "B", "x"}); ok {
		t.Error("a pointer error was rendered by the fast path, want it left to text/template")
	}
}
