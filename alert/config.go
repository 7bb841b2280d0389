package alert

import (
	"strconv"
	"time"

	"rigtop/locale"
)

// Config holds the alert thresholds and timings. The TOML keys are the
// config file's; a key left out keeps the value it had, so decode into
// DefaultConfig. Durations are written as strings such as "90s", "10m" or
// "4h".
type Config struct {
	// BootGrace is how long a rig may stay in just_booted before it is a
	// problem, measured by its uptime or by how long the monitor has seen
	// it in that condition.
	BootGrace Duration `toml:"boot_grace"`
	// StaleAfter is how long a rig may go without reporting (the panel's
	// clock minus its server_time), and how long a panel may fail to be
	// read, before either is an alert.
	StaleAfter Duration `toml:"stale_after"`
	// RepeatInterval is how long a firing alert waits before it is
	// announced again; 0 announces it only once.
	RepeatInterval Duration `toml:"repeat_interval"`
	// MedianWindow is how far back the median hash rate of a GPU or rig is
	// taken.
	MedianWindow Duration `toml:"median_window"`
	// GPUSlowPercent: a GPU hashing below this share of its own median is
	// slow. 0 turns the rule off.
	GPUSlowPercent float64 `toml:"gpu_slow_percent"`
	// GPUHotWarningC and GPUHotCriticalC are the GPU temperatures, in °C,
	// at or above which a GPU is hot. 0 turns that level off.
	GPUHotWarningC  float64 `toml:"gpu_hot_warning_c"`
	GPUHotCriticalC float64 `toml:"gpu_hot_critical_c"`
	// FanStoppedAboveC: a fan reading 0 on a GPU hotter than this, in °C,
	// has stopped.
	FanStoppedAboveC float64 `toml:"fan_stopped_above_c"`
	// HashDropPercent: a rig hashing below this share of its own median has
	// dropped. 0 turns the rule off.
	HashDropPercent float64 `toml:"hash_drop_percent"`
	// For is how many consecutive polls each kind of problem must hold
	// before it fires.
	For ForPolls `toml:"for"`
	// Rigs overrides thresholds for single rigs, keyed by rig id or by
	// rack_loc label. An id match wins over a label match.
	Rigs map[string]RigConfig `toml:"rigs"`
}

// ForPolls is how many consecutive polls a problem must hold before it
// fires, per kind. 0 and 1 both fire on the first poll where it holds. Rig
// staleness and unreachable panels already wait StaleAfter, so they have no
// count of their own.
type ForPolls struct {
	Condition  int `toml:"condition"`
	GPUDead    int `toml:"gpu_dead"`
	GPUSlow    int `toml:"gpu_slow"`
	GPUHot     int `toml:"gpu_hot"`
	FanStopped int `toml:"fan_stopped"`
	HashDrop   int `toml:"hash_drop"`
}

// Polls returns the poll count for kind k, at least 1.
func (f ForPolls) Polls(k Kind) int {
	var n int
	switch k {
	case KindCondition:
		n = f.Condition
	case KindGPUDead:
		n = f.GPUDead
	case KindGPUSlow:
		n = f.GPUSlow
	case KindGPUHot:
		n = f.GPUHot
	case KindFanStopped:
		n = f.FanStopped
	case KindHashDrop:
		n = f.HashDrop
	}
	return max(n, 1)
}

// RigConfig overrides thresholds for one rig; a nil field keeps the global
// value.
type RigConfig struct {
	BootGrace        *Duration `toml:"boot_grace"`
	StaleAfter       *Duration `toml:"stale_after"`
	RepeatInterval   *Duration `toml:"repeat_interval"`
	GPUSlowPercent   *float64  `toml:"gpu_slow_percent"`
	GPUHotWarningC   *float64  `toml:"gpu_hot_warning_c"`
	GPUHotCriticalC  *float64  `toml:"gpu_hot_critical_c"`
	FanStoppedAboveC *float64  `toml:"fan_stopped_above_c"`
	HashDropPercent  *float64  `toml:"hash_drop_percent"`
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		BootGrace:        Duration(15 * time.Minute),
		StaleAfter:       Duration(10 * time.Minute),
		RepeatInterval:   Duration(4 * time.Hour),
		MedianWindow:     Duration(time.Hour),
		GPUSlowPercent:   70,
		GPUHotWarningC:   80,
		GPUHotCriticalC:  85,
		FanStoppedAboveC: 50,
		HashDropPercent:  80,
		For: ForPolls{
			Condition:  0,
			GPUDead:    2,
			GPUSlow:    2,
			GPUHot:     0,
			FanStopped: 2,
			HashDrop:   2,
		},
	}
}

// ForRig returns the config that applies to the rig with this id and
// label: the global values with the rig's overrides applied.
func (c Config) ForRig(id, label string) Config {
	o, ok := c.Rigs[id]
	if !ok && label != "" {
		o, ok = c.Rigs[label]
	}
	if !ok {
		return c
	}
	setDuration(&c.BootGrace, o.BootGrace)
	setDuration(&c.StaleAfter, o.StaleAfter)
	setDuration(&c.RepeatInterval, o.RepeatInterval)
	setFloat(&c.GPUSlowPercent, o.GPUSlowPercent)
	setFloat(&c.GPUHotWarningC, o.GPUHotWarningC)
	setFloat(&c.GPUHotCriticalC, o.GPUHotCriticalC)
	setFloat(&c.FanStoppedAboveC, o.FanStoppedAboveC)
	setFloat(&c.HashDropPercent, o.HashDropPercent)
	return c
}

func setDuration(dst *Duration, v *Duration) {
	if v != nil {
		*dst = *v
	}
}

func setFloat(dst *float64, v *float64) {
	if v != nil {
		*dst = *v
	}
}

// maxTempC bounds temperature settings; no GPU survives above it.
const maxTempC = 150

// maxForPolls bounds the poll counts; at a 60 s interval it is most of a day.
const maxForPolls = 1000

// Validate checks every setting, the rig overrides included, and returns a
// *ConfigError naming the first invalid key, its value and the expected
// form.
func (c Config) Validate() error {
	if err := c.validateThresholds(""); err != nil {
		return err
	}
	if c.MedianWindow <= 0 {
		return configError("median_window", c.MedianWindow.String(), expectPositiveDuration)
	}
	counts := []struct {
		key string
		n   int
	}{
		{"for.condition", c.For.Condition},
		{"for.gpu_dead", c.For.GPUDead},
		{"for.gpu_slow", c.For.GPUSlow},
		{"for.gpu_hot", c.For.GPUHot},
		{"for.fan_stopped", c.For.FanStopped},
		{"for.hash_drop", c.For.HashDrop},
	}
	for _, count := range counts {
		if count.n < 0 || count.n > maxForPolls {
			return configError(count.key, strconv.Itoa(count.n), expectPolls)
		}
	}
	for key := range c.Rigs {
		prefix := "rigs." + strconv.Quote(key) + "."
		if key == "" {
			return configError("rigs", `""`, expectRigKey)
		}
		if err := c.ForRig(key, "").validateThresholds(prefix); err != nil {
			return err
		}
	}
	return nil
}

// validateThresholds checks the settings a rig may override; prefix is put
// before each key in the error.
func (c Config) validateThresholds(prefix string) error {
	if c.BootGrace < 0 {
		return configError(prefix+"boot_grace", c.BootGrace.String(), expectNonNegativeDuration)
	}
	if c.StaleAfter <= 0 {
		return configError(prefix+"stale_after", c.StaleAfter.String(), expectPositiveDuration)
	}
	if c.RepeatInterval < 0 {
		return configError(prefix+"repeat_interval", c.RepeatInterval.String(), expectNonNegativeDuration)
	}
	percents := []struct {
		key string
		v   float64
	}{
		{"gpu_slow_percent", c.GPUSlowPercent},
		{"hash_drop_percent", c.HashDropPercent},
	}
	for _, pct := range percents {
		if !(pct.v >= 0 && pct.v < 100) {
			return configError(prefix+pct.key, formatNumber(pct.v), expectPercent)
		}
	}
	temps := []struct {
		key string
		v   float64
	}{
		{"gpu_hot_warning_c", c.GPUHotWarningC},
		{"gpu_hot_critical_c", c.GPUHotCriticalC},
	}
	for _, temp := range temps {
		if !(temp.v >= 0 && temp.v <= maxTempC) {
			return configError(prefix+temp.key, formatNumber(temp.v), expectTemperature)
		}
	}
	if c.GPUHotWarningC > 0 && c.GPUHotCriticalC > 0 && c.GPUHotWarningC >= c.GPUHotCriticalC {
		return configError(prefix+"gpu_hot_warning_c", formatNumber(c.GPUHotWarningC), expectBelowCritical)
	}
	if !(c.FanStoppedAboveC >= 0 && c.FanStoppedAboveC <= maxTempC) {
		return configError(prefix+"fan_stopped_above_c", formatNumber(c.FanStoppedAboveC), expectFanTemperature)
	}
	return nil
}

// Expected forms of a setting; each names a catalogue message under
// alert.config.
const (
	expectDuration            = "duration"
	expectPositiveDuration    = "positive_duration"
	expectNonNegativeDuration = "non_negative_duration"
	expectPercent             = "percent"
	expectTemperature         = "temperature"
	expectFanTemperature      = "fan_temperature"
	expectBelowCritical       = "below_critical"
	expectPolls               = "polls"
	expectRigKey              = "rig_key"
)

// ConfigError is an invalid setting. ErrorText localizes it; Error returns
// the English text.
type ConfigError struct {
	// Key is the setting's TOML key, such as "stale_after" or
	// `rigs."rig2".gpu_hot_critical_c`; empty when the value was rejected
	// while decoding, before its key was known.
	Key string
	// Value is the rejected value as written.
	Value string
	// Expected names the form the value must take.
	Expected string
}

func configError(key, value, expected string) *ConfigError {
	return &ConfigError{Key: key, Value: value, Expected: expected}
}

func (e *ConfigError) Error() string { return e.text(locale.New(locale.English)) }

func (e *ConfigError) text(p *locale.Printer) string {
	expected := p.T("alert.config." + e.Expected)
	if e.Key == "" {
		return p.T("alert.config.invalid_value", "Value", e.Value, "Expected", expected)
	}
	return p.T("alert.config.invalid", "Key", e.Key, "Value", e.Value, "Expected", expected)
}

// Duration is a time.Duration written in config files as a string such as
// "90s", "10m" or "4h".
type Duration time.Duration

// UnmarshalText parses a duration string; the error names the bad value.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return configError("", strconv.Quote(string(text)), expectDuration)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration in the form UnmarshalText reads.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String returns the duration as time.Duration writes it, such as "10m0s".
func (d Duration) String() string { return time.Duration(d).String() }
