package alert

import "time"

// Config holds the alert thresholds and timings.
type Config struct {
	StaleAfter     time.Duration
	RepeatInterval time.Duration
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{StaleAfter: 10 * time.Minute, RepeatInterval: 4 * time.Hour}
}
