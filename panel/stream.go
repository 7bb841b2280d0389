package panel

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// streamPartBytes is how much of a streamed panel is read at a time.
const streamPartBytes = 64 << 10

// decodeParts decodes a panel read from r, partBytes at a time, as
// decodeFrom does.
func decodeParts(r io.Reader, size, limit int64, partBytes int, source string, now func() time.Time) (snap Snapshot, err error, whole bool) {
	return decodeFrom(&textStream{r: r, size: size, limit: limit, partBytes: partBytes}, nil, decodeSettings{source: source}, now)
}

// decodeFrom decodes the panel that in reads in parts, which keeps only the
// part being read in memory instead of the whole body: a 5,000-rig panel
// is 8.6 MB. The input's size, from in, sizes the rig slice. half, when not
// nil, is the second half of the rigs, read at the same time.
//
// It handles only the common case, UTF-8 text without ESC bytes within the
// limit. Anything else (a Japanese legacy encoding, an ESC byte that may
// start ISO-2022-JP, a body over the limit, a read error) returns
// whole=true, and the caller must decode the whole body with Decode.
// Otherwise it returns what Decode returns for the body, errors included.
func decodeFrom(in *textStream, half *rigHalf, set decodeSettings, now func() time.Time) (snap Snapshot, err error, whole bool) {
	size := in.size
	builderBytes := int(size)
	if half != nil {
		// Both halves keep a core busy, so a goroutine per half building
		// GPUs would only take turns with them.
		builderBytes = 0
	}
	d := &decoder{
		scan:        jsonScanner{total: int(size), more: in.next},
		parts:       in,
		source:      set.source,
		skipDetails: set.skipDetails,
		strings:     newInterner(),
		gpus:        newGPUBuilder(builderBytes),
		half:        half,
	}
	defer d.gpus.stop()
	// The decoder counts offsets after the byte order mark, as Decode does.
	d.scan.ensure(len("\ufeff"))
	if text, ok := strings.CutPrefix(d.scan.data, "\ufeff"); ok {
		d.scan.data, d.bomBytes = text, int64(len("\ufeff"))
	}

	switch c := d.scan.peek(); {
	case in.abandoned():
		return Snapshot{}, nil, true
	case c == 0 && d.scan.pos == len(d.scan.data):
		err = checkJSONStart("")
	case c == '<':
		err = checkJSONStart("<")
	default:
		snap, err = d.document(now)
	}
	if err != nil {
		// The rest of the body may still be one the stream does not
		// handle, such as Shift_JIS text, for which Decode reports the
		// error as it reads in that encoding. So it is read to the end.
		for !in.abandoned() {
			if _, ok := in.next(""); !ok {
				break
			}
			d.releaseParts()
		}
	}
	if in.abandoned() {
		return Snapshot{}, nil, true
	}
	if err != nil {
		return Snapshot{}, err, false
	}
	return snap, nil, false
}

// textStream reads a body in parts for jsonScanner.more, checking that each
// part is UTF-8 without ESC bytes.
type textStream struct {
	r io.Reader
	// size is the length the file had when it was opened.
	size      int64
	limit     int64
	partBytes int

	read int64
	// carry holds the first bytes of a character cut by the end of a read.
	carry []byte
	eof   bool
	// gaveUp is set when the body is not one decodeFrom handles, or
	// when reading failed (err) or passed the limit (overLimit).
	gaveUp    bool
	err       error
	overLimit bool

	// Part buffers are reused, so that a 5,000-rig panel takes a few
	// buffers instead of 8.6 MB of garbage.
	//
	// cur backs the latest part. used contains earlier parts that strings
	// of the rig being decoded may still point into. retired contains
	// parts that only GPU jobs handed to the builder may point into. free
	// contains parts that nothing points into.
	cur     []byte
	used    [][]byte
	retired []retiredPart
	free    [][]byte
	// allocated counts the buffers made so far.
	allocated int
}

// retiredPart is a part buffer that the first handed GPU jobs may still
// read: it is free once that many jobs are built.
type retiredPart struct {
	buf    []byte
	handed int64
}

// poisonFreedParts is set by tests: a part is overwritten when it is freed,
// so that any string still pointing into it shows up as a wrong result.
var poisonFreedParts bool

// abandoned reports whether the stream stopped on something the whole-body
// decoder must handle.
func (t *textStream) abandoned() bool { return t.gaveUp }

// next returns keep followed by the next part of the body, or false at the
// end of the body or when the stream gives up. Strings cut from earlier
// parts stay valid until release frees those parts.
func (t *textStream) next(keep string) (string, bool) {
	if t.eof || t.gaveUp {
		return "", false
	}
	// A value longer than a part (a hostile multi-megabyte string) is kept
	// whole across reads, so the part grows with it to keep reading linear.
	part := max(t.partBytes, len(keep))
	if left := t.size - t.read; left >= 0 && left < int64(part) {
		// One byte more than is left lets this read see the end of the
		// file, so a small panel takes one small buffer.
		part = int(left) + 1
	}
	buf := t.buffer(len(keep) + len(t.carry) + part)
	n := copy(buf, keep)
	n += copy(buf[n:], t.carry)
	read, err := readFull(t.r, buf[n:])
	t.read += int64(read)
	switch {
	case err == io.EOF:
		t.eof = true
	case err != nil:
		t.err, t.gaveUp = err, true
		return "", false
	}
	if t.read > t.limit {
		t.overLimit, t.gaveUp = true, true
		return "", false
	}

	buf = buf[:n+read]
	fresh := buf[len(keep):]
	t.carry = nil
	if !t.eof {
		// Hold back a character cut by the end of this read.
		for i := len(fresh) - 1; i >= 0 && i >= len(fresh)-utf8.UTFMax; i-- {
			if utf8.RuneStart(fresh[i]) {
				if !utf8.FullRune(fresh[i:]) {
					t.carry = bytes.Clone(fresh[i:])
					buf, fresh = buf[:len(keep)+i], fresh[:i]
				}
				break
			}
		}
	}
	if bytes.IndexByte(fresh, 0x1b) >= 0 || !utf8.Valid(fresh) {
		t.gaveUp = true
		return "", false
	}
	if len(fresh) == 0 && t.eof {
		return "", false
	}
	// buf is not written again until release frees it, so the string may
	// share its memory.
	if t.cur != nil {
		t.used = append(t.used, t.cur)
	}
	t.cur = buf
	return unsafe.String(unsafe.SliceData(buf), len(buf)), true
}

// skipTo goes on reading the body at offset, which must start a character.
// The reader must be an io.Seeker. Failing to seek ends the stream as a
// read error does.
func (t *textStream) skipTo(offset int64) {
	seeker, ok := t.r.(io.Seeker)
	if !ok {
		t.err, t.gaveUp = errors.New("panel: the stream cannot skip ahead"), true
		return
	}
	if _, err := seeker.Seek(offset, io.SeekStart); err != nil {
		t.err, t.gaveUp = err, true
		return
	}
	t.read, t.carry, t.eof = offset, nil, false
}

// readFull reads until p is full. Unlike io.ReadFull it returns the
// reader's own error, so that io.EOF is the end of the body and an HTTP
// body shorter than its Content-Length stays io.ErrUnexpectedEOF.
func readFull(r io.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// buffer returns a part buffer of length n, a freed one when one is large
// enough.
func (t *textStream) buffer(n int) []byte {
	for i, b := range t.free {
		if cap(b) >= n {
			last := len(t.free) - 1
			t.free[i] = t.free[last]
			t.free = t.free[:last]
			return b[:n]
		}
	}
	// Room for a few bytes kept from the previous part lets the buffer
	// be reused for the next full part.
	t.allocated++
	return make([]byte, n, max(n, t.partBytes+t.partBytes/8))
}

// release frees the parts before the latest for reuse. The decoder calls
// it between two rigs, when only GPU jobs handed to the builder may still
// point into those parts. handed is the number of jobs handed over so far,
// and built the number of them that are built.
func (t *textStream) release(handed, built int64) {
	for _, b := range t.used {
		t.retired = append(t.retired, retiredPart{buf: b, handed: handed})
	}
	clear(t.used)
	t.used = t.used[:0]

	pending := t.retired[:0]
	for _, r := range t.retired {
		if r.handed > built {
			pending = append(pending, r)
			continue
		}
		if poisonFreedParts {
			whole := r.buf[:cap(r.buf)]
			for i := range whole {
				whole[i] = 0xff
			}
		}
		t.free = append(t.free, r.buf)
	}
	clear(t.retired[len(pending):])
	t.retired = pending
}
