// Package desktoptest runs a private D-Bus session bus with a notification
// server on it that records every desktop notification, so that tests can
// count the notifications a real program sends through the freedesktop
// Notifications interface.
package desktoptest

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Notification is one call to org.freedesktop.Notifications.Notify.
type Notification struct {
	AppName string
	Summary string
	Body    string
}

// Server is a session bus and the notification server registered on it.
type Server struct {
	// Address is the bus address to give a program in
	// DBUS_SESSION_BUS_ADDRESS.
	Address string

	mu    sync.Mutex
	notes []Notification
	// fail makes Notify return an error, as a broken notification daemon would.
	fail bool
}

const (
	busName    = "org.freedesktop.Notifications"
	objectPath = "/org/freedesktop/Notifications"
)

// Start runs dbus-daemon with a private session bus in a temporary folder
// and registers the recording server on it. The test is skipped when
// dbus-daemon is not installed. Everything stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon not installed")
	}

	socket := filepath.Join(t.TempDir(), "bus")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, daemon, "--session", "--nofork", "--print-address=1", "--address=unix:path="+socket)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})

	address, err := readAddress(stdout)
	if err != nil {
		t.Fatalf("read dbus-daemon address: %v", err)
	}

	s := &Server{Address: address}
	conn, err := dbus.Connect(address)
	if err != nil {
		t.Fatalf("connect to test bus: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if err := conn.Export(notifications{s}, objectPath, busName); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(busName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s on test bus: reply %v, %v", busName, reply, err)
	}
	return s
}

func readAddress(stdout interface{ Read([]byte) (int, error) }) (string, error) {
	lines := make(chan string, 1)
	errs := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			errs <- err
			return
		}
		lines <- strings.TrimSpace(line)
	}()
	select {
	case line := <-lines:
		return line, nil
	case err := <-errs:
		return "", err
	case <-time.After(10 * time.Second):
		return "", context.DeadlineExceeded
	}
}

// Notifications returns a copy of what was received so far.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.notes...)
}

// SetFailing makes every later Notify call fail (or succeed again).
func (s *Server) SetFailing(fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = fail
}

// WaitFor waits until a notification satisfies match, or fails the test
// after timeout.
func (s *Server) WaitFor(t testing.TB, timeout time.Duration, match func(Notification) bool) Notification {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, n := range s.Notifications() {
			if match(n) {
				return n
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no matching desktop notification within %v; received %+v", timeout, s.Notifications())
	return Notification{}
}

// notifications is the D-Bus object; its exported methods are the
// interface's methods.
type notifications struct{ s *Server }

// Notify implements org.freedesktop.Notifications.Notify.
func (n notifications) Notify(appName string, replacesID uint32, appIcon, summary, body string,
	actions []string, hints map[string]dbus.Variant, expireTimeout int32) (uint32, *dbus.Error) {
	n.s.mu.Lock()
	defer n.s.mu.Unlock()
	if n.s.fail {
		return 0, dbus.MakeFailedError(errNotificationFailed)
	}
	n.s.notes = append(n.s.notes, Notification{AppName: appName, Summary: summary, Body: body})
	return uint32(len(n.s.notes)), nil
}

// GetCapabilities implements org.freedesktop.Notifications.GetCapabilities.
func (n notifications) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"body"}, nil
}

// GetServerInformation implements org.freedesktop.Notifications.GetServerInformation.
func (n notifications) GetServerInformation() (name, vendor, version, specVersion string, err *dbus.Error) {
	return "desktoptest", "rigtop", "1", "1.2", nil
}

type notifyError string

func (e notifyError) Error() string { return string(e) }

const errNotificationFailed = notifyError("notification server failed on purpose")
