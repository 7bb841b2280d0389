package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fileTestEnv returns a minimal environment whose HOME and XDG directories
// are in home.
func fileTestEnv(home string) []string {
	return []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"PATH=" + os.Getenv("PATH"),
	}
}

func TestConfigFileProblems(t *testing.T) {
	panelFile := filepath.Join("..", "testdata", "panels", "nvidia-3rigs.json")
	tests := []struct {
		name string
		// setup prepares home and returns the config path, "" for the
		// default one.
		setup func(t *testing.T, home string) string
		// want is the message after "rigtop watch: ", with HOME for home.
		want string
	}{
		{"a directory", func(t *testing.T, home string) string {
			path := filepath.Join(home, "config.toml")
			mkdir(t, path)
			return path
		}, "HOME/config.toml: cannot read the config file: is a directory; fix it, or give another file with --config"},
		{"the default file a directory", func(t *testing.T, home string) string {
			mkdir(t, filepath.Join(home, "config", "rigtop", "config.toml"))
			return ""
		}, "HOME/config/rigtop/config.toml: cannot read the config file: is a directory; fix it, or give another file with --config"},
		{"under a file", func(t *testing.T, home string) string {
			writeFile(t, filepath.Join(home, "file"), "x")
			return filepath.Join(home, "file", "config.toml")
		}, "HOME/file/config.toml: cannot read the config file: not a directory; fix it, or give another file with --config"},
		{"missing", func(t *testing.T, home string) string {
			return filepath.Join(home, "missing.toml")
		}, "HOME/missing.toml: cannot read the config file: no such file or directory; fix it, or give another file with --config"},
		{"corrupt", func(t *testing.T, home string) string {
			path := filepath.Join(home, "config.toml")
			writeFile(t, path, "interval = \"1m\"\n[alerts\nstale_after = \"5m\"\n")
			return path
		}, "HOME/config.toml, line 2: invalid TOML: expected '.' or ']' to end table name, but got '\\n' instead"},
		{"binary junk", func(t *testing.T, home string) string {
			path := filepath.Join(home, "config.toml")
			writeFile(t, path, "\x00\xff\xfe\x1b[2J")
			return path
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			args := []string{"watch", "--no-desktop"}
			if path := tt.setup(t, home); path != "" {
				args = append(args, "--config", path)
			}
			cmd := exec.Command(rigtopBin, append(args, panelFile)...)
			cmd.Env = fileTestEnv(home)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(screenTimeout):
				cmd.Process.Kill()
				t.Fatalf("rigtop watch kept running with a bad config:\n%s", stderr.String())
			}

			if code := cmd.ProcessState.ExitCode(); code != 2 {
				t.Errorf("exit status %d, want 2 for a config error", code)
			}
			out := strings.TrimSuffix(stderr.String(), "\n")
			if strings.Contains(out, "\n") || strings.ContainsAny(out, "\x00\x1b") {
				t.Errorf("message is not one clean line: %q", out)
			}
			if tt.want == "" {
				if !strings.HasPrefix(out, "rigtop watch: "+home+"/config.toml, line 1: invalid TOML") {
					t.Errorf("message %q, want an invalid TOML error at line 1 naming the file", out)
				}
				return
			}
			if want := "rigtop watch: " + strings.ReplaceAll(tt.want, "HOME", home); out != want {
				t.Errorf("message\n%q\nwant\n%q", out, want)
			}
		})
	}
}

func mkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o700); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// outputBuffer collects a process's output while the test reads it.
type outputBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *outputBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *outputBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runWatchUntil runs rigtop watch with args until its log holds every text
// in wants, then stops it with SIGINT and returns the log and exit status.
func runWatchUntil(t *testing.T, home string, args []string, wants ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(rigtopBin, append([]string{"watch", "--no-desktop"}, args...)...)
	cmd.Env = fileTestEnv(home)
	var out outputBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})

	deadline := time.Now().Add(screenTimeout)
	for {
		log := out.String()
		missing := ""
		for _, want := range wants {
			if !strings.Contains(log, want) {
				missing = want
				break
			}
		}
		if missing == "" {
			break
		}
		select {
		case <-done:
			t.Fatalf("rigtop watch exited before logging %q:\n%s", missing, log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q after %v:\n%s", missing, screenTimeout, log)
		}
		time.Sleep(50 * time.Millisecond)
	}

	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(screenTimeout):
		t.Fatalf("rigtop watch did not stop on SIGINT:\n%s", out.String())
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

func TestStateFileProblemsInWatch(t *testing.T) {
	srv := newPanelServer(t, readSample(t, "amd-10rigs-one-unreachable.json"))

	t.Run("a directory", func(t *testing.T) {
		home := t.TempDir()
		state := filepath.Join(home, "state.json")
		mkdir(t, state)
		before := srv.requests.Load()
		log, code := runWatchUntil(t, home, []string{"--interval", "1s", "--state", state, srv.URL + "/"},
			`msg="saving alert state failed`, "watch started")
		for _, want := range []string{
			`msg="alert state file unreadable; starting with empty alert state" path=` + state +
				` error="read alert state ` + state + `: is a directory"`,
			`msg="saving alert state failed; alerts still work, but after a restart they may be announced again: ` +
				`free disk space, fix the file's directory, or choose another file with --state" path=` + state +
				` error="save alert state ` + state + `: is a directory"`,
		} {
			if !strings.Contains(log, want) {
				t.Errorf("log lacks\n%s\nlog:\n%s", want, log)
			}
		}
		if code != 0 {
			t.Errorf("exit status %d, want 0", code)
		}
		if srv.requests.Load() == before {
			t.Error("watch did not poll the panel")
		}
		if info, err := os.Stat(state); err != nil || !info.IsDir() {
			t.Errorf("the directory at the state path was replaced: %v", err)
		}
	})

	t.Run("corrupt", func(t *testing.T) {
		home := t.TempDir()
		state := filepath.Join(home, "state.json")
		writeFile(t, state, "{\"version\":1,\"alerts\":[{\"key\":")
		log, code := runWatchUntil(t, home, []string{"--interval", "1s", "--state", state, srv.URL + "/"}, "watch started")
		if !strings.Contains(log, `msg="alert state file unreadable; starting with empty alert state" path=`+state) {
			t.Errorf("log does not name the corrupt file:\n%s", log)
		}
		if code != 0 {
			t.Errorf("exit status %d, want 0", code)
		}

		// The corrupt file is replaced with a whole one, and nothing else is
		// left beside it.
		data, err := os.ReadFile(state)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Version int               `json:"version"`
			Alerts  []json.RawMessage `json:"alerts"`
		}
		if err := json.Unmarshal(data, &doc); err != nil || doc.Version != 1 {
			t.Errorf("state file after watch: %v\n%s", err, data)
		}
		entries, _ := os.ReadDir(home)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Errorf("temporary file %s left behind", e.Name())
			}
		}
	})
}

func TestStateFileProblemOnScreen(t *testing.T) {
	srv := newPanelServer(t, readSample(t, "nvidia-3rigs.json"))
	home := t.TempDir()
	state := filepath.Join(home, "state.json")
	mkdir(t, state)
	s := startTmux(t, 160, 35, nil, rigtopBin, "--no-desktop", "--state", state, srv.URL+"/")
	screen := s.waitFor(screenTimeout, "rig1", "alert state file problem (free space, fix the file or use --state)")
	if !strings.Contains(screen, "save alert state "+state+": is a directory") {
		t.Errorf("the header does not say why the state cannot be saved:\n%s", screen)
	}
	s.keys("q")
}
