#!/bin/bash
# idle.sh BINARY PANEL [SECONDS]: runs `BINARY --interval 60s PANEL` in a
# detached 120x35 tmux session on a private tmux server and waits 10 s for
# the first poll. It then prints the CPU time (utime+stime from
# /proc/PID/stat) used over SECONDS (default 60) as a share of one core,
# and the resident memory (VmRSS) and its peak (VmHWM) at the end.
set -euo pipefail
bin=$(realpath "$1")
panel=$(realpath "$2")
seconds=${3:-60}
work=$(mktemp -d)
trap 'tmux -L rigtop-idle kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/home"

tmux -L rigtop-idle new-session -d -s idle -x 120 -y 35 \
	"env -i HOME=$work/home TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/bin:/bin \
	sh -c 'echo \$\$ > $work/pid; exec $bin --interval 60s $panel'"
sleep 10
pid=$(cat "$work/pid")

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks)
sleep "$seconds"
after=$(ticks)

awk -v t=$((after - before)) -v hz="$hz" -v s="$seconds" \
	'BEGIN { printf "CPU over %d s: %d ticks = %.3f%% of one core\n", s, t, 100 * t / hz / s }'
grep -E 'VmRSS|VmHWM' "/proc/$pid/status"
