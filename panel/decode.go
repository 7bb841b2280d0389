package panel

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Decode parses one ethOS panel response into a snapshot. source names the
// source for Snapshot.Source and Rig.Panel; fetchedAt is the local time the
// body was received.
//
// Decode accepts every variation real panels show: numbers as strings,
// integers or floats; false, null or missing values (left unknown); "rigs"
// as {} or [] for an empty farm; per-GPU lists longer or shorter than the
// GPU count; unknown keys; and bodies in Shift_JIS, EUC-JP or ISO-2022-JP.
// A rig that is not an object, or whose id is empty once sanitised or
// collides with another rig's, goes into Snapshot.RigErrors and the other
// rigs still load.
//
// Decode does not modify body or keep any reference to it, but body must
// not change while Decode runs.
//
// The returned error is a *DecodeError: the body is empty, an HTML page,
// not in a known encoding, invalid or truncated JSON, or JSON that is not a
// panel (not an object, or without a "rigs" object).
func Decode(body []byte, source string, fetchedAt time.Time) (Snapshot, error) {
	return decodeWhole(body, decodeSettings{source: source}, fetchedAt)
}

// decodeSettings are a source's options for the decoder.
type decodeSettings struct {
	// source names the source for Snapshot.Source and Rig.Panel.
	source string
	// skipDetails leaves out what only a rig's detail screen shows, as
	// HTTPOptions.SkipDetails describes.
	skipDetails bool
}

// decodeWhole is Decode with settings.
func decodeWhole(body []byte, set decodeSettings, fetchedAt time.Time) (Snapshot, error) {
	text, err := toUTF8(body)
	if err != nil {
		return Snapshot{}, err
	}
	text = strings.TrimPrefix(text, "\ufeff")
	if err := checkJSONStart(text); err != nil {
		return Snapshot{}, err
	}

	d := &decoder{
		scan:        jsonScanner{data: text, total: len(text)},
		source:      set.source,
		skipDetails: set.skipDetails,
		strings:     newInterner(),
		gpus:        newGPUBuilder(len(text)),
	}
	defer d.gpus.stop()
	snap, err := d.document(func() time.Time { return fetchedAt })
	if err != nil {
		return Snapshot{}, err
	}
	return snap, nil
}

// checkJSONStart rejects the bodies that are plainly not JSON before they
// are parsed, with a more useful message than a syntax error at byte 0.
func checkJSONStart(text string) error {
	trimmed := strings.TrimLeft(text, " \t\r\n")
	switch {
	case trimmed == "":
		return &DecodeError{Kind: KindEmpty, Offset: -1, Msg: "empty body"}
	case trimmed[0] == '<':
		return &DecodeError{Kind: KindHTML, Offset: -1,
			Msg: "body is an HTML page, not panel JSON; check the panel id or URL (the panel JSON is at http://ID.ethosdistro.com/?json=yes)"}
	}
	return nil
}

// decoder holds the state of one Decode call.
type decoder struct {
	scan    jsonScanner
	source  string
	strings *interner
	// skipDetails is decodeSettings.skipDetails.
	skipDetails bool

	// entries lists every member of "rigs" in document order; they are
	// deduplicated and sorted once the document is read.
	entries []rigEntry
	// rigs holds the decoded rigs in document order. finishRigs sorts them
	// in place into the snapshot, so the rigs are stored once.
	rigs []Rig
	// rigsStart is the offset of the "rigs" object in the text.
	rigsStart int
	rigsFound bool
	// gpus builds each rig's GPUs from its lists, beside the decoder.
	gpus gpuBuilder
	// parts is the streamed input, whose part buffers are released after
	// each rig; nil when the whole body is in memory.
	parts *textStream
	// half is the second half of the rigs, read by another decoder until
	// this one reaches its start; nil when there is none.
	half *rigHalf
	// abandon is set, in the decoder of a second half, when its rigs are
	// no longer needed.
	abandon *atomic.Bool
	// bomBytes is the length of the byte order mark the input starts
	// with, which offsets in the text do not count and file offsets do.
	bomBytes int64
	// shapeErr is set when the JSON is valid so far but not a panel. It is
	// returned only if the rest of the body is valid JSON, because a syntax
	// error is the more useful report.
	shapeErr *DecodeError
}

// rigEntry is one member of "rigs": a decoded rig (rigs[rig]) or an error.
type rigEntry struct {
	rawID string
	rig   int
	err   error
}

// document reads the whole document. fetchedAt is called once the input
// has been read, which for a streamed input is at the end.
func (d *decoder) document(fetchedAt func() time.Time) (Snapshot, error) {
	snap := Snapshot{Source: d.source}

	if d.scan.peek() != '{' {
		v, err := d.scan.value()
		if err == nil {
			err = d.scan.end()
		}
		if err != nil {
			return Snapshot{}, jsonError(err)
		}
		return Snapshot{}, notPanel("top-level value is %s, not an object", v.kind)
	}

	err := d.scan.object(func(key string) error {
		switch key {
		case "rigs":
			return d.rigList()
		case "per_info":
			return d.perInfo(&snap.Totals)
		}
		v, err := d.scan.value()
		if err != nil {
			return err
		}
		setTotal(&snap.Totals, key, v, d.strings)
		return nil
	})
	if err == nil {
		err = d.scan.end()
	}
	if err != nil {
		return Snapshot{}, jsonError(err)
	}

	if d.shapeErr != nil {
		return Snapshot{}, d.shapeErr
	}
	if !d.rigsFound {
		return Snapshot{}, notPanel(`no "rigs" field`)
	}

	snap.FetchedAt = fetchedAt()
	d.gpus.wait()
	snap.Rigs, snap.RigErrors = d.finishRigs()
	setPanelTime(&snap, snap.FetchedAt)
	return snap, nil
}

func notPanel(format string, args ...any) *DecodeError {
	return &DecodeError{
		Kind:   KindNotPanel,
		Offset: -1,
		Msg:    "not an ethOS panel document: " + fmt.Sprintf(format, args...),
	}
}

// jsonError turns a scanner error into a DecodeError.
func jsonError(err error) error {
	var syntax *jsonSyntaxError
	if !errors.As(err, &syntax) {
		return err
	}
	if syntax.Truncated {
		return &DecodeError{Kind: KindTruncated, Offset: int64(syntax.Offset),
			Msg: "truncated JSON: the body ends inside a value at byte " + fmt.Sprint(syntax.Offset)}
	}
	return &DecodeError{Kind: KindInvalidJSON, Offset: int64(syntax.Offset),
		Msg: "invalid JSON: " + syntax.Error()}
}

// rigList reads the "rigs" value: an object of rigs keyed by id, or the
// empty array PHP writes for an empty farm.
func (d *decoder) rigList() error {
	// A second half can only start inside the "rigs" object, so once it
	// is read without reaching that start, the second half is wrong.
	defer d.abandonHalf()
	d.rigsFound = true
	d.entries, d.rigs = d.entries[:0], d.rigs[:0]

	switch d.scan.peek() {
	case '{':
		d.rigsStart = d.scan.offset()
		return d.scan.object(d.rigMember)
	case '[':
		n := 0
		err := d.scan.array(func() error {
			n++
			_, err := d.scan.value()
			return err
		})
		if err == nil && n > 0 {
			d.shapeErr = notPanel(`"rigs" is a non-empty array, not an object keyed by rig id`)
		}
		return err
	}

	v, err := d.scan.value()
	if err == nil {
		d.shapeErr = notPanel(`"rigs" is %s, not an object`, v.kind)
	}
	return err
}

// rigMember reads the value of one "rigs" member.
func (d *decoder) rigMember(rawID string) error {
	if d.half != nil && int64(d.scan.keyStart)+d.bomBytes >= d.half.start && d.joinHalf() {
		// The scanner is now at the '}' that ends "rigs", and
		// reads it as this member's end.
		return nil
	}
	if d.abandon != nil && d.halfNotWorthIt() {
		return errAbandoned
	}
	if d.scan.peek() != '{' {
		v, err := d.scan.value()
		if err != nil {
			return err
		}
		d.entries = append(d.entries, rigEntry{rawID: strings.Clone(rawID), err: fmt.Errorf("value is %s, not an object", v.kind)})
		d.releaseParts()
		return nil
	}

	if len(d.rigs) == cap(d.rigs) {
		d.growRigs()
	}
	id := strings.Clone(Sanitize(rawID))
	// The entry outlives the part of a streamed input that rawID is cut
	// from; almost every id is already clean and can share its copy.
	if id == rawID {
		rawID = id
	} else {
		rawID = strings.Clone(rawID)
	}
	d.rigs = append(d.rigs, Rig{})
	if err := d.rig(&d.rigs[len(d.rigs)-1], id); err != nil {
		return err
	}
	d.entries = append(d.entries, rigEntry{rawID: rawID, rig: len(d.rigs) - 1})
	d.releaseParts()
	return nil
}

// releaseParts lets a streamed input reuse the parts read before the
// latest one. Every string the decoder keeps is a copy, and a rig's raw
// values are not used after the rig, so between two rigs nothing but
// the GPU jobs still being built points into those parts.
func (d *decoder) releaseParts() {
	if d.parts != nil {
		d.parts.release(d.gpus.handed, d.gpus.built.Load())
	}
}

// firstRigs is the capacity for the first rigs, before their size is known.
const firstRigs = 8

// growRigs makes room for more rigs. Past the first few it estimates the
// number of rigs from the bytes they took and the bytes left. Appending one
// by one to a slice of 5,000 large Rig values would instead allocate several
// times the final slice in copies along the way.
func (d *decoder) growRigs() {
	// The GPU builder writes into the rigs through pointers, which must
	// not move under it.
	d.gpus.wait()
	n := len(d.rigs)
	size := firstRigs
	if n >= firstRigs {
		read := max(d.scan.offset()-d.rigsStart, 1)
		left := max(d.scan.total-d.scan.offset(), 0)
		// An eighth more than the estimate, for rigs larger than the first.
		estimate := int(int64(n) * int64(left) / int64(read))
		size = n + max(estimate+estimate/8, firstRigs)
	}
	rigs := make([]Rig, n, size)
	copy(rigs, d.rigs)
	d.rigs = rigs
}

// finishRigs keeps the last of rigs listed twice under the same key (as
// JSON decoders do), reports rigs whose id is empty or collides with
// another's once sanitised, and sorts both lists by id.
func (d *decoder) finishRigs() ([]Rig, []RigError) {
	last := make(map[string]int, len(d.entries))
	for i, e := range d.entries {
		last[e.rawID] = i
	}

	var keep []int
	var rigErrs []RigError
	byID := make(map[string]string, len(d.entries))
	for i, e := range d.entries {
		if last[e.rawID] != i {
			continue
		}
		if e.err != nil {
			rigErrs = append(rigErrs, RigError{RigID: strings.Clone(Sanitize(e.rawID)), Err: e.err})
			continue
		}

		id := d.rigs[e.rig].ID
		switch other, duplicate := byID[id]; {
		case id == "":
			rigErrs = append(rigErrs, RigError{RigID: id, Err: errors.New("id is empty once control characters are removed")})
		case duplicate:
			rigErrs = append(rigErrs, RigError{RigID: id, Err: fmt.Errorf("id %q is the same as rig %q once control characters are removed", e.rawID, other)})
		default:
			byID[id] = e.rawID
			keep = append(keep, e.rig)
		}
	}

	slices.SortFunc(keep, func(a, b int) int { return strings.Compare(d.rigs[a].ID, d.rigs[b].ID) })
	slices.SortStableFunc(rigErrs, func(a, b RigError) int { return strings.Compare(a.RigID, b.RigID) })
	rigs := gatherRigs(d.rigs, keep)
	if cap(d.rigs) > len(rigs)+len(rigs)/4+firstRigs {
		// The estimate in growRigs was far too high, or many rigs were
		// dropped: keep only what the snapshot needs.
		rigs = slices.Clone(rigs)
	}
	return rigs, rigErrs
}

// gatherRigs moves rigs[keep[0]], rigs[keep[1]]… to the front of rigs, in
// that order, and returns them. It works in place, one cycle of the
// permutation at a time, because a second slice of every rig would double
// the memory a large farm needs. keep holds distinct indexes.
func gatherRigs(rigs []Rig, keep []int) []Rig {
	// from[i] is the index whose rig moves to i: the kept rigs first, then
	// the dropped ones in any order.
	from := make([]int, 0, len(rigs))
	from = append(from, keep...)
	kept := make([]bool, len(rigs))
	for _, k := range keep {
		kept[k] = true
	}
	for i := range rigs {
		if !kept[i] {
			from = append(from, i)
		}
	}

	// The bitmap of kept rigs is no longer needed: it now marks the slots
	// already filled.
	done := kept
	clear(done)
	for start := range rigs {
		if done[start] || from[start] == start {
			continue
		}
		saved := rigs[start]
		i := start
		for {
			done[i] = true
			src := from[i]
			if src == start {
				rigs[i] = saved
				break
			}
			rigs[i] = rigs[src]
			i = src
		}
	}

	clear(rigs[len(keep):])
	return rigs[:len(keep):len(keep)]
}

// setPanelTime sets the panel's clock from per_info, falling back to the
// local clock, and each rig's report age against it.
func setPanelTime(snap *Snapshot, fetchedAt time.Time) {
	for _, m := range snap.Totals.Miners {
		if m.CurrentTime.After(snap.PanelTime) {
			snap.PanelTime = m.CurrentTime
			snap.PanelClockKnown = true
		}
	}
	if !snap.PanelClockKnown {
		snap.PanelTime = fetchedAt
	}

	for i := range snap.Rigs {
		r := &snap.Rigs[i]
		if r.ServerTime.IsZero() {
			continue
		}
		r.ReportAge = Some(max(snap.PanelTime.Sub(r.ServerTime), 0))
		r.AgeFromLocalClock = !snap.PanelClockKnown
	}
}
