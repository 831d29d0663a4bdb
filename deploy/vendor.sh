#!/usr/bin/env bash
# vendor.sh: puts the pages' third-party files into static/vendor/ (d3's
# ready-made dist/d3.min.js, topojson-client's dist/topojson-client.min.js
# and world-atlas's countries-110m.json, the country shapes of the world
# map, from node_modules, installed by `npm ci` from the pinned lockfile),
# so the site works offline with nginx alone. Idempotent: copies only when a
# file is missing or differs. Runs `npm ci` first when node_modules lacks
# one of them. Called by quickstart.sh, install.sh and the tests.
# Usage: deploy/vendor.sh [STATIC_DIR]   (default: static/ of this checkout)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
static=${1:-$root/static}
# source in node_modules -> name in static/vendor/
files=(
	d3/dist/d3.min.js
	topojson-client/dist/topojson-client.min.js
	world-atlas/countries-110m.json
)

missing()
{
	local f
	for f in "${files[@]}"; do
		[[ -f $root/node_modules/$f ]] || return 0
	done
	return 1
}

if missing; then
	command -v npm >/dev/null || {
		echo "vendor.sh: node_modules lacks ${files[*]} and there is no npm to install them" \
			"(tests/deps.sh installs node)" >&2
		exit 1
	}
	(cd "$root" && npm ci --no-audit --no-fund --silent)
fi
for f in "${files[@]}"; do
	[[ -f $root/node_modules/$f ]] || {
		echo "vendor.sh: npm ci did not install $root/node_modules/$f" >&2
		exit 1
	}
done

mkdir -p "$static/vendor"
# a temporary name of this process's own, then a rename: tests running at
# the same time never see (or remove) a half-written file
for f in "${files[@]}"; do
	src=$root/node_modules/$f
	dst=$static/vendor/$(basename "$f")
	if ! cmp -s "$src" "$dst"; then
		cp "$src" "$dst.$$"
		mv -f "$dst.$$" "$dst"
	fi
done
