package panel

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

func TestParseSimpleDecimalMatchesParseFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		digits := 1 + rng.IntN(15)
		var b []byte
		for range digits {
			b = append(b, byte('0'+rng.IntN(10)))
		}
		if point := rng.IntN(digits + 1); point < digits {
			b = slices.Insert(b, point, '.')
		}
		s := string(b)

		got, ok := parseSimpleDecimal(s)
		want, err := strconv.ParseFloat(s, 64)
		if !ok || err != nil || got != want {
			t.Fatalf("parseSimpleDecimal(%q) = %v, %v; ParseFloat gives %v, %v", s, got, ok, want, err)
		}
	}
}

func TestParseSimpleDecimalFallsBack(t *testing.T) {
	for _, s := range []string{"", ".", "-1", "+1", "1e3", "1.2.3", "1234567890123456", "12a"} {
		if _, ok := parseSimpleDecimal(s); ok {
			t.Errorf("parseSimpleDecimal(%q) accepted a form it should leave to ParseFloat", s)
		}
	}
	for s, want := range map[string]float64{"1234567890123456": 1234567890123456, "-1.5": -1.5, "1e3": 1000, ".5": 0.5, "5.": 5} {
		wantFloat(t, "parseDecimal("+s+")", parseDecimal(s), want)
	}
}

func TestMeminfoLines(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		escaped bool
		want    []string
	}{
		{"escaped newlines", `GPU0:a\nGPU1:b`, true, []string{"GPU0:a", "GPU1:b"}},
		{"other escapes in a line", `GPU0:a\/b\nGPU1:\u0041`, true, []string{"GPU0:a/b", "GPU1:A"}},
		{"escaped backslash before n", `GPU0:a\\nb\nGPU1`, true, []string{`GPU0:a\nb`, "GPU1"}},
		{"trailing newline", `GPU0:a\n`, true, []string{"GPU0:a", ""}},
		{"raw newlines", "GPU0:a\nGPU1:b", false, []string{"GPU0:a\n", "GPU1:b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Collect(meminfoLines(tt.raw, tt.escaped))
			if !slices.Equal(got, tt.want) {
				t.Errorf("meminfoLines(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}
