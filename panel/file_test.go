package panel

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFileSourceRereadsEachFetch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "panel.json")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"rigs":{"r1":{"condition":"mining"}}}`)

	now := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	src, err := ParseSource(path, HTTPOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}

	snap, err := src.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Rigs[0].Condition != Mining {
		t.Errorf("first fetch: Condition = %q, want mining", snap.Rigs[0].Condition)
	}
	if !snap.FetchedAt.Equal(now) || snap.Source != path || snap.Rigs[0].Panel != path {
		t.Errorf("FetchedAt = %v, Source = %q, Panel = %q", snap.FetchedAt, snap.Source, snap.Rigs[0].Panel)
	}

	write(`{"rigs":{"r1":{"condition":"no_hash"}}}`)
	snap, err = src.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Rigs[0].Condition != NoHash {
		t.Errorf("second fetch: Condition = %q, want the rewritten no_hash", snap.Rigs[0].Condition)
	}
}

func TestFileSourceErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "panel.json")
	if err := os.WriteFile(path, []byte(`{"rigs":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := ParseSource(path, HTTPOptions{MaxBodyBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	fetch := func() error {
		_, err := src.Fetch(context.Background())
		return err
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	fe := wantFetchError(t, fetch(), KindNotFound)
	if want := "read " + path + ": file not found"; fe.Error() != want {
		t.Errorf("Error() = %q, want %q", fe, want)
	}

	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	fe = wantFetchError(t, fetch(), KindUnreadable)
	if !strings.HasPrefix(fe.Error(), "read "+path+": file not readable: ") {
		t.Errorf("Error() = %q", fe)
	}
	os.Remove(path)

	os.WriteFile(path, []byte(`{"rigs":{"a":}}`), 0o644)
	fe = wantFetchError(t, fetch(), KindInvalidJSON)
	if fe.Offset != 13 || fe.URL != path {
		t.Errorf("Offset = %d, URL = %q; want 13 and the path", fe.Offset, fe.URL)
	}
	if want := "read " + path + ": invalid JSON: invalid character '}' looking for beginning of value at byte 13"; fe.Error() != want {
		t.Errorf("Error() = %q, want %q", fe, want)
	}

	os.WriteFile(path, []byte(`{"rigs":{},"pad":"`+strings.Repeat("x", 100)+`"}`), 0o644)
	wantFetchError(t, fetch(), KindTooLarge)

	os.WriteFile(path, []byte("<html></html>"), 0o644)
	wantFetchError(t, fetch(), KindHTML)

	os.WriteFile(path, nil, 0o644)
	wantFetchError(t, fetch(), KindEmpty)
}

func TestFileSourceCanceled(t *testing.T) {
	src, err := ParseSource(filepath.Join("..", "testdata", "panels", "nvidia-3rigs.json"), HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = src.Fetch(ctx)
	wantFetchError(t, err, KindCanceled)
}

// A FIFO reports no size, so the file source reads it with a buffer that
// grows. The body, ten times the first buffer size, must arrive whole, and
// the size limit must still hold.
func TestFileSourceUnknownSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "panel.fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	label := strings.Repeat("x", 10*minReadBuffer)
	body := `{"rigs":{"r1":{"condition":"mining","rack_loc":"` + label + `"}}}`
	writeFIFO := func() {
		go func() {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			defer f.Close()
			_, _ = f.WriteString(body)
		}()
	}

	// ParseSource would open the FIFO to check it is readable, which takes
	// the writer's body; build the source directly instead.
	writeFIFO()
	snap, err := newFileSource(path, path, HTTPOptions{}).Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Rigs) != 1 || snap.Rigs[0].Label != label {
		t.Fatalf("rigs = %d; want rig r1 with its %d-byte label", len(snap.Rigs), len(label))
	}

	writeFIFO()
	_, err = newFileSource(path, path, HTTPOptions{MaxBodyBytes: int64(len(body) - 1)}).Fetch(context.Background())
	wantFetchError(t, err, KindTooLarge)
}
