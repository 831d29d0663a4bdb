#!/usr/bin/env bash
# test_attacks.sh: the site as an attacker meets it, through nginx with the
# deployed config: tests/api/attacks.py sends its list of attacks (injection
# payloads in every parameter of every route, path traversal, request
# smuggling, oversized requests, methods), each with its expected status and
# a JSON error under /api/; test_bad_input.sh has the API's own refusals of
# bad values with their messages, this one the attack list. Afterwards every
# table of the database is unchanged (CHECKSUM TABLE), no database or
# account was added, no worker of the responder died, and it still answers.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
api_setup attacks

check_cmd "load the golden data set" api_load_golden
api_start_responder && api_start_nginx || t_done

# Every table of the test's database, the databases and the accounts. Other
# tests run at the same time on the same server, each with a database and
# accounts named NAME_PID (tests/shell/testlib.sh): those come and go and are
# left out; anything else added, or this test's own, is caught (but the
# heartbeat row, which the server's event scheduler rewrites every second).
others()
{
	grep -Ev "_[0-9]+([[:space:]]|$)" | cat
}
state()
{
	local tables
	tables=$(t_sql "SHOW TABLES" | grep -vx fi_heartbeat | sort | paste -sd, -)
	t_sql "CHECKSUM TABLE $tables"
	t_sql "SHOW DATABASES" | others
	t_sql "SHOW DATABASES LIKE '$T_DB'"
	t_sql "SELECT user, host FROM mysql.user ORDER BY user, host" | others
	t_sql "SHOW GRANTS FOR '$T_RO_USER'@'127.0.0.1'"
	t_sql "SHOW GRANTS FOR '$T_USER'@'127.0.0.1'"
}
before=$(state)
check_contains "the checksums cover the bucket tables" "$before" "flows_600"
workers=$(api_workers)
port=${T_URL##*:}

out=$(timeout 600 python3 "$FI_SOURCE_DIR/tests/api/attacks.py" 127.0.0.1 "$port" 2>&1)
rc=$?
echo "$out" | tail -n 60
check_eq "attacks.py: every attack got its answer" "$rc" 0

after=$(state)
if [[ $after == "$before" ]]; then
	t_ok
else
	t_fail "the database changed: $(diff <(echo "$before") <(echo "$after"))"
fi
check_eq "no worker died" "$(api_workers)" "$workers"
api_get "/api/bucket/query?bucket_size=600&limit=1"
check_eq "still answering" "$R_STATUS" 200
t_done
