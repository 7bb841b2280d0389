package alert

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/gen2brain/beeep"

	"rigtop/locale"
)

// ErrNoDesktopSession is reported by the desktop notifier on a machine with
// no desktop to show notifications on, such as a monitoring box reached
// over SSH: no D-Bus session bus, no X11 or Wayland display.
var ErrNoDesktopSession = errors.New("no desktop session: no D-Bus session bus, DISPLAY or WAYLAND_DISPLAY")

// desktopLines is how many alerts a desktop notification lists.
const desktopLines = 5

// DesktopOptions configure NewDesktop.
type DesktopOptions struct {
	// Printer is the language of the notifications; nil means English.
	Printer *locale.Printer
	// SkipResolved turns off resolved notifications on this channel
	// (send_resolved = false).
	SkipResolved bool
	// Notify shows one notification; nil means beeep.Notify.
	Notify func(title, message string, icon any) error
	// Getenv reads the environment when checking for a desktop session;
	// nil means os.Getenv.
	Getenv func(string) string
}

// Desktop shows notifications on the local desktop through beeep: over
// D-Bus on Linux and the BSDs (falling back to notify-send, then kdialog),
// the notification centre on macOS, toasts on Windows.
//
// A failure on a machine without a desktop session is permanent, because
// the environment that would provide one is fixed when the process starts.
// The first such failure turns the channel off for the rest of the run:
// Disabled then reports true, so the dispatcher skips the channel, and a
// direct call to Notify fails at once. Any other failure, such as a
// notification daemon that is restarting, is worth a retry.
type Desktop struct {
	printer      *locale.Printer
	sendResolved bool
	notify       func(title, message string, icon any) error
	getenv       func(string) string

	mu  sync.Mutex
	off error
}

var setAppName sync.Once

// NewDesktop returns the desktop notifier.
func NewDesktop(opts DesktopOptions) *Desktop {
	d := &Desktop{
		printer:      opts.Printer,
		sendResolved: !opts.SkipResolved,
		notify:       opts.Notify,
		getenv:       opts.Getenv,
	}
	if d.printer == nil {
		d.printer = locale.New(locale.English)
	}
	if d.notify == nil {
		setAppName.Do(func() { beeep.AppName = "rigtop" })
		d.notify = beeep.Notify
	}
	if d.getenv == nil {
		d.getenv = os.Getenv
	}
	return d
}

// Name implements Notifier.
func (d *Desktop) Name() string { return "desktop" }

// SendResolved implements ResolvedSender.
func (d *Desktop) SendResolved() bool { return d.sendResolved }

// Disabled implements Disabler: it reports whether a failure has shown
// that this machine has no desktop session.
func (d *Desktop) Disabled() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.off != nil
}

// Notify implements Notifier. The title is the notification's headline,
// the text its first alerts. beeep takes no context, so when ctx ends first
// Notify returns while the desktop call finishes in the background.
func (d *Desktop) Notify(ctx context.Context, n Notification) (retry bool, err error) {
	d.mu.Lock()
	off := d.off
	d.mu.Unlock()
	if off != nil {
		return false, off
	}

	title := Headline(d.printer, n)
	text := ShortBody(d.printer, n, desktopLines)
	if dbusPlatform() {
		// Notification daemons read the body as a subset of HTML.
		text = escapeMarkup(text)
	}
	icon := "dialog-warning"
	if len(n.Firing) == 0 {
		icon = "dialog-information"
	}

	done := make(chan error, 1)
	go func() { done <- d.notify(title, text, icon) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		return true, fmt.Errorf("desktop notification: %w", ctx.Err())
	}
	if err == nil {
		return false, nil
	}

	if errors.Is(err, beeep.ErrUnsupported) || !d.hasSession() {
		err = fmt.Errorf("%w: %w", ErrNoDesktopSession, err)
		d.mu.Lock()
		d.off = err
		d.mu.Unlock()
		return false, err
	}
	return true, err
}

// hasSession reports whether a desktop could show notifications. On macOS
// and Windows it always can. Elsewhere the environment must name a D-Bus
// session bus or a display, or XDG_RUNTIME_DIR must contain the bus socket.
func (d *Desktop) hasSession() bool {
	if !dbusPlatform() {
		return true
	}
	for _, name := range []string{"DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"} {
		if d.getenv(name) != "" {
			return true
		}
	}
	if dir := d.getenv("XDG_RUNTIME_DIR"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "bus")); err == nil {
			return true
		}
	}
	return false
}

// dbusPlatform reports whether beeep notifies over D-Bus on this system.
func dbusPlatform() bool {
	switch runtime.GOOS {
	case "linux", "freebsd", "netbsd", "openbsd", "illumos":
		return true
	}
	return false
}

var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escapeMarkup(s string) string { return markupEscaper.Replace(s) }
