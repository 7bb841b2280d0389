package locale

import (
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// flatten returns the message ids of a catalogue file, nested tables joined
// with dots the way go-i18n reads them.
func flatten(prefix string, table map[string]any, ids map[string]bool) {
	for key, value := range table {
		id := key
		if prefix != "" {
			id = prefix + "." + key
		}
		sub, ok := value.(map[string]any)
		if !ok {
			ids[id] = true
			continue
		}
		if _, plural := sub["other"]; plural {
			ids[id] = true
			continue
		}
		flatten(id, sub, ids)
	}
}

func catalogueIDs(t *testing.T, lang string) map[string]map[string]bool {
	t.Helper()
	names, err := fs.Glob(messageFiles, "messages/*."+lang+".toml")
	if err != nil {
		t.Fatal(err)
	}
	byArea := map[string]map[string]bool{}
	for _, name := range names {
		var table map[string]any
		if _, err := toml.DecodeFS(messageFiles, name, &table); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		area := strings.TrimSuffix(path.Base(name), "."+lang+".toml")
		byArea[area] = map[string]bool{}
		flatten("", table, byArea[area])
	}
	return byArea
}

func TestCatalogueComplete(t *testing.T) {
	en := catalogueIDs(t, "en")
	ja := catalogueIDs(t, "ja")
	if len(en) == 0 {
		t.Fatal("no English catalogue files found")
	}
	for area := range ja {
		if en[area] == nil {
			t.Errorf("messages/%s.ja.toml has no English counterpart", area)
		}
	}
	for area, enIDs := range en {
		jaIDs, ok := ja[area]
		if !ok {
			t.Errorf("messages/%s.en.toml has no Japanese counterpart", area)
			continue
		}
		var missing, extra []string
		for id := range enIDs {
			if !jaIDs[id] {
				missing = append(missing, id)
			}
		}
		for id := range jaIDs {
			if !enIDs[id] {
				extra = append(extra, id)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing) > 0 {
			t.Errorf("%s: ids missing in Japanese: %s", area, strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			t.Errorf("%s: ids missing in English: %s", area, strings.Join(extra, ", "))
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		flag string
		env  map[string]string
		want string
	}{
		{"default", "", nil, "en"},
		{"LANG ja", "", map[string]string{"LANG": "ja_JP.UTF-8"}, "ja"},
		{"LC_ALL beats LANG", "", map[string]string{"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}, "en"},
		{"LC_MESSAGES beats LANG", "", map[string]string{"LC_MESSAGES": "ja_JP.eucJP", "LANG": "en_US.UTF-8"}, "ja"},
		{"flag beats env", "en", map[string]string{"LANG": "ja_JP.UTF-8"}, "en"},
		{"flag ja", "ja", nil, "ja"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tag, err := Detect(tt.flag, func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if got := tag.String(); got != tt.want {
				t.Errorf("Detect = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseRejectsUnknown(t *testing.T) {
	_, err := Parse("fr")
	if err == nil || !strings.Contains(err.Error(), `"fr"`) {
		t.Fatalf("Parse(fr) error = %v, want one naming the value", err)
	}
}

func TestMissingMessageVisible(t *testing.T) {
	if got := New(Japanese).T("no.such.message"); got != "[no.such.message]" {
		t.Errorf("missing message = %q", got)
	}
}
