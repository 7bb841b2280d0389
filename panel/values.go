package panel

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Bounds outside which a reported number is implausible and treated as
// unknown rather than trusted.
const (
	// maxGPUsPerRig is well above the largest mining boards (19 GPU slots)
	// and keeps a hostile "gpus" value from allocating millions of GPUs.
	maxGPUsPerRig = 64
	// maxCount bounds farm-wide counts such as total_gpus.
	maxCount = 1 << 30
	// maxSeconds bounds uptimes: a hundred years.
	maxSeconds = 100 * 365 * 24 * 3600
	// maxUnixSeconds is the year 3000; panel clocks past it are nonsense.
	maxUnixSeconds = 32503680000
)

// numberOf returns a JSON number, or a string holding a decimal number
// ("4044.3", "05.23", " 74.00 "), as a known value. Anything else (false,
// null, "", "N/A", an object, an infinite or NaN value) is unknown.
func numberOf(v jsonScalar) Opt[float64] {
	switch v.kind {
	case jsonNumber, jsonString:
		return parseDecimal(strings.TrimSpace(v.str()))
	}
	return Opt[float64]{}
}

// parseDecimal parses an optionally signed decimal number with an optional
// fraction and exponent, allowing leading zeros. It rejects what
// strconv.ParseFloat would otherwise also take: hex, "Inf", "NaN" and
// underscores.
func parseDecimal(s string) Opt[float64] {
	if f, ok := parseSimpleDecimal(s); ok {
		return Some(f)
	}
	if !isDecimal(s) {
		return Opt[float64]{}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return Opt[float64]{}
	}
	return Some(f)
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseSimpleDecimal parses the digits[.digits] form nearly every panel
// number has, several times faster than strconv.ParseFloat. It returns
// false for anything else, such as a sign, an exponent or more than 15
// digits, which parseDecimal hands to ParseFloat.
func parseSimpleDecimal(s string) (float64, bool) {
	var d simpleDecimal
	for i := 0; i < len(s); i++ {
		d.add(s[i])
	}
	return d.value()
}

// simpleDecimal accumulates a digits[.digits] number one byte at a time.
type simpleDecimal struct {
	mantissa uint64
	digits   int
	point    bool
	fraction int // digits after the point
	invalid  bool
}

func (d *simpleDecimal) add(c byte) {
	switch {
	case '0' <= c && c <= '9':
		d.mantissa = d.mantissa*10 + uint64(c-'0')
		d.digits++
		if d.point {
			d.fraction++
		}
	case c == '.' && !d.point:
		d.point = true
	default:
		d.invalid = true
	}
}

// value returns the number. With at most 15 digits both the digits as an
// integer and the power of ten are exact in a float64, so one IEEE division
// gives the correctly rounded result, the same as strconv.ParseFloat.
func (d *simpleDecimal) value() (float64, bool) {
	if d.invalid || d.digits == 0 || d.digits > 15 {
		return 0, false
	}
	return float64(d.mantissa) / pow10[d.fraction], true
}

func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		expDigits := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			expDigits++
		}
		if expDigits == 0 {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// countOf returns a whole number in [0, limit] as a known value; fractions,
// negative numbers and values above limit are unknown.
func countOf(v jsonScalar, limit int) Opt[int] {
	f := numberOf(v)
	if !f.Known || f.Value < 0 || f.Value > float64(limit) || f.Value != math.Trunc(f.Value) {
		return Opt[int]{}
	}
	return Some(int(f.Value))
}

// secondsOf returns a non-negative number of seconds as a duration.
func secondsOf(v jsonScalar) Opt[time.Duration] {
	f := numberOf(v)
	if !f.Known || f.Value < 0 || f.Value > maxSeconds {
		return Opt[time.Duration]{}
	}
	return Some(time.Duration(f.Value * float64(time.Second)))
}

// unixTimeOf returns a positive number of unix seconds as a time, or the
// zero time when the value is unknown or implausible.
func unixTimeOf(v jsonScalar) time.Time {
	f := numberOf(v)
	if !f.Known || f.Value <= 0 || f.Value > maxUnixSeconds {
		return time.Time{}
	}
	sec, frac := math.Modf(f.Value)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// textOf returns a string value sanitised and trimmed, a number as its
// literal, and "" for anything else (false, null, objects). The result never
// shares memory with the response body, so a kept snapshot does not pin the
// whole body.
func textOf(v jsonScalar) string {
	switch v.kind {
	case jsonString, jsonNumber:
		return strings.Clone(strings.TrimSpace(Sanitize(v.str())))
	}
	return ""
}

// interner returns one shared copy of strings that repeat across rigs
// (condition, versions, miner, pool, hardware names, GPU models), saving an
// allocation per rig in a large farm.
type interner struct {
	// raw maps a JSON value's raw text to its clean text; strs maps text
	// that is already unescaped. They are apart because the same bytes mean
	// different text in the two forms (raw `a\/b` is "a/b").
	raw     map[string]string
	strs    map[string]string
	meminfo map[string]*GPUInfo
	infos   map[GPUInfo]*GPUInfo
}

func newInterner() *interner {
	return &interner{raw: map[string]string{}, strs: map[string]string{}, meminfo: map[string]*GPUInfo{}, infos: map[GPUInfo]*GPUInfo{}}
}

// text is textOf with interning.
func (in *interner) text(v jsonScalar) string {
	switch v.kind {
	case jsonString, jsonNumber:
	default:
		return ""
	}
	if clean, ok := in.raw[v.text]; ok {
		return clean
	}
	clean := textOf(v)
	in.raw[strings.Clone(v.text)] = clean
	return clean
}

// str returns s sanitised and trimmed, from one shared copy.
func (in *interner) str(s string) string {
	if clean, ok := in.strs[s]; ok {
		return clean
	}
	clean := strings.Clone(strings.TrimSpace(Sanitize(s)))
	in.strs[strings.Clone(s)] = clean
	return clean
}
