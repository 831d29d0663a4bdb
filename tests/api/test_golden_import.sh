#!/usr/bin/env bash
# test_golden_import.sh: the golden data set of test_golden.sh, but imported
# the way production data is: as VERMONT queue elements through redis and
# flowinspector-importer. The answers must be the same expected JSON that
# golden.py computed, so the API and the importer agree on every number.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
api_setup golden_import

python3 "$FI_SOURCE_DIR/tests/api/golden.py" "$T_TMP/golden" >/dev/null
check_cmd "push the golden flows" t_push "$T_TMP/golden/flows.jsonl"
check_cmd "importer --once" "$T_IMPORTER" -c "$T_CONF" --once
check_eq "no dead letters" "$(harness_redis_cli LLEN "$T_DEAD")" 0
api_start_responder && api_start_nginx || t_done

api_check_golden
t_done
