package main

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"rigtop/alert"
)

// This file checks a decoded TOML document against the Go type it is about
// to be decoded into, so that a wrong type or an unknown key is reported
// with its key, its line and the expected form. BurntSushi/toml v1.6.0
// reports type errors as plain strings, accepts an integer as a duration in
// nanoseconds, and keeps the line of each key private.

var (
	durationTypes = map[reflect.Type]bool{
		reflect.TypeFor[time.Duration]():  true,
		reflect.TypeFor[alert.Duration](): true,
	}
	unmarshalerType  = reflect.TypeFor[toml.Unmarshaler]()
	textUnmarshaler  = reflect.TypeFor[encoding.TextUnmarshaler]()
	errLocateKeyLine = errors.New("locate key")
)

// valueForm names the form a setting must be written in; each has a
// catalogue message under cmd.form.
type valueForm string

// Forms of setting values.
const (
	formString     valueForm = "string"
	formStringList valueForm = "string_list"
	formDuration   valueForm = "duration"
	formBool       valueForm = "bool"
	formInteger    valueForm = "integer"
	formNumber     valueForm = "number"
	formTable      valueForm = "table"
	formList       valueForm = "list"
	formAny        valueForm = "any"
)

// fieldType returns the Go type that the TOML key decodes into within root,
// following struct fields the way BurntSushi/toml matches them (the toml
// tag or field name, then the same name in any case), map values, list
// elements and pointers. It reports false for a key with no destination.
func fieldType(root reflect.Type, key toml.Key) (reflect.Type, bool) {
	t := root
	for _, part := range key {
		t = derefSlices(t)
		if customDecoded(t) {
			return t, true
		}
		switch t.Kind() {
		case reflect.Struct:
			field, ok := structField(t, part)
			if !ok {
				return nil, false
			}
			t = field.Type
		case reflect.Map:
			t = t.Elem()
		case reflect.Interface:
			return t, true
		default:
			return nil, false
		}
	}
	return t, true
}

// derefSlices strips pointers, and the slice around an array of tables, so
// that a key below it names a field of the element.
func derefSlices(t reflect.Type) reflect.Type {
	for {
		switch {
		case t.Kind() == reflect.Pointer:
			t = t.Elem()
		case t.Kind() == reflect.Slice && !customDecoded(t):
			elem := t.Elem()
			for elem.Kind() == reflect.Pointer {
				elem = elem.Elem()
			}
			if elem.Kind() != reflect.Struct && elem.Kind() != reflect.Map {
				return t
			}
			t = elem
		default:
			return t
		}
	}
}

// customDecoded reports whether values of t decode themselves, so that
// their contents are theirs to check.
func customDecoded(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(unmarshalerType) || p.Implements(unmarshalerType) ||
		t.Implements(textUnmarshaler) || p.Implements(textUnmarshaler)
}

// structField finds the field that key decodes into: an exact toml tag or
// field name first, then a case-insensitive match, with embedded structs
// searched as if their fields were the parent's.
func structField(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold reflect.StructField
	foundFold := false
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || len(f.Index) > 1 && !embeddedPath(t, f.Index) {
			continue
		}
		name, skip := tomlName(f)
		if skip || f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("toml") == "" {
			continue
		}
		if name == key {
			return f, true
		}
		if !foundFold && strings.EqualFold(name, key) {
			fold, foundFold = f, true
		}
	}
	return fold, foundFold
}

// embeddedPath reports whether every struct on the way to a promoted field
// is embedded without a toml tag, which is when the decoder flattens it.
func embeddedPath(t reflect.Type, index []int) bool {
	for _, i := range index[:len(index)-1] {
		f := t.Field(i)
		if !f.Anonymous || f.Tag.Get("toml") != "" {
			return false
		}
		t = f.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
	}
	return true
}

func tomlName(f reflect.StructField) (name string, skip bool) {
	tag := f.Tag.Get("toml")
	if tag == "-" {
		return "", true
	}
	name, _, _ = strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, false
}

// formOf returns the form a value of type t is written in.
func formOf(t reflect.Type) valueForm {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case durationTypes[t]:
		return formDuration
	case customDecoded(t):
		return formAny
	}
	switch t.Kind() {
	case reflect.String:
		return formString
	case reflect.Bool:
		return formBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return formInteger
	case reflect.Float32, reflect.Float64:
		return formNumber
	case reflect.Struct, reflect.Map:
		return formTable
	case reflect.Slice, reflect.Array:
		if formOf(t.Elem()) == formString {
			return formStringList
		}
		return formList
	}
	return formAny
}

// valueProblem returns why raw cannot be decoded into t: errWrongType when its
// TOML type does not fit, or an error from parsing it (a duration that
// time.ParseDuration rejects, an integer out of range). It returns nil when
// the value fits.
func valueProblem(t reflect.Type, raw any) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if durationTypes[t] {
		s, ok := raw.(string)
		if !ok {
			return errWrongType
		}
		if _, err := time.ParseDuration(s); err != nil {
			return errInvalidValue
		}
		return nil
	}
	if customDecoded(t) || t.Kind() == reflect.Interface {
		return nil
	}

	switch t.Kind() {
	case reflect.String:
		return wantType[string](raw)
	case reflect.Bool:
		return wantType[bool](raw)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := raw.(int64)
		if !ok {
			return errWrongType
		}
		if t.OverflowInt(n) {
			return errInvalidValue
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := raw.(int64)
		if !ok {
			return errWrongType
		}
		if n < 0 || t.OverflowUint(uint64(n)) {
			return errInvalidValue
		}
	case reflect.Float32, reflect.Float64:
		switch n := raw.(type) {
		case float64:
			if t.OverflowFloat(n) {
				return errInvalidValue
			}
		case int64:
			if n > 1<<53 || n < -(1<<53) {
				return errInvalidValue
			}
		default:
			return errWrongType
		}
	case reflect.Struct, reflect.Map:
		return wantTable(raw)
	case reflect.Slice, reflect.Array:
		return listProblem(t, raw)
	}
	return nil
}

// Kinds of value problem found by valueProblem.
var (
	errWrongType    = errors.New("wrong type")
	errInvalidValue = errors.New("invalid value")
)

func wantType[T any](raw any) error {
	if _, ok := raw.(T); !ok {
		return errWrongType
	}
	return nil
}

func wantTable(raw any) error {
	if _, ok := raw.(map[string]any); !ok {
		return errWrongType
	}
	return nil
}

// listProblem checks every element of a list. A list of tables is checked
// table by table when its keys are visited, so only its shape is checked
// here.
func listProblem(t reflect.Type, raw any) error {
	if tables, ok := raw.([]map[string]any); ok {
		if formOf(t.Elem()) != formTable || t.Kind() == reflect.Array && t.Len() != len(tables) {
			return errWrongType
		}
		return nil
	}
	items, ok := raw.([]any)
	if !ok {
		return errWrongType
	}
	if t.Kind() == reflect.Array && t.Len() != len(items) {
		return errWrongType
	}
	for _, item := range items {
		if err := valueProblem(t.Elem(), item); err != nil {
			return err
		}
	}
	return nil
}

// rawValue returns the value at key in a document decoded into a map.
func rawValue(doc map[string]any, key toml.Key) (any, bool) {
	var value any = doc
	for _, part := range key {
		table, ok := value.(map[string]any)
		if !ok {
			return nil, false
		}
		if value, ok = table[part]; !ok {
			return nil, false
		}
	}
	return value, true
}

// rawText renders a raw TOML value for an error message, shortened to keep
// the message on one line.
func rawText(raw any) string {
	var s string
	switch v := raw.(type) {
	case string:
		s = strconv.Quote(v)
	case map[string]any, []map[string]any:
		return "{…}"
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			s = fmt.Sprint(v)
		} else {
			s = strconv.FormatFloat(v, 'g', -1, 64)
		}
	default:
		s = fmt.Sprint(v)
	}
	const maxRunes = 60
	if r := []rune(s); len(r) > maxRunes {
		s = string(r[:maxRunes]) + "…"
	}
	return s
}

// lineMarker fails to decode on purpose: decoding a document into a struct
// that leads to it through one key makes the decoder report that key's
// position.
type lineMarker struct{}

func (lineMarker) UnmarshalTOML(any) error { return errLocateKeyLine }

// keyLine returns the line on which key is defined in the TOML document
// data, or 0 when it cannot be found. BurntSushi/toml keeps key positions
// private, but its error for a value that fails to decode has the line. So
// keyLine builds a struct type that leads through key, one field per part,
// to a lineMarker, and decodes data into it.
func keyLine(data string, doc map[string]any, key toml.Key) int {
	t := reflect.TypeFor[lineMarker]()
	for i := len(key) - 1; i >= 0; i-- {
		if strings.Contains(key[i], ",") {
			// NOTE: a comma ends the name in a toml struct tag, so such a key
			// cannot be named by a field and its line stays unknown.
			return 0
		}
		field := reflect.StructField{
			Name: "F",
			Type: t,
			Tag:  reflect.StructTag("toml:" + strconv.Quote(key[i])),
		}
		t = reflect.StructOf([]reflect.StructField{field})
		if i > 0 {
			if _, isTables := rawValueOrNil(doc, key[:i]).([]map[string]any); isTables {
				t = reflect.SliceOf(t)
			}
		}
	}

	_, err := toml.Decode(data, reflect.New(t).Interface())
	var parseErr toml.ParseError
	if errors.As(err, &parseErr) {
		return parseErr.Position.Line
	}
	return 0
}

func rawValueOrNil(doc map[string]any, key toml.Key) any {
	v, _ := rawValue(doc, key)
	return v
}
