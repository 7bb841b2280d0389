package main

import (
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestLockStateExclusive(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the state lock is a no-op without flock")
	}
	state := filepath.Join(t.TempDir(), "new", "state.json")
	first, err := lockState(state)
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}
	// flock locks belong to the open file, so a second open in the same
	// process conflicts like another process would.
	if _, err := lockState(state); !errors.Is(err, errStateInUse) {
		t.Fatalf("second lock: %v, want errStateInUse", err)
	}
	first.release()
	again, err := lockState(state)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again.release()
}

func TestLockStateNoPath(t *testing.T) {
	lock, err := lockState("")
	if lock != nil || err != nil {
		t.Errorf("lockState(\"\") = %v, %v; want no lock and no error", lock, err)
	}
	lock.release() // a nil lock releases nothing
}

func TestWatchStateInUse(t *testing.T) {
	srv := servePanel(t, readSample(t, "nvidia-3rigs.json"))
	state := filepath.Join(t.TempDir(), "state.json")
	args := []string{"watch", "--no-desktop", "--interval", "1h", "--state", state, srv.URL}

	first := startRigtop(t, nil, args...)
	first.waitLine(t, first.stderr, 10*time.Second, "watch started")

	second := rigtop(t, nil, args...)
	wantCode(t, second, 2)
	for _, want := range []string{state + " is in use by another rigtop process", "give this one its own --state FILE"} {
		if !strings.Contains(second.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, second.stderr)
		}
	}
	if strings.Contains(second.stderr, "watch started") {
		t.Errorf("the second watch started:\n%s", second.stderr)
	}
	ja := rigtop(t, []string{"LANG=ja_JP.UTF-8"}, args...)
	wantCode(t, ja, 2)
	if want := state + " は別の rigtop プロセスが使用中です"; !strings.Contains(ja.stderr, want) {
		t.Errorf("Japanese stderr lacks %q:\n%s", want, ja.stderr)
	}

	if code := first.stop(t, 15*time.Second); code != 0 {
		t.Fatalf("exit code of the first watch after SIGINT = %d, want 0", code)
	}
	third := startRigtop(t, nil, args...)
	third.waitLine(t, third.stderr, 10*time.Second, "watch started")
	if code := third.stop(t, 15*time.Second); code != 0 {
		t.Errorf("exit code of the third watch after SIGINT = %d, want 0", code)
	}
}
