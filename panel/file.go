package panel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// fileSource reads a saved panel JSON file, again on every Fetch, so that a
// file rewritten between polls shows its new content.
type fileSource struct {
	name    string
	path    string
	maxBody int64
	now     func() time.Time
	decode  decodeSettings
}

func newFileSource(name, path string, opts HTTPOptions) *fileSource {
	s := &fileSource{
		name:    name,
		path:    path,
		maxBody: cmpOr(opts.MaxBodyBytes, DefaultMaxBodyBytes),
		now:     opts.Now,
		decode:  decodeSettings{source: name, skipDetails: opts.SkipDetails},
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Name implements Source.
func (s *fileSource) Name() string { return s.name }

// Fetch implements Source. Every error is a *FetchError naming the path.
// A regular file is decoded as it is read, so that a large panel is never
// in memory whole. A file the stream does not handle is read again whole.
func (s *fileSource) Fetch(ctx context.Context) (Snapshot, error) {
	if ctx.Err() != nil {
		return Snapshot{}, s.fail(KindCanceled, ctx.Err())
	}

	f, size, err := s.open()
	if err != nil {
		return Snapshot{}, err
	}
	defer f.Close()

	if size > 0 {
		snap, err, whole := decodeFileStream(f, f, size, s.maxBody, s.decode, s.now)
		if !whole {
			return s.result(snap, err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return Snapshot{}, s.fail(KindUnreadable, err)
		}
	}

	body, err := s.read(f, size)
	if err != nil {
		return Snapshot{}, err
	}
	return s.result(decodeWhole(body, s.decode, s.now()))
}

// result turns a decode error into a FetchError.
func (s *fileSource) result(snap Snapshot, err error) (Snapshot, error) {
	if err != nil {
		fe := s.fail(KindOther, err)
		var de *DecodeError
		if errors.As(err, &de) {
			fe.Kind, fe.Offset = de.Kind, de.Offset
		}
		return Snapshot{}, fe
	}
	return snap, nil
}

// open opens the file and returns its size: 0 for pipes and files under
// /proc, which report none.
func (s *fileSource) open() (*os.File, int64, error) {
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, s.fail(KindNotFound, err)
	}
	if err != nil {
		return nil, 0, s.fail(KindUnreadable, err)
	}

	var size int64
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
		size = info.Size()
	}
	if size > s.maxBody {
		f.Close()
		return nil, 0, s.tooLarge()
	}
	return f, size, nil
}

// read returns the whole file. The buffer is sized from the file's length
// up front, so a large panel is read into one allocation of its own size
// instead of a buffer that doubles while it is read.
func (s *fileSource) read(f *os.File, size int64) ([]byte, error) {
	// One byte more than the length lets the read that reports the end of
	// the file happen without growing the buffer.
	body := make([]byte, 0, max(size, minReadBuffer-1)+1)
	for {
		n, err := f.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		if int64(len(body)) > s.maxBody {
			return nil, s.tooLarge()
		}
		if err == io.EOF {
			return body, nil
		}
		if err != nil {
			return nil, s.fail(KindUnreadable, err)
		}
		if len(body) == cap(body) {
			// The file grew since Stat, or its size was not known.
			body = append(body, 0)[:len(body)]
		}
	}
}

// minReadBuffer is the first buffer size for a file of unknown length.
const minReadBuffer = 512

func (s *fileSource) tooLarge() *FetchError {
	return s.fail(KindTooLarge, fmt.Errorf("file larger than the %d-byte limit", s.maxBody))
}

func (s *fileSource) fail(kind ErrorKind, err error) *FetchError {
	return &FetchError{URL: s.name, Kind: kind, Offset: -1, Err: err}
}
