package locale

import (
	"fmt"
	"reflect"
	"strings"
)

// simpleTemplate is a message whose text only substitutes fields, such as
// "{{.Rig}}: GPU {{.GPU}} is at {{.TempC}} °C", which is nearly every
// message in the catalogue. T fills it directly, without go-i18n and
// text/template: a check of the generated 5,000-rig panel spent about 10 ms
// on its thousand problem lines through them, and about 3 ms this way.
type simpleTemplate struct {
	// text holds the literal parts around the fields: text[0], fields[0],
	// text[1], fields[1]… text[len(fields)].
	text   []string
	fields []string
}

// compileSimple returns src as a simpleTemplate, or false when it holds
// any action other than {{.Field}}, which is then left to text/template.
func compileSimple(src string) (simpleTemplate, bool) {
	var t simpleTemplate
	for {
		start := strings.Index(src, "{{")
		if start < 0 {
			t.text = append(t.text, src)
			return t, true
		}
		end := strings.Index(src[start:], "}}")
		if end < 0 {
			return simpleTemplate{}, false
		}
		field, ok := strings.CutPrefix(src[start+2:start+end], ".")
		if !ok || !isIdentifier(field) {
			return simpleTemplate{}, false
		}
		t.text = append(t.text, src[:start])
		t.fields = append(t.fields, field)
		src = src[start+end+2:]
	}
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// render fills the template from key/value pairs as text/template would
// print them, or returns false when a value is a pointer, whose printing
// this does not reproduce.
func (t simpleTemplate) render(pairs []any) (string, bool) {
	if len(t.fields) == 0 {
		return t.text[0], true
	}
	var b strings.Builder
	for i, field := range t.fields {
		b.WriteString(t.text[i])
		value, ok := formatField(lookup(pairs, field))
		if !ok {
			return "", false
		}
		b.WriteString(value)
	}
	b.WriteString(t.text[len(t.fields)])
	return b.String(), true
}

// lookup returns the value of key in pairs; the last pair wins, as in the
// map T builds for go-i18n.
func lookup(pairs []any, key string) any {
	var value any
	for i := 0; i+1 < len(pairs); i += 2 {
		if k, ok := pairs[i].(string); ok && k == key {
			value = pairs[i+1]
		}
	}
	return value
}

// formatField prints v as text/template prints a field's value: with
// fmt.Sprint, except that text/template follows pointers first, so those
// are left to it.
func formatField(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		// text/template prints a missing key or a nil value so.
		return "<no value>", true
	case string:
		return v, true
	}
	switch reflect.TypeOf(v).Kind() {
	case reflect.Pointer, reflect.UnsafePointer, reflect.Chan, reflect.Func:
		return "", false
	}
	return fmt.Sprint(v), true
}
