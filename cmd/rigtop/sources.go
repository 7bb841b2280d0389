package main

import (
	"errors"
	"time"

	"rigtop/panel"
)

// buildSources turns the PANEL arguments into sources. A panel given twice
// is an error, since its alerts would share keys.
func (c *commandLine) buildSources(s *Settings) ([]panel.Source, error) {
	// check shows no rig's details, so it does not decode them.
	opts := panel.HTTPOptions{Timeout: s.Timeout, Now: c.e.now, SkipDetails: c.name == "check"}
	seen := map[string]bool{}
	sources := make([]panel.Source, 0, len(s.Panels))
	for _, arg := range s.Panels {
		src, err := panel.ParseSource(arg, opts)
		if err != nil {
			return nil, usageErr(c.p.T("cmd.error.bad_panel", "Panel", panel.Sanitize(arg), "Error", panel.Sanitize(rootCause(err).Error())))
		}
		if seen[src.Name()] {
			return nil, usageErr(c.p.T("cmd.error.panel_twice", "Panel", panel.Sanitize(src.Name())))
		}
		seen[src.Name()] = true
		sources = append(sources, src)
	}
	return sources, nil
}

// rootCause returns the innermost error err wraps, which names what was
// wrong without the advice the message around it already gives.
func rootCause(err error) error {
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			return err
		}
		err = inner
	}
}

// fetchBound bounds one poll of every source: each fetch has its own
// timeout, and this catches a source that ignores it.
func fetchBound(timeout time.Duration) time.Duration {
	return 2*timeout + 5*time.Second
}
