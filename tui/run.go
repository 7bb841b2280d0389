package tui

import "context"

// Run shows the monitor until the user quits or ctx is cancelled.
func Run(ctx context.Context, opts Options) error { panic("not implemented") }
