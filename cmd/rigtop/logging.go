package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// parseLogLevel returns the slog level named by a --log-level value.
func parseLogLevel(name string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("invalid log level %q", name)
}

// operatorLog is the log of one command run: a text handler writing to the
// --log file, and to extra writers such as stderr for watch. It never
// writes to the terminal the monitor draws on: the monitor passes no extra
// writer, and without --log its log is discarded.
type operatorLog struct {
	*slog.Logger
	file *os.File
}

// openLog opens the log file at path (none when path is empty) for
// appending, creating it and its directory readable by the owner only, and
// returns a logger writing at level to it and to every extra writer.
func openLog(path string, level slog.Level, extra ...io.Writer) (*operatorLog, error) {
	opts := &slog.HandlerOptions{Level: level}
	var handlers []slog.Handler
	var file *os.File
	if path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create log directory: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open log file: %w", err)
		}
		file = f
		handlers = append(handlers, slog.NewTextHandler(f, opts))
	}
	for _, w := range extra {
		handlers = append(handlers, slog.NewTextHandler(w, opts))
	}

	var handler slog.Handler
	switch len(handlers) {
	case 0:
		handler = slog.DiscardHandler
	case 1:
		handler = handlers[0]
	default:
		handler = slog.NewMultiHandler(handlers...)
	}
	return &operatorLog{Logger: slog.New(handler), file: file}, nil
}

// Close closes the log file, if any.
func (l *operatorLog) Close() error {
	if l.file == nil {
		return nil
	}
	return l.file.Close()
}
