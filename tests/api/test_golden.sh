#!/usr/bin/env bash
# test_golden.sh: every route with the parameters the pages send (and more),
# through the real nginx and responder, against answers computed
# independently by tests/api/golden.py from the same generated flows.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
api_setup golden

check_cmd "load the golden data set" api_load_golden
api_start_responder && api_start_nginx || t_done

while IFS=$'\t' read -r name uri; do
	api_get "$uri"
	check_eq "$name: status ($uri)" "$R_STATUS" 200
	check_json "$name ($uri)" "$R_BODY" "$(cat "$T_TMP/golden/expected/$name.json")"
done <"$T_TMP/golden/queries.tsv"
t_done
