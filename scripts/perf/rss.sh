#!/bin/bash
# rss.sh BINARY PANEL [POLLS] [INTERVAL]: runs `BINARY --interval INTERVAL
# PANEL` (default 5s) in a detached 120x35 tmux session on a private tmux
# server for POLLS polls (default 6), then prints its resident memory
# (VmRSS) and the peak (VmHWM) from /proc/PID/status.
set -euo pipefail
bin=$(realpath "$1")
panel=$2
# A URL is passed on as it is; a file path is made absolute for tmux.
[ -e "$panel" ] && panel=$(realpath "$panel")
polls=${3:-6}
interval=${4:-5s}
work=$(mktemp -d)
trap 'tmux -L rigtop-rss kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/home"

tmux -L rigtop-rss new-session -d -s rss -x 120 -y 35 \
	"env -i HOME=$work/home TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/bin:/bin \
	sh -c 'echo \$\$ > $work/pid; exec $bin --interval $interval $panel'"
seconds=$(( polls * ${interval%s} + 2 ))
sleep "$seconds"
pid=$(cat "$work/pid")
echo "after about $polls polls at $interval ($seconds s):"
grep -E 'VmRSS|VmHWM' "/proc/$pid/status"
