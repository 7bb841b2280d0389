package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rigtop/panel"
)

// BenchmarkCheck runs `rigtop check FILE` in the test process on generated
// farms of 8-GPU rigs, from reading the file to printing the report.
func BenchmarkCheck(b *testing.B) {
	for _, rigs := range []int{10, 100, 1000, 5000} {
		b.Run(fmt.Sprintf("rigs=%d", rigs), func(b *testing.B) {
			dir := b.TempDir()
			path := filepath.Join(dir, "farm.json")
			if err := os.WriteFile(path, panel.GenerateFarmJSON(rigs, 8, 1), 0o600); err != nil {
				b.Fatal(err)
			}
			e := &env{
				stdin:  nil,
				stdout: io.Discard,
				stderr: io.Discard,
				getenv: func(name string) string {
					if name == "HOME" {
						return dir
					}
					return ""
				},
				now: time.Now,
			}
			b.ReportAllocs()
			for b.Loop() {
				// The generated farm has unreachable rigs, which is critical.
				if code := run(context.Background(), []string{"check", path}, e); code != int(checkCritical) {
					b.Fatalf("exit code %d, want %d", code, checkCritical)
				}
			}
		})
	}
}
