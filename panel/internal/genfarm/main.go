// Command genfarm writes a generated panel response to standard output, for
// benchmarks and load tests of whole rigtop processes:
//
//	go run ./panel/internal/genfarm -rigs 5000 > farm.json
//
// The same flags give the same bytes; see panel.GenerateFarmJSON.
package main

import (
	"flag"
	"fmt"
	"os"

	"rigtop/panel"
)

func main() {
	rigs := flag.Int("rigs", 100, "number of rigs in the farm")
	gpus := flag.Int("gpus", 8, "number of GPUs per rig")
	seed := flag.Int64("seed", 1, "seed of the generator; the same seed gives the same bytes")
	flag.Parse()

	if *rigs < 0 || *gpus < 1 {
		fmt.Fprintln(os.Stderr, "genfarm: -rigs must be 0 or more and -gpus 1 or more")
		os.Exit(2)
	}
	if _, err := os.Stdout.Write(panel.GenerateFarmJSON(*rigs, *gpus, *seed)); err != nil {
		fmt.Fprintln(os.Stderr, "genfarm: write farm:", err)
		os.Exit(1)
	}
}
