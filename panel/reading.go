package panel

import "math"

// Reading is one GPU's value from a per-GPU list, or unknown. It keeps the
// reported float64 exactly in 8 bytes, half the size of an Opt[float64]. A
// farm of 5,000 rigs has 40,000 GPUs of ten readings each, so the
// difference is 3.2 MB. The zero Reading is unknown, as the zero Opt is.
type Reading struct {
	// bits is the value's IEEE 754 bits XOR unknownBits, so that zero bits
	// mean unknown. unknownBits is a NaN, and no known value is NaN.
	bits uint64
}

// unknownBits is a quiet NaN. KnownReading rejects every NaN, so no known
// value has these bits.
const unknownBits = 0x7ff8_dead_beef_0001

// KnownReading returns a known reading of v. A NaN v gives an unknown
// reading, since no panel value is NaN.
func KnownReading(v float64) Reading {
	if math.IsNaN(v) {
		return Reading{}
	}
	return Reading{bits: math.Float64bits(v) ^ unknownBits}
}

// Known reports whether the panel gave a usable value.
func (r Reading) Known() bool { return r.bits != 0 }

// Value returns the reading, or 0 when it is unknown.
func (r Reading) Value() float64 {
	if r.bits == 0 {
		return 0
	}
	return math.Float64frombits(r.bits ^ unknownBits)
}

// Get returns the reading and whether it is known.
func (r Reading) Get() (float64, bool) { return r.Value(), r.bits != 0 }

// Opt returns the reading as an Opt.
func (r Reading) Opt() Opt[float64] {
	if r.bits == 0 {
		return Opt[float64]{}
	}
	return Some(r.Value())
}

// readingOf returns v as a reading.
func readingOf(v Opt[float64]) Reading {
	if !v.Known {
		return Reading{}
	}
	return KnownReading(v.Value)
}
