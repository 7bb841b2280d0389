package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"rigtop/alert"
)

func TestConfigUnknownKeyNamesLine(t *testing.T) {
	config := writeFile(t, "config.toml", `# rigtop settings
interval = "2m"
intervall = "30s"
`)

	r := rigtop(t, nil, "check", "--config", config, "x")

	wantCode(t, r, 3)
	for _, want := range []string{config + ", line 3", "intervall"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

func TestConfigUnknownKeyInTable(t *testing.T) {
	config := writeFile(t, "config.toml", `[desktop]
enabled = true

[alerts]
stale_after = "10m"
gpu_hot_c = 80
`)

	r := rigtop(t, nil, "watch", "--config", config, "x")

	wantCode(t, r, 2)
	for _, want := range []string{"line 6", "alerts.gpu_hot_c"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

func TestConfigWrongTypes(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		wantLine string
		wantKey  string
		wantForm string
	}{
		{"integer duration", "timeout = 10\n", "line 1", "timeout", "duration"},
		{"string list", "panels = \"abc123\"\n", "line 1", "panels", "list of strings"},
		{"alert duration", "[alerts]\nstale_after = 600\n", "line 2", "alerts.stale_after", "duration"},
		{"alert number", "\n[alerts]\ngpu_hot_warning_c = \"hot\"\n", "line 3", "alerts.gpu_hot_warning_c", "number"},
		{"bool", "[desktop]\nenabled = \"yes\"\n", "line 2", "desktop.enabled", "true or false"},
		{"bad duration", "interval = \"soon\"\n", "line 1", "interval", "duration"},
		{"interval too short", "interval = \"10ms\"\n", "line 1", "interval", "at least 1s"},
		{"log level", "log_level = \"loud\"\n", "line 1", "log_level", "debug"},
		{"mail tls", "[mail]\nhost = \"mx\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]\ntls = \"ssl\"\n", "line 5", "mail.tls", "starttls"},
		{"mail port", "[mail]\nhost = \"mx\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]\nport = 70000\n", "line 5", "mail.port", "65535"},
		{"rig override", "[alerts.rigs.\"rig 2\"]\ngpu_hot_critical_c = 200\n", "line 2", "gpu_hot_critical_c", "150"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			config := writeFile(t, "config.toml", tt.config)

			r := rigtop(t, nil, "check", "--config", config, "x")

			wantCode(t, r, 3)
			for _, want := range []string{tt.wantLine, tt.wantKey, tt.wantForm} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
		})
	}
}

func TestConfigPasswordKeyRejected(t *testing.T) {
	config := writeFile(t, "config.toml", `[mail]
host = "mx.example.com"
from = "rigs@example.com"
to = ["me@example.com"]
password = "hunter2"
`)

	r := rigtop(t, nil, "notify-test", "--config", config)

	wantCode(t, r, 2)
	for _, want := range []string{"line 5", "RIGTOP_SMTP_PASSWORD", "password_file"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "hunter2") {
		t.Errorf("the error shows the password:\n%s", r.stderr)
	}
}

func TestConfigExplicitFileMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.toml")

	r := rigtop(t, nil, "watch", "--config", missing, "x")

	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, missing) {
		t.Errorf("stderr does not name %s:\n%s", missing, r.stderr)
	}
}

func TestConfigDefaultFileRead(t *testing.T) {
	srv := servePanel(t, readSample(t, "nvidia-3rigs.json"))
	configHome := t.TempDir()
	if err := os.MkdirAll(filepath.Join(configHome, "rigtop"), 0o700); err != nil {
		t.Fatal(err)
	}
	config := "panels = [\"" + srv.URL + "\"]\nlang = \"ja\"\n"
	if err := os.WriteFile(filepath.Join(configHome, "rigtop", "config.toml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	r := rigtop(t, []string{"XDG_CONFIG_HOME=" + configHome}, "check")

	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "3/3") || strings.Contains(r.stdout, "rigs up") {
		t.Errorf("want the default config's panel checked in Japanese, got:\n%s", r.stdout)
	}
}

func TestConfigFlagOverridesConfig(t *testing.T) {
	config := writeFile(t, "config.toml", "lang = \"ja\"\n")
	url := closedPortURL(t)

	r := rigtop(t, nil, "check", "--config", config, "--lang", "en", url)

	wantCode(t, r, 3)
	if !strings.Contains(r.stdout, "refused the connection") {
		t.Errorf("--lang en did not override lang = \"ja\":\n%s", r.stdout)
	}
}

func TestConfigSyntaxError(t *testing.T) {
	config := writeFile(t, "config.toml", "interval = \"60s\"\nlog_level = = \"debug\"\n")

	r := rigtop(t, nil, "check", "--config", config, "x")

	wantCode(t, r, 3)
	if !strings.Contains(r.stderr, "line 2") || !strings.Contains(r.stderr, "TOML") {
		t.Errorf("stderr does not locate the syntax error on line 2:\n%s", r.stderr)
	}
}

func TestDecodeConfigValues(t *testing.T) {
	data := `panels = ["abc123", "http://farm.example.net/"]
interval = "2m"
timeout = "5s"
log_level = "debug"

[desktop]
send_resolved = false

[alerts]
stale_after = "15m"

[alerts.rigs."rig 2"]
gpu_hot_critical_c = 90.5
`
	c, err := decodeConfig("config.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	f := c.file
	if want := []string{"abc123", "http://farm.example.net/"}; !reflect.DeepEqual(f.Panels, want) {
		t.Errorf("panels = %q, want %q", f.Panels, want)
	}
	if f.Interval != 2*time.Minute || f.Timeout != 5*time.Second {
		t.Errorf("interval, timeout = %s, %s, want 2m, 5s", f.Interval, f.Timeout)
	}
	if !f.Desktop.Enabled || f.Desktop.SendResolved {
		t.Errorf("desktop = %+v, want enabled by default and send_resolved false", f.Desktop)
	}
	if got := time.Duration(f.Alerts.StaleAfter); got != 15*time.Minute {
		t.Errorf("alerts.stale_after = %s, want 15m", got)
	}
	if got := time.Duration(f.Alerts.RepeatInterval); got != 4*time.Hour {
		t.Errorf("alerts.repeat_interval = %s, want the 4h default kept", got)
	}
	override := f.Alerts.Rigs["rig 2"].GPUHotCriticalC
	if override == nil || *override != 90.5 {
		t.Errorf("rig 2 gpu_hot_critical_c = %v, want 90.5", override)
	}
}

func TestKeyLine(t *testing.T) {
	data := `top = 1

[mail]
host = "mx"

[alerts.rigs."rig, 2"]
stale_after = "1m"

[alerts.rigs.'rig3']
stale_after = "2m"
`
	var doc map[string]any
	if _, err := toml.Decode(data, &doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key  toml.Key
		want int
	}{
		{toml.Key{"top"}, 1},
		{toml.Key{"mail"}, 3},
		{toml.Key{"mail", "host"}, 4},
		{toml.Key{"alerts", "rigs", "rig3", "stale_after"}, 10},
		// A comma cannot be named in a struct tag, so that line is unknown.
		{toml.Key{"alerts", "rigs", "rig, 2", "stale_after"}, 0},
		{toml.Key{"absent"}, 0},
	}
	for _, tt := range tests {
		if got := keyLine(data, doc, tt.key); got != tt.want {
			t.Errorf("keyLine(%s) = %d, want %d", tt.key, got, tt.want)
		}
	}
}

func TestSplitKey(t *testing.T) {
	tests := []struct {
		in   string
		want toml.Key
	}{
		{"stale_after", toml.Key{"stale_after"}},
		{"for.gpu_dead", toml.Key{"for", "gpu_dead"}},
		{`rigs."rig 2".gpu_hot_critical_c`, toml.Key{"rigs", "rig 2", "gpu_hot_critical_c"}},
		{`rigs."a.b\"c".stale_after`, toml.Key{"rigs", `a.b"c`, "stale_after"}},
	}
	for _, tt := range tests {
		if got := splitKey(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMailConfigDefaults(t *testing.T) {
	dir := t.TempDir()
	passwordFile := filepath.Join(dir, "smtp-password")
	if err := os.WriteFile(passwordFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := `[mail]
host = "smtp.example.com"
from = "rigtop <rigs@example.com>"
to = ["me@example.com", "ops@example.com"]
user = "rigs@example.com"
password_file = "smtp-password"
`
	c, err := decodeConfig(filepath.Join(dir, "config.toml"), data)
	if err != nil {
		t.Fatal(err)
	}
	cfg, errs, warnings := c.mailConfig(func(string) string { return "" }, true)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings = %v, want none for a mode 600 password file", warnings)
	}
	if cfg.Port != 587 || cfg.TLS != tlsStartTLS {
		t.Errorf("port, tls = %d, %s, want 587, starttls", cfg.Port, cfg.TLS)
	}
	if cfg.Auth != authPlain {
		t.Errorf("auth = %s, want plain when a user is set", cfg.Auth)
	}
	if cfg.Password.Reveal() != "s3cret" {
		t.Errorf("password = %q, want the file's first line", cfg.Password.Reveal())
	}
	if !cfg.SendResolved {
		t.Error("send_resolved = false, want true by default")
	}
}

func TestMailPasswordFromEnvironment(t *testing.T) {
	data := `[mail]
host = "smtp.example.com"
tls = "tls"
from = "rigs@example.com"
to = ["me@example.com"]
user = "rigs"
auth = "login"
password_file = "/nonexistent/password"
`
	c, err := decodeConfig("config.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{passwordEnv: "from-env"}
	cfg, errs, _ := c.mailConfig(func(k string) string { return env[k] }, true)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if cfg.Password.Reveal() != "from-env" {
		t.Errorf("password = %q, want the environment's", cfg.Password.Reveal())
	}
	if cfg.Port != 465 {
		t.Errorf("port = %d, want 465 for tls", cfg.Port)
	}
}

func TestMailConfigRejects(t *testing.T) {
	const (
		server = "[mail]\nhost = \"mx.example.com\"\n"
		from   = "from = \"rigs@example.com\"\n"
		to     = "to = [\"me@example.com\"]\n"
	)
	tests := []struct {
		name string
		data string
		want string
	}{
		{"user without auth", server + from + to + "user = \"u\"\nauth = \"none\"\n", "mail.user"},
		{"cleartext password", server + from + to + "tls = \"none\"\nuser = \"u\"\nauth = \"plain\"\n", "unencrypted"},
		{"no recipients", server + from, "mail.to"},
		{"header in sender", server + to + `from = "rigs@example.com\r\nBcc: x@example.com"` + "\n", "mail.from"},
		{"host with scheme", "[mail]\nhost = \"smtp://mx\"\n" + from + to, "mail.host"},
		{"user without password", server + from + to + "user = \"u\"\n", "RIGTOP_SMTP_PASSWORD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := decodeConfig("config.toml", tt.data)
			if err != nil {
				t.Fatal(err)
			}
			_, errs, _ := c.mailConfig(func(string) string { return "" }, true)
			if len(errs) == 0 {
				t.Fatalf("no error for:\n%s", tt.data)
			}
			if !strings.Contains(errs.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", errs.Error(), tt.want)
			}
		})
	}
}

func TestSecretNeverFormatted(t *testing.T) {
	s := Secret{"hunter2"}
	cfg := MailConfig{Host: "mx", Password: s}
	encoded, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{
		s.String(), s.GoString(), s.LogValue().String(), string(encoded),
		fmt.Sprint(s), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
	} {
		if strings.Contains(text, "hunter2") {
			t.Errorf("formatted secret shows the value: %s", text)
		}
	}
}

// uncommentedSetting matches a commented-out setting in config.example.toml:
// "#" directly followed by a key or table, as opposed to "# " and prose.
var uncommentedSetting = regexp.MustCompile(`(?m)^#(\S)`)

func TestConfigExampleValid(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"as shipped":  string(data),
		"uncommented": uncommentedSetting.ReplaceAllString(string(data), "$1"),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := decodeConfig("config.example.toml", text)
			if err != nil {
				t.Fatal(err)
			}
			if errs := c.validate(); len(errs) > 0 {
				t.Fatal(errs)
			}
			if err := c.validateAlerts(); err != nil {
				t.Fatal(err)
			}
			if _, errs, _ := c.mailConfig(func(string) string { return "" }, false); len(errs) > 0 {
				t.Fatal(errs)
			}
		})
	}
}

func TestConfigExampleDefaults(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := decodeConfig("config.example.toml", string(data))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.file.Alerts, alert.DefaultConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("[alerts] in the example = %+v, want the defaults %+v", got, want)
	}
	if got, want := c.file, defaultConfigFile(); got.Interval != want.Interval || got.Timeout != want.Timeout ||
		got.LogLevel != want.LogLevel || got.Desktop != want.Desktop {
		t.Errorf("example settings = %+v, want the defaults %+v", got, want)
	}
}

func TestConfigExampleListsEveryKey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if _, err := toml.Decode(uncommentedSetting.ReplaceAllString(string(data), "$1"), &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range settingKeys(reflect.TypeFor[configFile](), nil) {
		if _, ok := rawValue(doc, key); !ok {
			t.Errorf("config.example.toml does not show %s", key)
		}
	}
}

// settingKeys lists the keys of every setting below t, tables included.
func settingKeys(t reflect.Type, prefix toml.Key) []toml.Key {
	var keys []toml.Key
	for _, f := range reflect.VisibleFields(t) {
		name, skip := tomlName(f)
		if skip || !f.IsExported() {
			continue
		}
		key := append(append(toml.Key{}, prefix...), name)
		keys = append(keys, key)
		if f.Type.Kind() == reflect.Struct && !customDecoded(f.Type) {
			keys = append(keys, settingKeys(f.Type, key)...)
		}
	}
	return keys
}

func TestFieldType(t *testing.T) {
	root := reflect.TypeFor[configFile]()
	tests := []struct {
		key  toml.Key
		want reflect.Type
	}{
		{toml.Key{"interval"}, reflect.TypeFor[time.Duration]()},
		{toml.Key{"mail", "to"}, reflect.TypeFor[[]string]()},
		{toml.Key{"alerts", "for", "gpu_dead"}, reflect.TypeFor[int]()},
		{toml.Key{"alerts", "rigs", "any rig", "stale_after"}, reflect.TypeFor[*alert.Duration]()},
		{toml.Key{"alerts", "stale_after"}, reflect.TypeFor[alert.Duration]()},
	}
	for _, tt := range tests {
		got, ok := fieldType(root, tt.key)
		if !ok || got != tt.want {
			t.Errorf("fieldType(%s) = %v, %v, want %v", tt.key, got, ok, tt.want)
		}
	}
	for _, key := range []toml.Key{{"nope"}, {"mail", "password"}, {"interval", "below"}, {"alerts", "for", "gpu_melted"}} {
		if got, ok := fieldType(root, key); ok {
			t.Errorf("fieldType(%s) = %v, want no setting", key, got)
		}
	}
}

func TestConfigInlineTableChecked(t *testing.T) {
	_, err := decodeConfig("config.toml", "desktop = { enabled = \"yes\", colour = true }\n")
	if err == nil {
		t.Fatal("no error for a wrong type and an unknown key in an inline table")
	}
	for _, want := range []string{"desktop.enabled", "true or false", "desktop.colour", "line 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err.Error(), want)
		}
	}
}
