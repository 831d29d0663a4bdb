#!/usr/bin/env bash
# Stops everything start.sh (or harness_spawn) started for DIR: TERM, up to 20 s,
# then KILL, finding processes by DIR/pids/*; stops the reaper and removes DIR
# unless FI_HARNESS_KEEP=1. Idempotent: exits 0 when there is nothing to stop.
# Usage: stop.sh DIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

if [[ $# -ne 1 ]]; then
	echo "usage: stop.sh DIR" >&2
	exit 2
fi
dir=$(realpath -m "$1")
[[ -d $dir ]] || exit 0
if [[ ! -e $dir/.fi-harness ]]; then
	harness_log "$dir is not a harness state dir (no .fi-harness); not touching it"
	exit 1
fi
export FI_TEST_DIR=$dir

# The reaper first, so it does not run a second stop.sh; not when it is our caller.
if [[ ${FI_HARNESS_IN_REAPER:-0} != 1 ]]; then
	if reaper=$(_harness_read_pidfile "$dir/reaper.pid"); then
		kill -TERM "$reaper" 2>/dev/null || true
		_harness_wait_gone 5 "$reaper" || kill -KILL "$reaper" 2>/dev/null || true
	fi
fi

harness_stop_all

# Last resort for what the pid files missed (nginx workers of a KILLed master, a
# record lost in a crash): servers whose command line or cwd lies in this dir.
leftover=()
while read -r pid _; do
	leftover+=("$pid")
done < <(harness_strays "$dir")
if [[ ${#leftover[@]} -gt 0 ]]; then
	harness_log "killing unrecorded servers of $dir: ${leftover[*]}"
	kill -KILL "${leftover[@]}" 2>/dev/null || true
	_harness_wait_gone 5 "${leftover[@]}" || true
fi

# PostgreSQL's short socket dir under /tmp, if the state dir's path was too long.
harness_remove_pg_sockdir

if [[ ${FI_HARNESS_KEEP:-0} == 1 ]]; then
	harness_log "keeping $dir (FI_HARNESS_KEEP=1)"
else
	rm -rf "$dir" 2>/dev/null || rm -rf "$dir"
fi
