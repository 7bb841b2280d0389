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
}

func newFileSource(name, path string, opts HTTPOptions) *fileSource {
	s := &fileSource{
		name:    name,
		path:    path,
		maxBody: cmpOr(opts.MaxBodyBytes, DefaultMaxBodyBytes),
		now:     opts.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Name implements Source.
func (s *fileSource) Name() string { return s.name }

// Fetch implements Source. Every error is a *FetchError naming the path.
func (s *fileSource) Fetch(ctx context.Context) (Snapshot, error) {
	if ctx.Err() != nil {
		return Snapshot{}, s.fail(KindCanceled, ctx.Err())
	}

	body, err := s.read()
	if err != nil {
		return Snapshot{}, err
	}

	snap, err := Decode(body, s.name, s.now())
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

func (s *fileSource) read() ([]byte, error) {
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, s.fail(KindNotFound, err)
	}
	if err != nil {
		return nil, s.fail(KindUnreadable, err)
	}
	defer f.Close()

	body, err := io.ReadAll(io.LimitReader(f, s.maxBody+1))
	if err != nil {
		return nil, s.fail(KindUnreadable, err)
	}
	if int64(len(body)) > s.maxBody {
		return nil, s.fail(KindTooLarge, fmt.Errorf("file larger than the %d-byte limit", s.maxBody))
	}
	return body, nil
}

func (s *fileSource) fail(kind ErrorKind, err error) *FetchError {
	return &FetchError{URL: s.name, Kind: kind, Offset: -1, Err: err}
}
