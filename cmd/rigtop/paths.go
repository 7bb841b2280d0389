package main

import (
	"errors"
	"path/filepath"
	"strings"
)

// errNoHome is returned when neither the XDG variable nor HOME gives a place
// for a default file.
var errNoHome = errors.New("HOME is not set")

// defaultConfigPath returns $XDG_CONFIG_HOME/rigtop/config.toml, falling
// back to ~/.config/rigtop/config.toml.
func defaultConfigPath(getenv func(string) string) (string, error) {
	dir, err := xdgDir(getenv, "XDG_CONFIG_HOME", ".config")
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "rigtop", "config.toml"), nil
}

// defaultStatePath returns $XDG_STATE_HOME/rigtop/state.json, falling back
// to ~/.local/state/rigtop/state.json.
func defaultStatePath(getenv func(string) string) (string, error) {
	dir, err := xdgDir(getenv, "XDG_STATE_HOME", filepath.Join(".local", "state"))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "rigtop", "state.json"), nil
}

// xdgDir returns the directory named by the XDG variable, or homeSub under
// HOME. Under the XDG Base Directory specification a relative path in the
// variable is invalid and must be ignored.
func xdgDir(getenv func(string) string, variable, homeSub string) (string, error) {
	if dir := getenv(variable); filepath.IsAbs(dir) {
		return dir, nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errNoHome
	}
	return filepath.Join(home, homeSub), nil
}

// resolvePath expands a leading ~/ to HOME and makes a relative path
// relative to base, the directory of the config file that named it. An
// empty base leaves a relative path relative to the working directory, as
// for a path given on the command line.
func resolvePath(path, base string, getenv func(string) string) string {
	if path == "~" || strings.HasPrefix(path, "~/") {
		if home := getenv("HOME"); home != "" {
			path = filepath.Join(home, strings.TrimPrefix(path[1:], "/"))
		}
	}
	if base != "" && !filepath.IsAbs(path) {
		path = filepath.Join(base, path)
	}
	return path
}
