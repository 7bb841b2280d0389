package alert

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gen2brain/beeep"

	"rigtop/panel"
)

// fakeDesktop records what beeep would have shown.
type fakeDesktop struct {
	calls             int
	title, text, icon string
	err               error
	block             chan struct{}
}

func (f *fakeDesktop) notify(title, message string, icon any) error {
	f.calls++
	f.title, f.text, f.icon = title, message, icon.(string)
	if f.block != nil {
		<-f.block
	}
	return f.err
}

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestDesktopShowsHeadlineAndList(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("expects the D-Bus markup escaping of Linux")
	}
	fake := &fakeDesktop{}
	d := NewDesktop(DesktopOptions{Printer: ja, Notify: fake.notify, Getenv: env(nil)})
	n := Notification{Firing: downAlerts()}
	n.Firing[2].RigLabel = "<b>1号機</b>"

	retry, err := d.Notify(context.Background(), n)
	if err != nil || retry {
		t.Fatalf("Notify = %v, %v", retry, err)
	}
	if want := "リグ3台が停止: rig1、rig4、<b>1号機</b>"; fake.title != want {
		t.Errorf("title %q, want %q", fake.title, want)
	}
	want := "rig1 (a00001): 応答なし [unreachable]\n" +
		"rig4 (a00004): 1時間0分 報告がありません（しきい値 10分）\n" +
		"&lt;b&gt;1号機&lt;/b&gt; (b00001): ハッシュなし [no_hash]"
	if fake.text != want {
		t.Errorf("text\n%s\nwant\n%s", fake.text, want)
	}
	if fake.icon != "dialog-warning" {
		t.Errorf("icon %q", fake.icon)
	}
}

func TestDesktopResolvedOnlyIcon(t *testing.T) {
	fake := &fakeDesktop{}
	d := NewDesktop(DesktopOptions{Notify: fake.notify, Getenv: env(nil)})
	resolved := Alert{Key: rigKey("farm", "r1", KindCondition), RigLabel: "rig1", State: StateResolved,
		Values: Values{Condition: panel.NoHash}}
	if _, err := d.Notify(context.Background(), Notification{Resolved: []Alert{resolved}}); err != nil {
		t.Fatal(err)
	}
	if fake.icon != "dialog-information" || fake.text != "Recovered: rig1 (r1): no hash [no_hash]" {
		t.Errorf("icon %q text %q", fake.icon, fake.text)
	}
}

func TestDesktopNoSessionIsPermanent(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("session detection applies to D-Bus platforms")
	}
	fake := &fakeDesktop{err: errors.New("beeep: dbus: dbus: couldn't determine address of session bus")}
	d := NewDesktop(DesktopOptions{Notify: fake.notify, Getenv: env(nil)})
	if d.Disabled() {
		t.Fatal("desktop disabled before any failure")
	}

	retry, err := d.Notify(context.Background(), firingNotification(t0))
	if retry || !errors.Is(err, ErrNoDesktopSession) {
		t.Fatalf("Notify = %v, %v; want a permanent ErrNoDesktopSession", retry, err)
	}
	if !strings.Contains(err.Error(), "couldn't determine address") {
		t.Errorf("error %q lost beeep's reason", err)
	}
	if !d.Disabled() {
		t.Error("desktop not disabled after the failure without a session")
	}

	// Later notifications fail at once without calling beeep.
	retry, err = d.Notify(context.Background(), firingNotification(t0))
	if retry || !errors.Is(err, ErrNoDesktopSession) || fake.calls != 1 {
		t.Errorf("second Notify = %v, %v after %d calls; want a permanent failure without a call", retry, err, fake.calls)
	}
}

func TestDesktopFailureWithSessionIsRetryable(t *testing.T) {
	runtimeDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(runtimeDir, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	sessions := map[string]map[string]string{
		"DISPLAY":         {"DISPLAY": ":0"},
		"WAYLAND_DISPLAY": {"WAYLAND_DISPLAY": "wayland-0"},
		"bus address":     {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"},
		"bus socket":      {"XDG_RUNTIME_DIR": runtimeDir},
	}
	for name, vars := range sessions {
		fake := &fakeDesktop{err: errors.New("org.freedesktop.Notifications was not provided")}
		d := NewDesktop(DesktopOptions{Notify: fake.notify, Getenv: env(vars)})
		for range 2 {
			retry, err := d.Notify(context.Background(), firingNotification(t0))
			if !retry || err == nil || errors.Is(err, ErrNoDesktopSession) {
				t.Errorf("%s: Notify = %v, %v; want a retryable failure", name, retry, err)
			}
		}
		if fake.calls != 2 {
			t.Errorf("%s: %d calls, want 2", name, fake.calls)
		}
		if d.Disabled() {
			t.Errorf("%s: desktop disabled by a retryable failure", name)
		}
	}
}

func TestDesktopUnsupportedIsPermanent(t *testing.T) {
	fake := &fakeDesktop{err: beeep.ErrUnsupported}
	d := NewDesktop(DesktopOptions{Notify: fake.notify, Getenv: env(map[string]string{"DISPLAY": ":0"})})
	if retry, err := d.Notify(context.Background(), firingNotification(t0)); retry || !errors.Is(err, beeep.ErrUnsupported) {
		t.Errorf("Notify = %v, %v; want permanent", retry, err)
	}
}

func TestDesktopHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &fakeDesktop{block: make(chan struct{})}
		defer close(fake.block)
		d := NewDesktop(DesktopOptions{Notify: fake.notify, Getenv: env(nil)})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		retry, err := d.Notify(ctx, firingNotification(t0))
		if !retry || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Notify = %v, %v; want a retryable deadline error", retry, err)
		}
		if waited := time.Since(start); waited != 5*time.Second {
			t.Errorf("Notify returned after %v, want 5s", waited)
		}
	})
}

func TestDesktopSendResolved(t *testing.T) {
	if !NewDesktop(DesktopOptions{}).SendResolved() {
		t.Error("desktop does not send resolutions by default")
	}
	if NewDesktop(DesktopOptions{SkipResolved: true}).SendResolved() {
		t.Error("SkipResolved ignored")
	}
}
