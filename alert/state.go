package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"
)

// stateVersion is the format of the state file; a file of another version
// is not restored.
const stateVersion = 1

// savedState is the state file: every alert with its lifecycle, the
// silences, and when each failing panel began to fail. Hash-rate history is
// not saved; the median rules keep their alerts as they are until enough
// new samples arrive.
type savedState struct {
	Version       int                   `json:"version"`
	Alerts        []tracked             `json:"alerts"`
	Silences      []Silence             `json:"silences"`
	NextSilenceID int                   `json:"next_silence_id,omitempty"`
	Panels        map[string]savedPanel `json:"panels,omitempty"`

	// seq orders the states taken from the monitor, so that a save that
	// lost a race never overwrites a newer state.
	seq uint64
}

type savedPanel struct {
	FailingSince time.Time `json:"failing_since,omitzero"`
}

// stateStore writes the state file atomically and remembers the last
// content written, so that an unchanged state is not written again.
type stateStore struct {
	path string
	// writeTemp writes and syncs the temporary file; nil means
	// writeAndSync. Tests replace it to fail as a full disk does.
	writeTemp func(f *os.File, data []byte) error
	// seq numbers the states taken; guarded by the monitor's mu.
	seq uint64

	mu        sync.Mutex
	written   []byte
	writtenAt uint64
	err       error
}

// stateLocked returns the state to save, or nil when the monitor saves
// nothing. The caller holds m.mu.
func (m *Monitor) stateLocked() *savedState {
	if m.store == nil {
		return nil
	}
	m.store.seq++
	st := &savedState{
		Version:       stateVersion,
		Silences:      slices.Clone(m.silences.list),
		NextSilenceID: m.silences.nextID,
		Panels:        map[string]savedPanel{},
		seq:           m.store.seq,
	}
	for _, key := range slices.SortedFunc(maps.Keys(m.engine.alerts), compareKeys) {
		st.Alerts = append(st.Alerts, *m.engine.alerts[key])
	}
	for _, ps := range m.panels {
		if !ps.failingSince.IsZero() {
			st.Panels[ps.name] = savedPanel{FailingSince: ps.failingSince}
		}
	}
	return st
}

// save writes st. A failure is logged when saving starts to fail, not on
// every poll while it keeps failing.
func (m *Monitor) save(st *savedState) {
	if st == nil {
		return
	}
	previous := m.store.lastError()
	err := m.store.write(st)
	if err != nil && previous == nil {
		m.log.Error(m.printer.T("alert.log.state_save_failed"), "path", m.store.path, "error", err)
	}
}

// write saves st unless a newer state was already written or the content
// is unchanged.
func (s *stateStore) write(st *savedState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.seq < s.writtenAt {
		return s.err
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err == nil && bytes.Equal(data, s.written) {
		s.err = nil
		return nil
	}
	if err == nil {
		err = writeFileAtomic(s.path, data, s.writeTemp)
	}
	if err != nil {
		s.err = fmt.Errorf("save alert state %s: %w", s.path, err)
		return s.err
	}
	s.written = data
	s.writtenAt = st.seq
	s.err = nil
	return nil
}

func (s *stateStore) lastError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// load reads the state file; it returns nil and no error when there is none.
func (s *stateStore) load() (*savedState, error) {
	info, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err == nil && !info.Mode().IsRegular() {
		// A FIFO or a device such as /dev/zero would block or never end.
		return nil, fmt.Errorf("read alert state %s: %w", s.path, notRegular(info))
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return nil, fmt.Errorf("read alert state %s: %w", s.path, err)
	}
	var st savedState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("decode alert state %s: %w", s.path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("decode alert state %s: unsupported version %d, want %d", s.path, st.Version, stateVersion)
	}
	s.written = data
	return &st, nil
}

// restore loads the state file into the monitor. Alerts of panels that are
// no longer monitored are dropped without announcing their resolution.
func (m *Monitor) restore() {
	st, err := m.store.load()
	if err != nil {
		m.loadWarning = err
		m.log.Warn(m.printer.T("alert.log.state_unreadable"), "path", m.store.path, "error", err)
		return
	}
	if st == nil {
		return
	}

	byName := map[string]*panelState{}
	for _, ps := range m.panels {
		byName[ps.name] = ps
	}
	dropped := map[string]int{}
	invalid := 0
	for _, t := range st.Alerts {
		switch {
		case !validSaved(t):
			invalid++
		case byName[t.Key.Panel] == nil:
			dropped[t.Key.Panel]++
		default:
			m.engine.alerts[t.Key] = &t
		}
	}
	for name, count := range dropped {
		m.log.Info(m.printer.T("alert.log.state_dropped"), "panel", name, "alerts", count)
	}
	if invalid > 0 {
		m.loadWarning = fmt.Errorf("restore alert state %s: skipped %d invalid alerts", m.store.path, invalid)
		m.log.Warn(m.printer.T("alert.log.state_partial"), "path", m.store.path, "error", m.loadWarning)
	}

	for _, s := range st.Silences {
		if s.ID != "" && s.Key.Panel != "" {
			m.silences.list = append(m.silences.list, s)
		}
	}
	m.silences.nextID = st.NextSilenceID
	m.silences.expire(m.now())

	for name, sp := range st.Panels {
		if ps := byName[name]; ps != nil {
			ps.failingSince = sp.FailingSince
		}
	}
}

// validSaved reports whether a restored alert can take part in the
// lifecycle.
func validSaved(t tracked) bool {
	switch {
	case t.Key.Panel == "", t.Key.Kind == "":
		return false
	case t.State < StatePending || t.State > StateResolved:
		return false
	case t.Since.IsZero():
		return false
	}
	return true
}

// writeFileAtomic replaces path with data so that a crash leaves either the
// old file or the new one: it writes a temporary file in the same
// directory with writeTemp (writeAndSync when nil), renames it over path,
// and syncs the directory. On any error the temporary file is removed.
func writeFileAtomic(path string, data []byte, writeTemp func(f *os.File, data []byte) error) (err error) {
	if writeTemp == nil {
		writeTemp = writeAndSync
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		// A rename over a directory fails with a confusing "file exists".
		return notRegular(info)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := writeTemp(tmp, data); err != nil {
		return tempFileError("write", err)
	}
	if err := tmp.Close(); err != nil {
		return tempFileError("write", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return tempFileError("rename", err)
	}
	return syncDir(dir)
}

// notRegular is the error for a state path that is not a regular file.
func notRegular(info fs.FileInfo) error {
	if info.IsDir() {
		return syscall.EISDIR
	}
	return errors.New("not a regular file")
}

// tempFileError drops the temporary file's random name from err, which the
// caller's message replaces with the state file's path.
func tempFileError(op string, err error) error {
	var pathErr *fs.PathError
	var linkErr *os.LinkError
	switch {
	case errors.As(err, &pathErr):
		err = pathErr.Err
	case errors.As(err, &linkErr):
		err = linkErr.Err
	}
	return fmt.Errorf("%s temporary file: %w", op, err)
}

// writeAndSync writes data to f and flushes it to the disk.
func writeAndSync(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Sync()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
