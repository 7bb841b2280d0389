package panel

import (
	"math"
	"testing"
	"unsafe"
)

func TestReadingZeroIsUnknown(t *testing.T) {
	var r Reading
	if r.Known() {
		t.Error("zero Reading is known")
	}
	if v, ok := r.Get(); ok || v != 0 {
		t.Errorf("zero Reading Get = %v, %v; want 0, false", v, ok)
	}
	if o := r.Opt(); o.Known {
		t.Errorf("zero Reading Opt = %+v, want unknown", o)
	}
}

func TestReadingKeepsValueExactly(t *testing.T) {
	for _, v := range []float64{0, 30.12, -5, 84.9, 0.875, 1e23, math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1)} {
		r := KnownReading(v)
		got, ok := r.Get()
		if !ok || got != v {
			t.Errorf("KnownReading(%v).Get() = %v, %v", v, got, ok)
		}
		if o := r.Opt(); !o.Known || o.Value != v {
			t.Errorf("KnownReading(%v).Opt() = %+v", v, o)
		}
	}
	// Negative zero keeps its sign bit, so it is not the unknown pattern.
	if r := KnownReading(math.Copysign(0, -1)); !r.Known() || !math.Signbit(r.Value()) {
		t.Errorf("KnownReading(-0) = %v known %v", r.Value(), r.Known())
	}
}

func TestReadingNaNIsUnknown(t *testing.T) {
	for _, bits := range []uint64{0x7ff8_0000_0000_0001, unknownBits, 0xfff8_0000_0000_0000} {
		if r := KnownReading(math.Float64frombits(bits)); r.Known() {
			t.Errorf("KnownReading(NaN %#x) is known", bits)
		}
	}
}

func TestReadingSize(t *testing.T) {
	// The point of Reading: half the size of Opt[float64].
	if got := unsafe.Sizeof(Reading{}); got != 8 {
		t.Errorf("Reading is %d bytes, want 8", got)
	}
}
