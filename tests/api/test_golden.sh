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

api_check_golden
t_done
