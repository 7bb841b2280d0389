package alert

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	checks := []struct {
		name      string
		got, want any
	}{
		{"boot_grace", time.Duration(c.BootGrace), 15 * time.Minute},
		{"stale_after", time.Duration(c.StaleAfter), 10 * time.Minute},
		{"repeat_interval", time.Duration(c.RepeatInterval), 4 * time.Hour},
		{"median_window", time.Duration(c.MedianWindow), time.Hour},
		{"gpu_slow_percent", c.GPUSlowPercent, 70.0},
		{"gpu_hot_warning_c", c.GPUHotWarningC, 80.0},
		{"gpu_hot_critical_c", c.GPUHotCriticalC, 85.0},
		{"fan_stopped_above_c", c.FanStoppedAboveC, 50.0},
		{"hash_drop_percent", c.HashDropPercent, 80.0},
		{"for condition", c.For.Polls(KindCondition), 1},
		{"for gpu_hot", c.For.Polls(KindGPUHot), 1},
		{"for gpu_dead", c.For.Polls(KindGPUDead), 2},
		{"for gpu_slow", c.For.Polls(KindGPUSlow), 2},
		{"for fan_stopped", c.For.Polls(KindFanStopped), 2},
		{"for hash_drop", c.For.Polls(KindHashDrop), 2},
		{"for stale", c.For.Polls(KindStale), 1},
	}
	for _, check := range checks {
		if check.got != check.want {
			t.Errorf("%s = %v, want %v", check.name, check.got, check.want)
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("DefaultConfig().Validate() = %v", err)
	}
}

func TestConfigDecodeTOML(t *testing.T) {
	const doc = `
stale_after = "5m"
repeat_interval = "0s"
gpu_hot_critical_c = 90

[for]
gpu_dead = 3

[rigs.rig2]
gpu_hot_critical_c = 95
boot_grace = "30m"

[rigs."496406"]
stale_after = "20m"
`
	c := DefaultConfig()
	if _, err := toml.Decode(doc, &c); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if got := time.Duration(c.StaleAfter); got != 5*time.Minute {
		t.Errorf("stale_after = %v, want 5m", got)
	}
	if c.RepeatInterval != 0 {
		t.Errorf("repeat_interval = %v, want 0", c.RepeatInterval)
	}
	if c.GPUHotCriticalC != 90 {
		t.Errorf("gpu_hot_critical_c = %v, want 90", c.GPUHotCriticalC)
	}
	if c.GPUHotWarningC != 80 {
		t.Errorf("gpu_hot_warning_c = %v, want the default 80 kept", c.GPUHotWarningC)
	}
	if c.For.GPUDead != 3 || c.For.GPUSlow != 2 {
		t.Errorf("for = %+v, want gpu_dead 3 and gpu_slow kept at 2", c.For)
	}

	byLabel := c.ForRig("zzzzzz", "rig2")
	if byLabel.GPUHotCriticalC != 95 || time.Duration(byLabel.BootGrace) != 30*time.Minute {
		t.Errorf("ForRig(label rig2) = critical %v, grace %v; want 95 and 30m", byLabel.GPUHotCriticalC, byLabel.BootGrace)
	}
	if time.Duration(byLabel.StaleAfter) != 5*time.Minute {
		t.Errorf("ForRig(label rig2) stale_after = %v, want the global 5m", byLabel.StaleAfter)
	}
	byID := c.ForRig("496406", "rig2")
	if time.Duration(byID.StaleAfter) != 20*time.Minute {
		t.Errorf("ForRig(id 496406) stale_after = %v, want 20m", byID.StaleAfter)
	}
	if byID.GPUHotCriticalC != 90 {
		t.Errorf("ForRig(id 496406) gpu_hot_critical_c = %v, want 90: an id match wins over the label", byID.GPUHotCriticalC)
	}
	if other := c.ForRig("other", ""); other.GPUHotCriticalC != 90 {
		t.Errorf("ForRig(other) gpu_hot_critical_c = %v, want 90", other.GPUHotCriticalC)
	}
}

func TestConfigDecodeBadDuration(t *testing.T) {
	c := DefaultConfig()
	_, err := toml.Decode(`stale_after = "10 minutes"`, &c)
	if err == nil {
		t.Fatal("decode accepted stale_after = \"10 minutes\"")
	}
	// BurntSushi/toml v1.6.0 keeps only the text of an UnmarshalText error,
	// adding the key and line in front of it.
	for _, part := range []string{`"stale_after"`, "line 1", `"10 minutes"`, "90s, 10m or 4h"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("decode error %q does not contain %s", err, part)
		}
	}

	_, err = toml.Decode(`[rigs.r1]
repeat_interval = "forever"`, &c)
	if err == nil || !strings.Contains(err.Error(), `"forever"`) {
		t.Errorf("decode of rig override error = %v, want one naming \"forever\"", err)
	}
}

func TestDurationUnmarshalText(t *testing.T) {
	var d Duration
	if err := d.UnmarshalText([]byte("1h30m")); err != nil || time.Duration(d) != 90*time.Minute {
		t.Errorf("UnmarshalText(1h30m) = %v, %v; want 1h30m", d, err)
	}
	err := d.UnmarshalText([]byte("600"))
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("UnmarshalText(600) = %v, want a *ConfigError", err)
	}
	if ce.Value != `"600"` || ce.Expected != expectDuration || ce.Key != "" {
		t.Errorf("ConfigError = %+v", ce)
	}
	if got, want := ErrorText(ja, err), `値 "600" は無効です: 90s、10m、4h のような時間で指定してください`; got != want {
		t.Errorf("ErrorText(ja) = %q, want %q", got, want)
	}
	text, _ := Duration(10 * time.Minute).MarshalText()
	if string(text) != "10m0s" {
		t.Errorf("MarshalText(10m) = %q", text)
	}
}

func TestConfigValidate(t *testing.T) {
	neg := Duration(-time.Minute)
	tooHot := 200.0
	tests := []struct {
		name   string
		change func(*Config)
		key    string
	}{
		{"zero stale_after", func(c *Config) { c.StaleAfter = 0 }, "stale_after"},
		{"negative boot_grace", func(c *Config) { c.BootGrace = neg }, "boot_grace"},
		{"negative repeat_interval", func(c *Config) { c.RepeatInterval = neg }, "repeat_interval"},
		{"zero median_window", func(c *Config) { c.MedianWindow = 0 }, "median_window"},
		{"slow percent 100", func(c *Config) { c.GPUSlowPercent = 100 }, "gpu_slow_percent"},
		{"negative drop percent", func(c *Config) { c.HashDropPercent = -5 }, "hash_drop_percent"},
		{"critical above 150", func(c *Config) { c.GPUHotCriticalC = 151 }, "gpu_hot_critical_c"},
		{"warning not below critical", func(c *Config) { c.GPUHotWarningC = 85 }, "gpu_hot_warning_c"},
		{"fan temperature negative", func(c *Config) { c.FanStoppedAboveC = -1 }, "fan_stopped_above_c"},
		{"negative for", func(c *Config) { c.For.GPUDead = -1 }, "for.gpu_dead"},
		{"for too large", func(c *Config) { c.For.HashDrop = 1001 }, "for.hash_drop"},
		{"rig override", func(c *Config) { c.Rigs = map[string]RigConfig{"rig2": {GPUHotCriticalC: &tooHot}} }, `rigs."rig2".gpu_hot_critical_c`},
		{"rig override below warning", func(c *Config) {
			low := 70.0
			c.Rigs = map[string]RigConfig{"rig2": {GPUHotCriticalC: &low}}
		}, `rigs."rig2".gpu_hot_warning_c`},
		{"empty rig key", func(c *Config) { c.Rigs = map[string]RigConfig{"": {}} }, "rigs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.change(&c)
			err := c.Validate()
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %v, want a *ConfigError", err)
			}
			if ce.Key != tt.key {
				t.Errorf("Validate() key = %q, want %q (error %v)", ce.Key, tt.key, err)
			}
		})
	}
}

func TestConfigValidateAcceptsRulesOff(t *testing.T) {
	c := DefaultConfig()
	c.GPUSlowPercent = 0
	c.HashDropPercent = 0
	c.GPUHotWarningC = 0
	c.RepeatInterval = 0
	c.BootGrace = 0
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil for rules turned off", err)
	}
}
