#!/usr/bin/env bash
# Watchdog started (detached, in its own session) by start.sh: polls every second
# whether the owner process (normally ctest) still runs and, once it is gone, runs
# stop.sh DIR so no server outlives a killed test run. Exits after that, when the
# harness dir disappears, or on TERM (stop.sh sends it).
# Usage: reaper.sh DIR OWNER_PID OWNER_STARTTIME
set -euo pipefail

dir=$1 owner=$2 owner_start=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

cd /
trap 'exit 0' TERM INT HUP
_harness_write_pidfile "$dir/reaper.pid" "$$"

while :; do
	[[ -e $dir/.fi-harness ]] || exit 0
	start=$(_harness_starttime "$owner") || start=gone
	if [[ $start != "$owner_start" ]]; then
		echo "reaper: owner $owner is gone, stopping the harness in $dir"
		FI_HARNESS_IN_REAPER=1 "$here/stop.sh" "$dir" || true
		exit 0
	fi
	# Sleep in the background so TERM is handled at once, not after the sleep.
	sleep 1 &
	wait $! || true
done
