#!/usr/bin/env bash
# vendor.sh: puts the pages' third-party scripts into static/vendor/ (d3's
# ready-made dist/d3.min.js from node_modules, installed by `npm ci` from the
# pinned lockfile), so the site works offline with nginx alone. Idempotent:
# copies only when the file is missing or differs. Runs `npm ci` first when
# node_modules lacks d3. Called by quickstart.sh, install.sh and the tests.
# Usage: deploy/vendor.sh [STATIC_DIR]   (default: static/ of this checkout)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
static=${1:-$root/static}
src=$root/node_modules/d3/dist/d3.min.js

if [[ ! -f $src ]]; then
	command -v npm >/dev/null || {
		echo "vendor.sh: no $src and no npm to install it (tests/deps.sh installs node)" >&2
		exit 1
	}
	(cd "$root" && npm ci --no-audit --no-fund --silent)
fi
[[ -f $src ]] || {
	echo "vendor.sh: npm ci did not install $src" >&2
	exit 1
}

mkdir -p "$static/vendor"
if ! cmp -s "$src" "$static/vendor/d3.min.js"; then
	cp "$src" "$static/vendor/d3.min.js.tmp"
	mv "$static/vendor/d3.min.js.tmp" "$static/vendor/d3.min.js"
fi
