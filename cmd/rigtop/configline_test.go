package main

import (
	"errors"
	"testing"
)

func TestConfigSyntaxErrorLine(t *testing.T) {
	// Lines counted by hand from each file's start.
	tests := []struct {
		data string
		line int
	}{
		{"a = \n", 1},
		{"interval = \"1m\"\n[alerts\nstale_after = \"5m\"\n", 2},
		{"interval = \"1m\"\n\n\n[alerts]\nstale_after = 5m\n", 5},
		{"x = 1\ny = [1,\n", 2},
	}
	for _, tt := range tests {
		_, err := decodeConfig("config.toml", tt.data)
		var ce *configError
		if !errors.As(err, &ce) {
			t.Fatalf("decodeConfig(%q) = %v, want a configError", tt.data, err)
		}
		if ce.line != tt.line {
			t.Errorf("decodeConfig(%q): line %d, want %d (%v)", tt.data, ce.line, tt.line, err)
		}
	}
}
