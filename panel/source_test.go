package panel

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSourceURLs(t *testing.T) {
	tests := []struct {
		arg, wantURL string
	}{
		{"http://abc123.ethosdistro.com/", "http://abc123.ethosdistro.com/?json=yes"},
		{"http://abc123.ethosdistro.com", "http://abc123.ethosdistro.com/?json=yes"},
		{"https://panel.example:8443/farm?view=all", "https://panel.example:8443/farm?view=all&json=yes"},
		{"http://127.0.0.1:8080/?json=yes", "http://127.0.0.1:8080/?json=yes"},
		{"http://127.0.0.1:8080/?json=no&a=b", "http://127.0.0.1:8080/?a=b&json=yes"},
		{"HTTP://Panel.Example/#frag", "http://Panel.Example/?json=yes"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			src, err := ParseSource(tt.arg, HTTPOptions{})
			if err != nil {
				t.Fatal(err)
			}
			hs, ok := src.(*httpSource)
			if !ok {
				t.Fatalf("source is %T, want an HTTP source", src)
			}
			wantString(t, "URL", hs.url, tt.wantURL)
			wantString(t, "Name()", src.Name(), tt.arg)
		})
	}
}

func TestParseSourcePanelID(t *testing.T) {
	t.Chdir(t.TempDir())

	src, err := ParseSource("abc123", HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hs, ok := src.(*httpSource)
	if !ok {
		t.Fatalf("source is %T, want an HTTP source", src)
	}
	wantString(t, "URL", hs.url, "http://abc123.ethosdistro.com/?json=yes")
	wantString(t, "Name()", src.Name(), "abc123")

	// A directory of that name does not make the id a path.
	if err := os.Mkdir("f00d", 0o755); err != nil {
		t.Fatal(err)
	}
	if src, err := ParseSource("f00d", HTTPOptions{}); err != nil {
		t.Error(err)
	} else if _, ok := src.(*httpSource); !ok {
		t.Errorf("f00d (a directory) gave %T, want an HTTP source", src)
	}
}

func TestParseSourceIDThatIsAFile(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile("abc123", []byte(`{"rigs":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}

	src, err := ParseSource("abc123", HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(*fileSource); !ok {
		t.Errorf("source is %T, want the file abc123", src)
	}
}

func TestParseSourceFile(t *testing.T) {
	path := filepath.Join("..", "testdata", "panels", "nvidia-3rigs.json")
	src, err := ParseSource(path, HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(*fileSource); !ok {
		t.Fatalf("source is %T, want a file source", src)
	}
	wantString(t, "Name()", src.Name(), path)
}

func TestParseSourceNameSanitised(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rig\x1b[31m.json")
	if err := os.WriteFile(path, []byte(`{"rigs":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := ParseSource(path, HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantString(t, "Name()", src.Name(), filepath.Join(dir, "rig.json"))
}

func TestParseSourceErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		arg  string
		want []string
	}{
		{"missing/panel.json", []string{`parse panel "missing/panel.json": not an http(s) URL, a panel id or a readable file`, "no such file or directory", "give the panel URL"}},
		{"abc.ethosdistro.com", []string{"not an http(s) URL, a panel id or a readable file", "http://abc123.ethosdistro.com/"}},
		{"ftp://panel.example/", []string{"only http:// and https:// URLs are supported"}},
		{"http://", []string{`parse panel URL "http://": missing host`}},
		{"http://bad host/", []string{`parse panel URL "http://bad host/"`}},
		{"", []string{"not an http(s) URL, a panel id or a readable file"}},
		{".", []string{"it is a directory"}},
		{"bad\x07id", []string{`parse panel "badid"`}},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			_, err := ParseSource(tt.arg, HTTPOptions{})
			if err == nil {
				t.Fatal("ParseSource succeeded, want an error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}
