#!/usr/bin/env bash
# Runs a command with a harness's variables (DIR/env: FI_TEST_MYSQL_PORT and the
# rest) in its environment; for ctest tests, whose ports are only known at run time.
# Usage: with-env.sh DIR COMMAND [ARGS...]
set -euo pipefail

if [[ $# -lt 2 ]]; then
	echo "usage: with-env.sh DIR COMMAND [ARGS...]" >&2
	exit 2
fi
if [[ ! -r $1/env ]]; then
	echo "with-env.sh: no harness env in $1 (did the start fixture run?)" >&2
	exit 1
fi
# shellcheck source=/dev/null
. "$1/env"
shift
exec "$@"
