//go:build !unix

package main

import "os"

// lockFile does nothing on systems without flock.
//
// NOTE: two rigtop processes sharing a state file are not detected here.
func lockFile(f *os.File) error { return nil }
