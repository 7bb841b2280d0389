#!/bin/bash
# first-frame.sh BINARY PANEL [RUNS]: starts `BINARY PANEL` RUNS times
# (default 5) in a detached 120x35 tmux session on a private tmux server.
# For each run it prints the time from the process start to the first
# capture-pane that shows the header ("rigtop" on the first line). The
# process start is stamped by the shell that then execs the binary.
set -euo pipefail
bin=$(realpath "$1")
panel=$(realpath "$2")
runs=${3:-5}
work=$(mktemp -d)
trap 'tmux -L rigtop-perf kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/home"

for run in $(seq "$runs"); do
	tmux -L rigtop-perf new-session -d -s first -x 120 -y 35 \
		"env -i HOME=$work/home TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/bin:/bin \
		sh -c 'date +%s%N > $work/start; exec $bin $panel'"
	while :; do
		if [ -s "$work/start" ] && tmux -L rigtop-perf capture-pane -p -t first 2>/dev/null | head -1 | grep -q rigtop; then
			end=$(date +%s%N)
			break
		fi
		sleep 0.002
	done
	start=$(cat "$work/start")
	echo "run $run: $(( (end - start) / 1000000 )) ms to the first frame"
	tmux -L rigtop-perf kill-session -t first
	rm -f "$work/start"
done
