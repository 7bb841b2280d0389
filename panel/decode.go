package panel

import (
	"errors"
	"fmt"
	"slices"
	"strings"
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
	text, err := toUTF8(body)
	if err != nil {
		return Snapshot{}, err
	}
	text = strings.TrimPrefix(text, "\ufeff")
	if err := checkJSONStart(text); err != nil {
		return Snapshot{}, err
	}

	d := &decoder{
		scan:    jsonScanner{data: text},
		source:  source,
		strings: newInterner(),
	}
	snap, err := d.document(fetchedAt)
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

	// entries lists every member of "rigs" in document order; they are
	// deduplicated and sorted once the document is read.
	entries   []rigEntry
	rigs      []*Rig
	rigsFound bool
	// gpuSlab is carved into each rig's GPUs, one allocation for many rigs;
	// slabSize is the size of the last slab allocated.
	gpuSlab  []GPU
	slabSize int
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

func (d *decoder) document(fetchedAt time.Time) (Snapshot, error) {
	snap := Snapshot{Source: d.source, FetchedAt: fetchedAt}

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

	snap.Rigs, snap.RigErrors = d.finishRigs()
	setPanelTime(&snap, fetchedAt)
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
	d.rigsFound = true
	d.entries, d.rigs = d.entries[:0], d.rigs[:0]

	switch d.scan.peek() {
	case '{':
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
	if d.scan.peek() != '{' {
		v, err := d.scan.value()
		if err != nil {
			return err
		}
		d.entries = append(d.entries, rigEntry{rawID: rawID, err: fmt.Errorf("value is %s, not an object", v.kind)})
		return nil
	}

	rig, err := d.rig(strings.Clone(Sanitize(rawID)))
	if err != nil {
		return err
	}
	d.entries = append(d.entries, rigEntry{rawID: rawID, rig: len(d.rigs)})
	d.rigs = append(d.rigs, rig)
	return nil
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

	// Sorting indexes and copying each rig once is much cheaper than
	// sorting the large Rig values in place.
	slices.SortFunc(keep, func(a, b int) int { return strings.Compare(d.rigs[a].ID, d.rigs[b].ID) })
	rigs := make([]Rig, len(keep))
	for i, k := range keep {
		rigs[i] = *d.rigs[k]
	}
	slices.SortStableFunc(rigErrs, func(a, b RigError) int { return strings.Compare(a.RigID, b.RigID) })
	return rigs, rigErrs
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
