// Package tui is rigtop's terminal monitor: a Bubble Tea program showing the
// farm's rigs, each rig's GPUs and the alerts. It does no I/O in Update:
// polls and notifications run in commands and come back as messages.
package tui

import (
	"io"
	"log/slog"
	"time"

	"rigtop/alert"
	"rigtop/locale"
)

// Options configure the monitor.
type Options struct {
	// Monitor polls the sources and evaluates alerts.
	Monitor *alert.Monitor
	// Dispatcher sends notifications; nil means notifications are off.
	Dispatcher *alert.Dispatcher
	// Printer renders every string on screen.
	Printer *locale.Printer
	// Sources names the panels shown in the header.
	Sources []string
	// Interval is the time between polls.
	Interval time.Duration
	// Logger receives the monitor's log; it must not write to the terminal.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// Input and Output default to the process's terminal.
	Input  io.Reader
	Output io.Writer
}
