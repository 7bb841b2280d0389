package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is the release version, set at build time with
// -ldflags "-X main.version=v1.2.3". When it is empty, versionString falls
// back to the module version Go stamps into the binary.
var version string

// versionString returns the version to print: the -ldflags value, else the
// main module's version from the build info (a tag, or a pseudo-version
// when built from a VCS checkout), else "dev".
func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			return v
		}
	}
	return "dev"
}

// runVersion prints the version, as --version does on every command.
func runVersion(ctx context.Context, e *env, args []string) int {
	printVersion(e)
	return exitOK
}

func printVersion(e *env) {
	fmt.Fprintln(e.stdout, "rigtop "+versionString())
}
