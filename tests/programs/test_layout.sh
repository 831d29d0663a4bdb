#!/usr/bin/env bash
# The tree's promise, checked on the built programs: every module of lib/ is
# linked into at least two of the three programs (a module only one program
# links belongs in that program's folder), and every C file under lib/,
# fcgi/ and importer/ opens with a comment saying what it is for.
# Usage: test_layout.sh BUILD_DIR
set -euo pipefail
BUILD=$(realpath "$1")
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
progs=("$BUILD/importer/flowinspector-importer" "$BUILD/importer/probe/flowinspector-probe"
	"$BUILD/fcgi/flowinspector-fcgi")
lib=$BUILD/lib/libfi_common.a
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for p in "${progs[@]}"; do
	nm --defined-only "$p" | awk '$2 ~ /^[TDRB]$/ {print $3}' | sort -u >"$tmp/$(basename "$p").syms"
done

checked=0
for src in "$top"/lib/*.c; do
	obj=$(basename "$src").o
	# the module's own global functions and data, as the archive holds them
	nm --defined-only "$lib" 2>/dev/null |
		awk -v o="$obj" '/:$/ {cur = $0; sub(/:$/, "", cur); next}
			cur == o && $2 ~ /^[TDRB]$/ {print $3}' | sort -u >"$tmp/mod"
	if [[ ! -s $tmp/mod ]]; then
		echo "FAIL $src: no global symbols found in $lib"
		fail=1
		continue
	fi
	users=()
	for p in "${progs[@]}"; do
		if [[ -n $(comm -12 "$tmp/mod" "$tmp/$(basename "$p").syms") ]]; then
			users+=("$(basename "$p")")
		fi
	done
	if ((${#users[@]} < 2)); then
		echo "FAIL lib/$(basename "$src") is linked by ${#users[@]} program(s): ${users[*]:-none}"
		fail=1
	else
		echo "ok   lib/$(basename "$src"): ${users[*]}"
	fi
	checked=$((checked + 1))
done
((checked > 0)) || {
	echo "FAIL no module of lib/ checked"
	fail=1
}

while IFS= read -r f; do
	if [[ $(head -c 2 "$f") != "/*" ]]; then
		echo "FAIL ${f#"$top"/} does not open with a comment saying what it is for"
		fail=1
	fi
done < <(find "$top/lib" "$top/fcgi" "$top/importer" -name '*.[ch]')
exit $fail
