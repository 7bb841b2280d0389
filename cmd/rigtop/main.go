// Command rigtop watches GPU mining rigs through the ethOS status panel. It
// has a live terminal monitor, a one-shot check for monitoring systems, a
// headless watcher that sends notifications, a notification test, a demo on
// a simulated farm, and a fake panel server to try alert setups against.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"
)

// Exit codes of the main commands. The check command has its own set: see
// checkStatus.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// env is the process environment a command runs in, gathered in one place
// so that commands never reach for os.* themselves.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// stdoutTerminal reports whether stdout is a terminal the monitor can
	// draw on.
	stdoutTerminal bool
	now            func() time.Time
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{
		stdin:          os.Stdin,
		stdout:         os.Stdout,
		stderr:         os.Stderr,
		getenv:         os.Getenv,
		stdoutTerminal: term.IsTerminal(os.Stdout.Fd()),
		now:            time.Now,
	})
	stop()
	os.Exit(code)
}

// commandFunc runs one command with its arguments (the command name
// removed) and returns the process exit code.
type commandFunc func(ctx context.Context, e *env, args []string) int

// command returns the subcommand called name. Anything else on the
// command line is the monitor's flags and panels.
func command(name string) (commandFunc, bool) {
	switch name {
	case "demo":
		return runDemo, true
	case "check":
		return runCheck, true
	case "watch":
		return runWatch, true
	case "notify-test":
		return runNotifyTest, true
	case "fakepanel":
		return runFakePanel, true
	case "version":
		return runVersion, true
	case "help":
		return runHelp, true
	}
	return nil, false
}

// run dispatches to the command named by the first argument, or to the
// monitor when the first argument is not a command name. A panel id that
// is also a command name can be given after "--": rigtop -- demo.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) > 0 {
		if cmd, ok := command(args[0]); ok {
			return cmd(ctx, e, args[1:])
		}
	}
	return runMonitor(ctx, e, args)
}

// runHelp prints the help of the command named in args ("rigtop help
// check"), or the monitor's help, which lists every command.
func runHelp(ctx context.Context, e *env, args []string) int {
	if len(args) > 0 {
		if cmd, ok := command(args[0]); ok && args[0] != "help" {
			return cmd(ctx, e, []string{"--help"})
		}
	}
	return runMonitor(ctx, e, []string{"--help"})
}
