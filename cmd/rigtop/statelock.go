package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// errStateInUse is returned by lockState when another rigtop process holds
// the lock on the same state file.
var errStateInUse = errors.New("alert state file in use by another rigtop process")

// stateLock is an advisory lock on STATE.lock beside the alert state file.
// The process that saves alert state holds it for its whole run. A second
// monitor or watch on the same file then stops at start, because otherwise
// it would overwrite the first one's alerts and a restart would announce
// them again.
type stateLock struct {
	file *os.File
}

// lockState takes the lock of statePath, creating the lock file and its
// directory when needed. An empty statePath saves nothing and needs no
// lock. When another process holds the lock, the error wraps
// errStateInUse.
func lockState(statePath string) (*stateLock, error) {
	if statePath == "" {
		return nil, nil
	}
	path := statePath + ".lock"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock alert state %s: %w", statePath, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock alert state %s: %w", statePath, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock alert state %s: %w", statePath, err)
	}
	return &stateLock{file: f}, nil
}

// release gives the lock up. The lock file stays: removing it could let
// two processes each lock a different file under the same name.
func (l *stateLock) release() {
	if l != nil {
		l.file.Close()
	}
}

// takeStateLock locks s.StatePath for a command that saves alert state. It
// returns the operator's error message when another rigtop process uses
// the file. Any other failure to lock is logged and the command goes on
// without the lock, because losing alert state is not worth stopping the
// monitor for: saving the state itself reports what is wrong with the file.
func (c *commandLine) takeStateLock(s *Settings, log *operatorLog) (lock *stateLock, inUse string) {
	lock, err := lockState(s.StatePath)
	switch {
	case errors.Is(err, errStateInUse):
		return nil, c.p.T("cmd.error.state_in_use", "Path", s.StatePath)
	case err != nil:
		log.Warn(c.p.T("cmd.log.state_lock_failed"), "path", s.StatePath, "error", err)
	}
	return lock, ""
}
