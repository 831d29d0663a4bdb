#!/usr/bin/env bash
# test_redis_parts.sh: start.sh --redis-partitions 3 brings up three redis
# instances on loopback, one per queue partition (issue 17): each with its
# own port, dir and AOF, so a key pushed to one is in no other; a partition
# SIGKILLed leaves the others answering and, started again, still holds its
# list; stop.sh leaves no server and no file behind.
# Runs on a harness of its own (the shared one has one redis).
set -uo pipefail
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
. "$FI_SOURCE_DIR/tests/harness/lib.sh"
T_NAME=harness_redis_parts
own=$(mktemp -d "${TMPDIR:-/tmp}/fi-redis-parts.XXXXXX")
H=$own/h
trap 'bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$H" >/dev/null 2>&1; rm -rf "$own"' EXIT

# The pids of redis-server processes belonging to this harness.
servers()
{
	harness_strays "$own" | awk '$2 ~ /redis-server/ { print $1 }'
}

# len K: the length of list fi:parts on partition K.
len()
{
	harness_redis_part_cli "$1" LLEN fi:parts
}

check_contains "a bad count is refused" \
	"$(bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$own/bad" --redis-partitions x 2>&1)" \
	"--redis-partitions takes a number"
check_contains "partitions need the first redis" \
	"$(bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$own/bad" --no-redis \
		--redis-partitions 2 2>&1)" "not with --no-redis"
if ! bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$H" --no-mariadb --no-nginx \
	--redis-partitions 3 2>"$own/start.log"; then
	cat "$own/start.log" >&2
	t_fail "the harness did not start"
	t_done
fi
harness_load_env "$H" || {
	t_fail "no env file"
	t_done
}

# What DIR/env tells a client.
check_eq "env: three partitions" "$FI_TEST_REDIS_PARTITIONS" 3
check_contains "env: partition 3's port" "$(cat "$H/env")" "FI_TEST_REDIS3_PORT=$FI_TEST_REDIS3_PORT"
ports=("$FI_TEST_REDIS_PORT" "$FI_TEST_REDIS2_PORT" "$FI_TEST_REDIS3_PORT")
check_eq "env: three distinct numeric ports" \
	"$(printf '%s\n' "${ports[@]}" | grep -x '[0-9][0-9]*' | sort -u | wc -l | tr -d ' ')" 3
check_eq "partition 1 is the harness's redis" "$(harness_redis_part_port 1)" "$FI_TEST_REDIS_PORT"
for k in 1 2 3; do
	check_eq "partition $k answers on its port" \
		"$(harness_redis_part_cli "$k" CONFIG GET port | tail -n 1)" "${ports[k - 1]}"
	check_eq "partition $k keeps an AOF" \
		"$(harness_redis_part_cli "$k" CONFIG GET appendonly | tail -n 1)" yes
done
check_eq "partition 2 lives in DIR/redis-2" \
	"$(harness_redis_part_cli 2 CONFIG GET dir | tail -n 1)" "$H/redis-2"
check_eq "three redis servers run" "$(servers | wc -l | tr -d ' ')" 3

# Each partition is a redis of its own.
for k in 1 2 3; do
	mapfile -t items < <(seq "$k")
	harness_redis_part_cli "$k" RPUSH fi:parts "${items[@]}" >/dev/null
done
check_eq "lists of 1, 2 and 3 elements" "$(len 1) $(len 2) $(len 3)" "1 2 3"

# Partition 2 crashes: the others answer; restarted, its AOF gave it its list.
check_cmd "SIGKILL partition 2" harness_kill_redis_part 2
check_cmd "partition 2 is down" test -z "$(len 2 2>/dev/null)"
check_eq "partitions 1 and 3 go on" "$(harness_redis_part_cli 1 RPUSH fi:parts x) \
$(harness_redis_part_cli 3 RPUSH fi:parts x)" "2 4"
check_cmd "partition 2 starts again" harness_start_redis_part 2
check_eq "partition 2 on the same port" "$(harness_redis_part_port 2)" "${ports[1]}"
check_eq "partition 2 kept its list" "$(harness_redis_part_cli 2 --raw LRANGE fi:parts 0 -1 |
	paste -sd,)" "1,2"
check_cmd "the env has partition 2's new pid" grep -q \
	"FI_TEST_REDIS2_PID=$(harness_pid redis2)\$" "$H/env"

begin=$SECONDS
check_cmd "stop.sh" bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$H"
check_cmd "stopped within 20 s" test $((SECONDS - begin)) -lt 20
check_eq "no server of the harness left" "$(servers)" ""
check_cmd "the state dir is gone" test ! -e "$H"
t_done
