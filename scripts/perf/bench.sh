#!/bin/bash
# bench.sh [COUNT]: runs the performance benchmarks of docs/performance.md
# COUNT times each (default 5) and prints them in the go test format that
# benchstat reads. Run it from the module root.
set -euo pipefail
count=${1:-5}
go test -run '^$' -bench 'BenchmarkDecode' -benchmem -count "$count" ./panel
go test -run '^$' -bench 'BenchmarkPoll|BenchmarkSinglePoll' -benchmem -count "$count" ./alert
go test -run '^$' -bench 'BenchmarkHourOfPolls' -benchtime 1x -count 1 ./alert
go test -run '^$' -bench 'BenchmarkView|BenchmarkBuildRows|BenchmarkApplyPoll|BenchmarkRefresh|BenchmarkClockTick' -benchmem -count "$count" ./tui
go test -run '^$' -bench 'BenchmarkCheck' -benchmem -count "$count" ./cmd/rigtop
