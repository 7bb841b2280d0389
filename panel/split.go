package panel

import (
	"bytes"
	"errors"
	"io"
	"math"
	"sync/atomic"
	"time"
)

// minSplitBytes is the file size from which the rigs are decoded in two
// halves, one per core: about 600 rigs of 8 GPUs.
const minSplitBytes = 1 << 20

// splitWindowBytes is how much of the file is searched for a rig that
// starts the second half.
const splitWindowBytes = 64 << 10

// decodeFileStream decodes a panel file of size bytes as decodeFrom does.
// A file of minSplitBytes or more is decoded in two halves at once. A
// second decoder starts at a rig near the middle of the file and reads the
// rigs from there to the end of "rigs", while the first decoder reads from
// the start. When the first decoder reaches that rig, it takes the second
// one's rigs and goes on after them. Whether that rig really starts a
// member of "rigs" is known only then. If it does not, or the second
// decoder failed, the first decoder reads on by itself. Either way the
// result is what decodeFrom returns.
func decodeFileStream(f io.ReadSeeker, at io.ReaderAt, size, limit int64, set decodeSettings, now func() time.Time) (snap Snapshot, err error, whole bool) {
	in := &textStream{r: f, size: size, limit: limit, partBytes: streamPartBytes}
	if size < minSplitBytes {
		return decodeFrom(in, nil, set, now)
	}
	snap, err, whole, _ = decodeSplit(in, at, size/2, set, now)
	return snap, err, whole
}

// decodeSplit decodes in, with a second decoder reading from the first rig
// found at or after the offset guess of at, which must read the same body.
// It also returns the second half, or nil when no rig was found to start
// it, for tests to see what it did.
func decodeSplit(in *textStream, at io.ReaderAt, guess int64, set decodeSettings, now func() time.Time) (snap Snapshot, err error, whole bool, half *rigHalf) {
	start, ok := findRigStart(at, guess)
	if !ok {
		snap, err, whole = decodeFrom(in, nil, set, now)
		return snap, err, whole, nil
	}
	half = &rigHalf{start: start, done: make(chan struct{})}
	go half.decode(at, in, set)
	defer half.stop()

	snap, err, whole = decodeFrom(in, half, set, now)
	return snap, err, whole, half
}

// findRigStart returns the offset of the first object key at or after
// guess that looks like the id of a rig: it follows a '}' and a comma, and
// an object follows it. The key may also be one inside a rig, or be read
// from within a string; the decoder finds out which when it gets there.
func findRigStart(at io.ReaderAt, guess int64) (int64, bool) {
	window := make([]byte, splitWindowBytes)
	n, err := at.ReadAt(window, guess)
	if err != nil && err != io.EOF {
		return 0, false
	}
	window = window[:n]

	for i := 0; ; {
		brace := bytes.IndexByte(window[i:], '}')
		if brace < 0 {
			return 0, false
		}
		i += brace + 1
		k := skipJSONSpace(window, i)
		if k == len(window) || window[k] != ',' {
			continue
		}
		key := skipJSONSpace(window, k+1)
		if key == len(window) || window[key] != '"' {
			continue
		}
		closing := bytes.IndexByte(window[key+1:], '"')
		if closing < 0 {
			return 0, false
		}
		k = skipJSONSpace(window, key+1+closing+1)
		if k == len(window) || window[k] != ':' {
			continue
		}
		k = skipJSONSpace(window, k+1)
		if k < len(window) && window[k] == '{' {
			return guess + int64(key), true
		}
	}
}

// skipJSONSpace returns the index of the first byte at or after i that is
// not JSON white space, or len(b).
func skipJSONSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// rigHalf is the second half of a panel's rigs, decoded on a goroutine of
// its own from the key at start to the end of "rigs".
type rigHalf struct {
	start int64
	// abandon is set to stop the goroutine when the first decoder does
	// not need its rigs.
	abandon atomic.Bool
	// done is closed when the goroutine has returned.
	done chan struct{}

	// These are set before done is closed. ok is set when every rig to
	// the end of "rigs" was read; close is the offset of the '}' that
	// ends "rigs".
	ok      bool
	rigs    []Rig
	entries []rigEntry
	close   int64

	// members counts the members of "rigs" the second decoder read.
	members int
	// joined is set by the first decoder when it took the rigs.
	joined bool
}

// minRigBytes is the least average size of the rigs a second half reads,
// checked once it has read minRigsChecked of them. Each rig of the real
// samples takes 900 to 2,100 bytes. Members far smaller, such as
// thousands of {} inside a rig or in another object that the guess took
// for the rigs, are not worth a second decoder, and each would cost a
// whole Rig of memory.
const (
	minRigBytes    = 128
	minRigsChecked = 256
)

// halfNotWorthIt reports, in the decoder of a second half, whether to stop:
// the first decoder does not need its rigs, or they are too small to be
// the rigs of a real panel.
func (d *decoder) halfNotWorthIt() bool {
	if d.abandon.Load() {
		return true
	}
	n := len(d.entries)
	return n >= minRigsChecked && (d.scan.offset()-d.rigsStart)/n < minRigBytes
}

// abandonHalf stops the second half when the first decoder will not take
// its rigs.
func (d *decoder) abandonHalf() {
	if d.half != nil {
		d.half.abandon.Store(true)
		d.half = nil
	}
}

// errAbandoned stops the second decoder when its rigs are not needed.
var errAbandoned = errors.New("panel: the second half of the rigs is not needed")

// decode reads the rigs from start, as members of "rigs" at its depth. main
// is the first decoder's stream, whose settings the second one shares.
func (h *rigHalf) decode(at io.ReaderAt, main *textStream, set decodeSettings) {
	defer close(h.done)
	in := &textStream{
		r:         io.NewSectionReader(at, h.start, math.MaxInt64-h.start),
		size:      main.size - h.start,
		limit:     main.limit - h.start,
		partBytes: main.partBytes,
	}
	d := &decoder{
		// The top-level object and "rigs" make a depth of 2.
		scan:        jsonScanner{base: int(h.start), total: int(main.size), more: in.next, depth: 2},
		parts:       in,
		source:      set.source,
		skipDetails: set.skipDetails,
		strings:     newInterner(),
		// Each half builds its GPUs itself, as decodeFrom explains.
		gpus:      newGPUBuilder(0),
		rigsStart: int(h.start),
		rigsFound: true,
		abandon:   &h.abandon,
	}
	defer d.gpus.stop()
	defer func() { h.members = len(d.entries) }()

	err := d.scan.members(d.rigMember)
	if err != nil || in.abandoned() {
		return
	}
	d.gpus.wait()
	h.ok, h.rigs, h.entries, h.close = true, d.rigs, d.entries, int64(d.scan.offset()-1)
}

// stop abandons the second half if it is still being read, and returns
// once its goroutine has.
func (h *rigHalf) stop() {
	h.abandon.Store(true)
	<-h.done
}

// joinHalf is called by the first decoder at each member of "rigs" from
// the second half's start. At the start itself it waits for the second
// half and, when that read every rig, appends those rigs and moves the
// scanner to the '}' that ends "rigs". It reports whether it did. Past the
// start, the guess was not a rig: the second half is abandoned.
func (d *decoder) joinHalf() bool {
	h := d.half
	if int64(d.scan.keyStart)+d.bomBytes != h.start {
		d.abandonHalf()
		return false
	}
	d.half = nil
	<-h.done
	if !h.ok {
		return false
	}

	// The GPU builder writes into the rigs through pointers, which must
	// not move under it.
	d.gpus.wait()
	if need := len(d.rigs) + len(h.rigs); need > cap(d.rigs) {
		rigs := make([]Rig, len(d.rigs), need)
		copy(rigs, d.rigs)
		d.rigs = rigs
	}
	first := len(d.rigs)
	d.rigs = append(d.rigs, h.rigs...)
	for _, e := range h.entries {
		if e.err == nil {
			e.rig += first
		}
		d.entries = append(d.entries, e)
	}
	h.rigs, h.entries, h.joined = nil, nil, true

	// The second half counts file offsets, and the first decoder counts
	// offsets after a byte order mark.
	d.parts.skipTo(h.close)
	d.scan.data, d.scan.pos, d.scan.base = "", 0, int(h.close-d.bomBytes)
	return true
}
