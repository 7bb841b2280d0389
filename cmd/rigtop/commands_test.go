package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"rigtop/internal/desktoptest"
	"rigtop/panel"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"check", "--version"}, {"watch", "--version"}} {
		r := rigtop(t, nil, args...)
		wantCode(t, r, 0)
		if got, want := strings.TrimSpace(r.stdout), "rigtop "+testVersion; got != want {
			t.Errorf("rigtop %s printed %q, want %q", strings.Join(args, " "), got, want)
		}
	}
}

func TestHelpListsFlags(t *testing.T) {
	tests := []struct {
		args  []string
		usage string
		flags []string
	}{
		{[]string{"--help"}, "Usage: rigtop [flags] PANEL...",
			[]string{"--interval DURATION", "--timeout DURATION", "--config FILE", "--log FILE", "--log-level LEVEL", "--lang LANG", "--no-desktop", "--state FILE", "--version"}},
		{[]string{"help"}, "Usage: rigtop [flags] PANEL...", []string{"notify-test", "fakepanel"}},
		{[]string{"help", "check"}, "Usage: rigtop check", []string{"--json"}},
		{[]string{"demo", "--help"}, "Usage: rigtop demo", []string{"--interval DURATION", "(default: 5s)", "--no-desktop"}},
		{[]string{"check", "-h"}, "Usage: rigtop check", []string{"--json", "--timeout DURATION", "(default: 10s)", "3 UNKNOWN"}},
		{[]string{"watch", "--help"}, "Usage: rigtop watch", []string{"--interval DURATION", "(default: 1m)", "--state FILE", "SIGTERM"}},
		{[]string{"notify-test", "--help"}, "Usage: rigtop notify-test", []string{"--config FILE", "--no-desktop"}},
		{[]string{"fakepanel", "--help"}, "Usage: rigtop fakepanel", []string{"--listen HOST:PORT", "(default: 127.0.0.1:8080)", "--scenario NAME|FILE", "--allow-remote"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := rigtop(t, nil, tt.args...)
			wantCode(t, r, 0)
			if !strings.HasPrefix(r.stdout, tt.usage) {
				t.Errorf("help starts %q, want %q", firstLine(r.stdout), tt.usage)
			}
			for _, flag := range tt.flags {
				if !strings.Contains(r.stdout, flag) {
					t.Errorf("help lacks %q:\n%s", flag, r.stdout)
				}
			}
		})
	}
}

func TestHelpJapanese(t *testing.T) {
	r := rigtop(t, []string{"LANG=ja_JP.UTF-8"}, "watch", "--help")

	wantCode(t, r, 0)
	for _, want := range []string{"使い方: rigtop watch", "--interval 時間", "既定値: 1m"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("Japanese help lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestUsageErrorExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"--bogus"}, 2},
		{[]string{"watch", "--interval", "fast", "x"}, 2},
		{[]string{"watch", "--interval", "10ms", "x"}, 2},
		{[]string{"watch"}, 2},
		{[]string{"notify-test", "extra"}, 2},
		{[]string{"demo", "--log-level", "loud"}, 2},
		{[]string{"fakepanel", "--listen", "nonsense"}, 2},
		{[]string{"check", "--interval"}, 3},
		{[]string{"--lang", "en", "check", "x"}, 2},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := rigtop(t, nil, tt.args...)
			wantCode(t, r, tt.code)
			if !strings.Contains(r.stderr, "--help") {
				t.Errorf("stderr does not point to --help:\n%s", r.stderr)
			}
		})
	}
}

func TestMonitorNeedsTerminal(t *testing.T) {
	srv := servePanel(t, readSample(t, "nvidia-3rigs.json"))

	for _, args := range [][]string{{srv.URL}, {"demo"}} {
		r := rigtop(t, nil, args...)

		wantCode(t, r, 2)
		for _, want := range []string{"rigtop check", "rigtop watch"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("rigtop %s: stderr does not suggest %q:\n%s", args[0], want, r.stderr)
			}
		}
		if r.stdout != "" {
			t.Errorf("rigtop %s: stdout = %q, want nothing drawn", args[0], r.stdout)
		}
	}
}

func TestNotifyTestNoChannel(t *testing.T) {
	r := rigtop(t, nil, "notify-test", "--no-desktop")

	wantCode(t, r, 1)
	if !strings.Contains(r.stderr, "no notification channel") {
		t.Errorf("stderr does not say no channel is configured:\n%s", r.stderr)
	}
}

func TestNotifyTestDesktopUnavailable(t *testing.T) {
	// baseEnv has no DISPLAY, WAYLAND_DISPLAY or D-Bus session bus.
	r := rigtop(t, nil, "notify-test")

	wantCode(t, r, 1)
	if !strings.HasPrefix(r.stdout, "desktop: error: ") {
		t.Errorf("stdout = %q, want the desktop channel's error", r.stdout)
	}
}

func TestNotifyTestDesktopDelivers(t *testing.T) {
	bus := desktoptest.Start(t)

	r := rigtop(t, []string{"DBUS_SESSION_BUS_ADDRESS=" + bus.Address}, "notify-test")

	wantCode(t, r, 0)
	if got := strings.TrimSpace(r.stdout); got != "desktop: ok" {
		t.Errorf("stdout = %q, want %q", got, "desktop: ok")
	}
	notes := bus.Notifications()
	if len(notes) != 1 {
		t.Fatalf("%d notifications reached the desktop, want 1: %+v", len(notes), notes)
	}
	if notes[0].AppName != "rigtop" || notes[0].Summary == "" {
		t.Errorf("notification = %+v, want one from rigtop with a title", notes[0])
	}
}

func TestNotifyTestDesktopFails(t *testing.T) {
	bus := desktoptest.Start(t)
	bus.SetFailing(true)

	r := rigtop(t, []string{"DBUS_SESSION_BUS_ADDRESS=" + bus.Address}, "notify-test")

	wantCode(t, r, 1)
	if !strings.HasPrefix(r.stdout, "desktop: error: ") {
		t.Errorf("stdout = %q, want the desktop channel's error", r.stdout)
	}
}

func TestNotifyTestKeepsPasswordOutOfLog(t *testing.T) {
	const password = "pw-9f3a7c"
	dir := t.TempDir()
	log := filepath.Join(dir, "rigtop.log")
	config := writeFile(t, "config.toml", `[mail]
host = "127.0.0.1"
port = 2525
from = "rigs@example.com"
to = ["me@example.com"]
user = "rigs"
`)

	r := rigtop(t, []string{passwordEnv + "=" + password}, "notify-test", "--no-desktop",
		"--config", config, "--log", log, "--log-level", "debug")

	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatalf("read log: %v\nstderr:\n%s", err, r.stderr)
	}
	if !strings.Contains(string(data), "channel=mail") {
		t.Errorf("log has no line about the mail channel:\n%s", data)
	}
	for name, text := range map[string]string{"log": string(data), "stdout": r.stdout, "stderr": r.stderr} {
		if strings.Contains(text, password) {
			t.Errorf("%s contains the SMTP password:\n%s", name, text)
		}
	}
}

// scenarioServer serves a scenario from testdata through the panel
// package's fake server: one step per request.
func scenarioServer(t *testing.T, name string) *httptest.Server {
	t.Helper()
	scenario, err := panel.LoadScenario(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(panel.NewScenarioServer(scenario))
	t.Cleanup(srv.Close)
	return srv
}

func TestWatchLogsFiredAndResolved(t *testing.T) {
	srv := scenarioServer(t, "rig1-no-hash.toml")
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	log := filepath.Join(dir, "watch.log")

	p := startRigtop(t, nil, "watch", "--interval", "1s", "--state", state, "--log", log, srv.URL)

	fired := p.waitLine(t, p.stderr, 15*time.Second, "alert fired", "rig1 (f547c3)")
	if !strings.Contains(fired, "no_hash") {
		t.Errorf("fired line %q does not give the condition", fired)
	}
	p.waitLine(t, p.stderr, 15*time.Second, "notification failed", "channel=desktop")
	p.waitLine(t, p.stderr, 15*time.Second, "alert resolved", "rig1 (f547c3)")

	if code := p.stop(t, 15*time.Second); code != 0 {
		t.Errorf("exit code after SIGINT = %d, want 0", code)
	}
	logData, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"watch started", "alert fired", "alert resolved", "watch stopped"} {
		if !strings.Contains(string(logData), want) {
			t.Errorf("log file lacks %q:\n%s", want, logData)
		}
	}
	stateData, err := os.ReadFile(state)
	if err != nil {
		t.Fatalf("alert state not saved: %v", err)
	}
	if !json.Valid(stateData) {
		t.Errorf("state file is not JSON:\n%s", stateData)
	}
}

func TestWatchNotifiesDesktop(t *testing.T) {
	bus := desktoptest.Start(t)
	srv := scenarioServer(t, "rig1-no-hash.toml")

	p := startRigtop(t, []string{"DBUS_SESSION_BUS_ADDRESS=" + bus.Address},
		"watch", "--interval", "1s", "--state", filepath.Join(t.TempDir(), "state.json"), srv.URL)

	p.waitLine(t, p.stderr, 15*time.Second, "alert resolved", "rig1 (f547c3)")
	p.waitLine(t, p.stderr, 15*time.Second, "notification sent", "channel=desktop", "resolved=1")
	if code := p.stop(t, 15*time.Second); code != 0 {
		t.Errorf("exit code after SIGINT = %d, want 0", code)
	}
	notes := bus.Notifications()
	if len(notes) != 2 {
		t.Fatalf("%d desktop notifications, want one for the failure and one for the recovery: %+v", len(notes), notes)
	}
	for i, note := range notes {
		if !strings.Contains(note.Summary+note.Body, "rig1") {
			t.Errorf("notification %d does not name rig1: %+v", i, note)
		}
	}
}

func TestWatchStopsOnSignal(t *testing.T) {
	srv := servePanel(t, readSample(t, "nvidia-3rigs.json"))

	p := startRigtop(t, []string{"LANG=ja_JP.UTF-8"}, "watch", "--no-desktop", "--interval", "1h",
		"--state", filepath.Join(t.TempDir(), "state.json"), srv.URL)
	p.waitLine(t, p.stderr, 10*time.Second, "watch を開始しました")

	if code := p.stop(t, 15*time.Second); code != 0 {
		t.Errorf("exit code after SIGINT = %d, want 0", code)
	}
}

var servedURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/`)

func TestFakePanelServesFarm(t *testing.T) {
	p := startRigtop(t, nil, "fakepanel", "--listen", "127.0.0.1:0")
	line := p.waitLine(t, p.stdout, 10*time.Second, "http://127.0.0.1:")
	url := servedURL.FindString(line)
	if url == "" {
		t.Fatalf("no URL in %q", line)
	}

	r := rigtop(t, nil, "check", url)

	if r.code == 3 {
		t.Fatalf("check of the fake panel is UNKNOWN:\n%s%s", r.stdout, r.stderr)
	}
	if !regexp.MustCompile(`[0-9]+ of [0-9]+ rigs up`).MatchString(firstLine(r.stdout)) {
		t.Errorf("first line = %q, want rig totals", firstLine(r.stdout))
	}
	if code := p.stop(t, 10*time.Second); code != 0 {
		t.Errorf("fakepanel exit code after SIGINT = %d, want 0", code)
	}
}

func TestFakePanelPlaysScenario(t *testing.T) {
	p := startRigtop(t, nil, "fakepanel", "--listen", "127.0.0.1:0", "--scenario", filepath.Join("testdata", "rig1-no-hash.toml"))
	line := p.waitLine(t, p.stdout, 10*time.Second, "http://127.0.0.1:")
	url := servedURL.FindString(line)
	if url == "" {
		t.Fatalf("no URL in %q", line)
	}
	p.waitLine(t, p.stdout, 10*time.Second, "rig1-no-hash", "4 requests")

	first := rigtop(t, nil, "check", url)
	wantCode(t, first, 0)
	second := rigtop(t, nil, "check", url)
	wantCode(t, second, 2)
	if !strings.Contains(second.stdout, "rig1 (f547c3)") {
		t.Errorf("second check does not name rig1:\n%s", second.stdout)
	}
	if code := p.stop(t, 10*time.Second); code != 0 {
		t.Errorf("fakepanel exit code after SIGINT = %d, want 0", code)
	}
}

func TestFakePanelLoopbackOnly(t *testing.T) {
	for _, listen := range []string{"0.0.0.0:0", ":0", "example.net:8080"} {
		r := rigtop(t, nil, "fakepanel", "--listen", listen)
		wantCode(t, r, 2)
		if !strings.Contains(r.stderr, "--allow-remote") {
			t.Errorf("--listen %s: stderr does not mention --allow-remote:\n%s", listen, r.stderr)
		}
	}
}

func TestLoopbackAddress(t *testing.T) {
	tests := []struct {
		address string
		want    bool
	}{
		{"127.0.0.1:8080", true},
		{"127.1.2.3:0", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{"0.0.0.0:8080", false},
		{":8080", false},
		{"192.0.2.1:8080", false},
		{"[::]:8080", false},
		{"rigs.example.net:8080", false},
	}
	for _, tt := range tests {
		got, err := loopbackAddress(tt.address)
		if err != nil {
			t.Errorf("loopbackAddress(%q): %v", tt.address, err)
			continue
		}
		if got != tt.want {
			t.Errorf("loopbackAddress(%q) = %v, want %v", tt.address, got, tt.want)
		}
	}
	if _, err := loopbackAddress("8080"); err == nil {
		t.Error("loopbackAddress(8080) accepted an address without a host part")
	}
}

func TestScanLangFlag(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"check", "--lang", "ja", "x"}, "ja"},
		{[]string{"-lang=ja"}, "ja"},
		{[]string{"x", "--lang=en"}, "en"},
		{[]string{"--", "--lang", "ja"}, ""},
		{[]string{"--language", "ja"}, ""},
	}
	for _, tt := range tests {
		if got := scanLangFlag(tt.args); got != tt.want {
			t.Errorf("scanLangFlag(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}
