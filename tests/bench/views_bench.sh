#!/usr/bin/env bash
# views_bench.sh: the render benchmark of the graph and edge bundle views
# (issue 6) in headless Chromium: see views_bench.mjs. Installs the pinned
# npm packages first when node_modules lacks them. Prints the times; fails
# only when the page had an error, not on the times (the machine is shared).
# Usage: views_bench.sh [RUNS]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if [[ ! -f $top/node_modules/d3/dist/d3.min.js || ! -d $top/node_modules/playwright-core ]]; then
	(cd "$top" && npm ci --no-audit --no-fund --silent)
fi
exec node "$top/tests/bench/views_bench.mjs" "${1:-5}"
