#!/usr/bin/env bash
# The project's test command (CI runs it through .ci/run): installs missing packages,
# builds and ctests a RelWithDebInfo and an ASan+UBSan build (ctest fixtures start the
# servers via tests/harness), checks no server outlived ctest, builds every other
# configuration (Release, Debug, MinSizeRel; gcc and clang), checks the style, and
# runs tests/bench/*.sh if FI_BENCH=1. All stages run; exit 1 if any failed.
# Usage: tests/run.sh [--quick] [--keep-going]   (--quick: deps, rel build, its ctest)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

quick=0
for arg in "$@"; do
	case $arg in
	--quick) quick=1 ;;
	--keep-going) ;; # the default: every stage runs
	-h | --help)
		sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
		exit 0
		;;
	*)
		echo "run.sh: unknown option $arg" >&2
		exit 2
		;;
	esac
done

jobs=2
results=()
passed=0
failed=0
declare -A ok=()

# Runs `stage NAME CMD...`: CMD in a subshell with set -e, its result recorded.
stage()
{
	local name=$1 rc=0 begin=$SECONDS
	shift
	printf '\n==> %s\n' "$name"
	set +e
	(
		set -e
		"$@"
	)
	rc=$?
	set -e
	if [[ $rc -eq 0 ]]; then
		passed=$((passed + 1))
		ok[$name]=1
		results+=("PASS  $name ($((SECONDS - begin)) s)")
	else
		failed=$((failed + 1))
		ok[$name]=0
		results+=("FAIL  $name ($((SECONDS - begin)) s, exit $rc)")
	fi
	printf '==> %s: %s\n' "$name" "$([[ $rc -eq 0 ]] && echo passed || echo "FAILED ($rc)")"
}

# Records a stage that could not run because NEEDED failed (counted as neither).
skip()
{
	results+=("SKIP  $1 (needs $2)")
	printf '\n==> %s: skipped, %s failed\n' "$1" "$2"
}

build()
{
	local dir=$1
	shift
	cmake -S . -B "$dir" -DFI_WERROR=ON "$@"
	cmake --build "$dir" -j"$jobs"
}

run_ctest()
{
	ctest --test-dir "$1" --output-on-failure -j"$jobs"
}

run_ctest_asan()
{
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		run_ctest "$1"
}

# ctest's cleanup fixture (or, if ctest died, the harness reaper) must have stopped
# every server; give a reaper a moment, then name what is left.
no_leftovers()
{
	# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
	. tests/harness/lib.sh
	local left deadline=$((SECONDS + 30))
	while :; do
		left=$(for d in "$@"; do harness_strays "$root/$d" --with-reaper; done)
		[[ -n $left ]] || return 0
		((SECONDS < deadline)) || break
		sleep 1
	done
	echo "still running after ctest:"
	printf '%s\n' "$left"
	echo "(stop them with tests/harness/stop.sh BUILD_DIR/harness)"
	return 1
}

run_with_build()
{
	local name=$1 dir=$2 fn=$3
	if [[ ${ok["build $dir"]:-0} == 1 ]]; then
		stage "$name" "$fn" "$dir"
	else
		skip "$name" "build $dir"
	fi
}

stage deps bash tests/deps.sh
if [[ -f package-lock.json ]]; then
	stage "npm ci" npm ci --no-audit --no-fund
fi

stage "build build/rel" build build/rel -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_with_build "ctest build/rel" build/rel run_ctest
dirs=(build/rel)

if [[ $quick == 0 ]]; then
	stage "build build/asan" build build/asan -DCMAKE_BUILD_TYPE=Debug -DFI_ASAN=ON -DFI_UBSAN=ON
	run_with_build "ctest build/asan" build/asan run_ctest_asan
	dirs+=(build/asan)
fi

stage "no servers left" no_leftovers "${dirs[@]}"

# Every configuration a user or packager picks builds warning-free (warnings
# are errors, FI_WERROR): each optimisation level with gcc and clang. The
# ctest builds above cover gcc -O2 and -O0 with sanitizers; these are built,
# not run.
build_configs()
{
	local cc type
	for cc in gcc clang; do
		for type in Release RelWithDebInfo Debug MinSizeRel; do
			[[ $cc == gcc && $type == RelWithDebInfo ]] && continue # build/rel
			echo "--- $cc $type"
			CC=$cc build "build/cfg-$cc-$type" -DCMAKE_BUILD_TYPE="$type" >/dev/null ||
				return 1
		done
	done
}
if [[ $quick == 0 ]]; then
	stage "build configurations" build_configs
fi

if [[ $quick == 0 ]]; then
	stage "style" bash tests/check-style.sh
	if [[ ${FI_BENCH:-0} == 1 ]]; then
		for b in tests/bench/*.sh; do
			if [[ -f $b && -x $b ]]; then
				stage "bench $(basename "$b" .sh)" "$b"
			fi
		done
	fi
fi

printf '\n==> summary\n'
printf '%s\n' "${results[@]}"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
