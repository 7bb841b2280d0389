package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testVersion is stamped into the test binary with -ldflags.
const testVersion = "v9.8.7-test"

// rigtopBin is the binary under test, built once by TestMain.
var rigtopBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rigtop-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rigtopBin = filepath.Join(dir, "rigtop")
	build := exec.Command("go", "build", "-o", rigtopBin, "-ldflags", "-X main.version="+testVersion, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build rigtop:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runTimeout bounds every run of the binary.
const runTimeout = 30 * time.Second

// result is one finished run of the binary.
type result struct {
	stdout, stderr string
	code           int
}

// baseEnv is the environment every run starts from: a home of its own, so
// no config or state of the machine is read, English, and no desktop
// session, so no notification reaches a real desktop.
func baseEnv(t *testing.T) []string {
	t.Helper()
	home := t.TempDir()
	return []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"LANG=C",
	}
}

// rigtop runs the binary with args and extra environment variables
// (NAME=value, overriding baseEnv) and waits for it to exit.
func rigtop(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, rigtopBin, args...)
	cmd.Env = append(baseEnv(t), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("rigtop %s: still running after %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), runTimeout, stdout.String(), stderr.String())
	}
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("run rigtop: %v", err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// wantCode fails the test when r did not exit with code.
func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// readSample returns a panel sample from testdata/panels.
func readSample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "panels", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// servePanel serves body as the panel JSON at every path, as text/html
// like the real ethOS panel.
func servePanel(t *testing.T, body []byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// closedPortURL returns a loopback URL on which nothing listens.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/"
}

// writeFile writes content to name in a new temporary directory and
// returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// process is a run of the binary that keeps going while the test reads
// its output line by line.
type process struct {
	cmd    *exec.Cmd
	stderr chan string
	stdout chan string
	done   chan error
	seen   []string
}

// startRigtop starts the binary and streams its stderr and stdout lines.
// The process is killed when the test ends.
func startRigtop(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	cmd := exec.CommandContext(ctx, rigtopBin, args...)
	cmd.Env = append(baseEnv(t), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}

	p := &process{
		cmd:    cmd,
		stderr: make(chan string, 256),
		stdout: make(chan string, 256),
		done:   make(chan error, 1),
	}
	stderrDone := make(chan struct{})
	stdoutDone := make(chan struct{})
	go scanLines(stderr, p.stderr, stderrDone)
	go scanLines(stdout, p.stdout, stdoutDone)
	go func() {
		<-stderrDone
		<-stdoutDone
		p.done <- cmd.Wait()
	}()

	t.Cleanup(func() {
		cancel()
		p.drain()
		<-p.done
	})
	return p
}

func scanLines(r io.Reader, out chan<- string, done chan<- struct{}) {
	scanner := bufio.NewScanner(r)
	for scanner.Scan() {
		out <- scanner.Text()
	}
	close(out)
	close(done)
}

// drain discards the rest of the output, so that neither the process nor
// a scanning goroutine blocks on a full pipe or channel.
func (p *process) drain() {
	go func() {
		for range p.stderr {
		}
	}()
	go func() {
		for range p.stdout {
		}
	}()
}

// waitLine returns the first line from lines containing every one of
// parts, failing the test when none arrives within timeout.
func (p *process) waitLine(t *testing.T, lines <-chan string, timeout time.Duration, parts ...string) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("output ended without a line containing %q; lines seen:\n%s", parts, strings.Join(p.seen, "\n"))
			}
			p.seen = append(p.seen, line)
			if containsAll(line, parts) {
				return line
			}
		case <-deadline:
			t.Fatalf("no line containing %q within %s; lines seen:\n%s", parts, timeout, strings.Join(p.seen, "\n"))
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, part := range parts {
		if !strings.Contains(s, part) {
			return false
		}
	}
	return true
}

// stop sends SIGINT and returns the exit code, failing the test when the
// process does not exit within timeout.
func (p *process) stop(t *testing.T, timeout time.Duration) int {
	t.Helper()
	p.interrupt(t)
	return p.wait(t, timeout)
}

// interrupt sends SIGINT.
func (p *process) interrupt(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
}

// wait discards the rest of the output and returns the exit code, failing
// the test when the process does not exit within timeout.
func (p *process) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	p.drain()
	select {
	case err := <-p.done:
		p.done <- err
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return exitErr.ExitCode()
		}
		if err != nil {
			t.Fatalf("wait: %v", err)
		}
		return 0
	case <-time.After(timeout):
		t.Fatalf("still running after %s", timeout)
		return -1
	}
}
