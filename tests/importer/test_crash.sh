#!/usr/bin/env bash
# test_crash.sh: 200,000 flows imported while the importer is SIGKILLed at
# random moments (at least five times) and MariaDB and redis (AOF on) are
# each killed and restarted once; after draining, every bucket table is
# exact. Runs on its own harness, since it kills the servers.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/harness/lib.sh"
own=$(mktemp -d "${TMPDIR:-/tmp}/fi-crash-harness.XXXXXX")
# exported: harness_start_redis writes redis.conf again at each restart below
export FI_HARNESS_REDIS_FSYNC=always
bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$own" --no-nginx || exit 1
FI_HARNESS_DIR=$own
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup crash
trap 'fi_test_cleanup; bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$own"' EXIT
sed -i 's/^log_level = warn$/log_level = info/' "$T_CONF"
cat >>"$T_CONF" <<CONF
retention_days = 0
flush_interval = 1
batch_size = 2000
CONF

check_cmd "--init-db" "$T_IMPORTER" -c "$T_CONF" --init-db
python3 "$T_FLOWREF" gen --count 200000 --seed 11 >"$T_TMP/gen.jsonl"
check_cmd "push" t_push "$T_TMP/gen.jsonl"

RANDOM=42
kills=0
t_importer_start
for round in 1 2 3 4 5 6 7; do
	sleep "$((RANDOM % 15 + 3))e-1"
	case $round in
	3)
		harness_kill_mariadb
		sleep 1
		check_cmd "MariaDB restart" harness_start_mariadb
		;;
	5)
		harness_kill_redis
		sleep 1
		check_cmd "redis restart" harness_start_redis
		;;
	esac
	if kill -0 "$T_PID" 2>/dev/null; then
		kill -KILL "$T_PID"
		wait "$T_PID" 2>/dev/null
		kills=$((kills + 1))
	fi
	t_importer_start
done
echo "crash: importer killed $kills times"
if ((kills >= 5)); then t_ok; else t_fail "only $kills kills landed"; fi
check_cmd "drained" t_wait_drained
kill -TERM "$T_PID"
t_wait_exit "$T_PID" "$T_TMP/importer.log"
check_eq "importer exit status after SIGTERM" "$?" "0"
check_eq "no dead letters" "$(harness_redis_cli LLEN "$T_DEAD")" "0"
check_eq "flows recorded with the batches" "$(t_sql "SELECT SUM(flows) FROM fi_batches WHERE consumer = 'crash-$$' AND part = 'totals_60'")" "200000"
recovered=$(grep -c "recovering batch" "$T_TMP/importer.log")
echo "crash: batches recovered after a kill: $recovered"
if ((recovered > 0)); then t_ok; else t_fail "no kill left a batch to recover"; fi
MIN_ROWS=500000 t_check_tables "$T_TMP/gen.jsonl"
t_done
