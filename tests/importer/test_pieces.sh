#!/usr/bin/env bash
# test_pieces.sh: bounded write sets (issue 17). With write_set_rows set,
# the importer cuts a batch's larger tables into pieces of at most that many
# rows, one transaction and one fi_batches record each, and flushes a batch
# early once its totals (one transaction) reach it. Shown three ways:
#  1. on the shared MariaDB: every transaction the importer logs holds at
#     most write_set_rows rows (the totals at most one take's rows more),
#     pieces are recorded, and the tables are exact;
#  2. a SIGKILL while a batch is half written in pieces of 300 rows, then a
#     restart with write_set_rows = 700: the batch read again is cut as it
#     was first (the piece size recorded with its totals), later ones by
#     the new setting, and every table is still exact;
#  3. on a Galera cluster (a harness of its own) with wsrep_max_ws_rows =
#     1200: an importer with no bound fails on it and takes nothing in; with
#     write_set_rows = 500 the same queue drains, exactly.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup pieces
own=""
cleanup()
{
	fi_test_cleanup
	if [[ -n $own ]]; then
		bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$own/h" >/dev/null 2>&1
		rm -rf "$own"
	fi
}
trap cleanup EXIT
sed -i 's/^log_level = .*/log_level = debug/' "$T_CONF"
cat >>"$T_CONF" <<CONF
retention_days = 0
flush_interval = 60
batch_size = 50
rollup_workers = 0
write_set_rows = 500
CONF
check_cmd "--init-db" "$T_IMPORTER" -c "$T_CONF" --init-db || t_done

# the rows of each transaction the importer logged (debug: "NAME: N rows in")
# in LOG from line FROM on, as "NAME N" lines
written()
{
	tail -n +"${2:-1}" "$1" | sed -n 's/.* \([a-z0-9_.]*\): \([0-9]*\) rows in .*/\1 \2/p'
}

# 1. two hours of flows (big tables, about 410 totals rows), then two days
# of few (many totals rows, flushed early)
python3 "$T_FLOWREF" gen --count 40000 --seed 23 --max-duration 30 >"$T_TMP/one.jsonl"
python3 "$T_FLOWREF" gen --count 10000 --seed 31 --start 1700100000 --span 172800 \
	--max-duration 30 >>"$T_TMP/one.jsonl"
check_cmd "push 50,000 flows" t_push "$T_TMP/one.jsonl"
check_cmd "import them (--once)" "$T_IMPORTER" -c "$T_CONF" --once \
	>>"$T_TMP/importer.log" 2>&1
written "$T_TMP/importer.log" >"$T_TMP/w1.txt"
pieces=$(grep -c '\.[0-9]* ' "$T_TMP/w1.txt")
most=$(awk '$1 != "totals" && $2 > m { m = $2 } END { print m + 0 }' "$T_TMP/w1.txt")
totals=$(awk '$1 == "totals" && $2 > m { m = $2 } END { print m + 0 }' "$T_TMP/w1.txt")
batches=$(t_sql "SELECT COUNT(DISTINCT batch_id) FROM fi_batches")
echo "pieces: $batches batches, $pieces pieces, largest part $most rows, largest totals $totals"
check_cmd "tables were cut into pieces ($pieces)" test "$pieces" -gt 50
check_cmd "no part or piece over 500 rows ($most)" test "$most" -le 500 -a "$most" -gt 0
# a take is 50 elements of at most 2 buckets in each of 4 sizes: 400 rows
check_cmd "the totals stay under 500 and one take ($totals)" test "$totals" -le 900
check_cmd "... by flushing early: many batches ($batches)" test "$batches" -gt 10
check_eq "the pieces' records keep their size" \
	"$(t_sql "SELECT COUNT(*) FROM fi_batches WHERE part LIKE 'flows\_60.%' AND piece_rows <> 500")" 0
t_check_tables "$T_TMP/one.jsonl"

# 2. ten minutes of many flows: a flows_60 table of ~150 pieces of 300
python3 "$T_FLOWREF" gen --count 50000 --seed 29 --start 1700300000 --span 600 \
	--max-duration 30 >"$T_TMP/two.jsonl"
sed -i 's/^write_set_rows = .*/write_set_rows = 300/; s/^batch_size = .*/batch_size = 5000/' \
	"$T_CONF"
check_cmd "push 50,000 more" t_push "$T_TMP/two.jsonl"
from=$(($(wc -l <"$T_TMP/importer.log") + 1))
t_importer_start
for ((i = 0; i < 1500; i++)); do
	tail -n +"$from" "$T_TMP/importer.log" | grep -q ' flows_60\.[0-9]*: ' && break
	sleep 0.02
done
kill -KILL "$T_PID"
wait "$T_PID" 2>/dev/null
held=$(harness_redis_cli --raw KEYS "fi:batch:$T_NAME-$$:*" | wc -l)
check_cmd "SIGKILLed with a batch half written ($held held in redis)" test "$held" -gt 0
sed -i 's/^write_set_rows = .*/write_set_rows = 700/' "$T_CONF"
from=$(($(wc -l <"$T_TMP/importer.log") + 1))
check_cmd "restarted with write_set_rows = 700 (--once)" "$T_IMPORTER" -c "$T_CONF" --once \
	>>"$T_TMP/importer.log" 2>&1
check_cmd "the batch read again keeps its cut" \
	grep -q 'partly written before keep their cut' "$T_TMP/importer.log"
written "$T_TMP/importer.log" "$from" >"$T_TMP/w2.txt"
check_eq "pieces of both sizes recorded" "$(t_sql "SELECT GROUP_CONCAT(DISTINCT piece_rows
	ORDER BY piece_rows) FROM fi_batches WHERE part LIKE 'flows\_60.%'")" "300,500,700"
most=$(awk '$1 != "totals" && $2 > m { m = $2 } END { print m + 0 }' "$T_TMP/w2.txt")
check_cmd "no piece over 700 rows after the restart ($most)" test "$most" -le 700
MIN_ROWS=50000 t_check_tables "$T_TMP/one.jsonl" "$T_TMP/two.jsonl"

# 3. Galera's own bound
own=$(mktemp -d "${TMPDIR:-/tmp}/fi-pieces-galera.XXXXXX")
chmod 711 "$own" # the nodes run as mysql, which must reach their dirs
if ! bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$own/h" --galera --no-redis --no-nginx \
	--no-mariadb 2>"$own/start.log"; then
	cat "$own/start.log" >&2
	t_fail "the cluster did not start"
	t_done
fi
eval "$(grep '^export FI_TEST_GALERA1' "$own/h/env")"
gsql()
{
	mariadb --no-defaults --socket="$FI_TEST_GALERA1_SOCKET" -uroot -N -B "$@"
}
# from here on the test's database is the cluster's (root's client and the
# reference checker go to node 1)
cleanup_db()
{
	gsql -e "DROP DATABASE IF EXISTS \`$T_DB\`" 2>/dev/null
}
harness_mysql()
{
	mariadb --no-defaults --socket="$FI_TEST_GALERA1_SOCKET" -uroot "$@"
}
export FI_TEST_MYSQL_SOCKET=$FI_TEST_GALERA1_SOCKET
sed -i -e "s/^db_port = .*/db_port = $FI_TEST_GALERA1_PORT/" \
	-e "s/^write_set_rows = .*/write_set_rows = 0/" \
	-e "s/^consumer_name = .*/consumer_name = pieces-g-$$/" "$T_CONF"
check_cmd "--init-db on the cluster" "$T_IMPORTER" -c "$T_CONF" --init-db || t_done
check_cmd "wsrep_max_ws_rows = 1200 on node 1" gsql -e "SET GLOBAL wsrep_max_ws_rows = 1200"
check_cmd "push the 50,000 flows of ten minutes" t_push "$T_TMP/two.jsonl"
from=$(($(wc -l <"$T_TMP/importer.log") + 1))
t_importer_start
for ((i = 0; i < 600; i++)); do
	tail -n +"$from" "$T_TMP/importer.log" | grep -q 'wsrep_max_ws_rows exceeded' && break
	sleep 0.1
done
check_cmd "with no bound, the cluster refuses the write set" \
	grep -q 'wsrep_max_ws_rows exceeded' <(tail -n +"$from" "$T_TMP/importer.log")
kill -TERM "$T_PID"
t_wait_exit "$T_PID" "$T_TMP/importer.log"
check_cmd "... and it waits in redis" test "$(harness_redis_cli --raw KEYS "fi:batch:pieces-g-$$:*" |
	wc -l)" -gt 0
sed -i 's/^write_set_rows = .*/write_set_rows = 500/; s/^batch_size = .*/batch_size = 50/' \
	"$T_CONF"
from=$(($(wc -l <"$T_TMP/importer.log") + 1))
check_cmd "with write_set_rows = 500 it drains (--once)" "$T_IMPORTER" -c "$T_CONF" --once \
	>>"$T_TMP/importer.log" 2>&1
written "$T_TMP/importer.log" "$from" >"$T_TMP/w3.txt"
check_eq "no write refused by the cluster" \
	"$(tail -n +"$from" "$T_TMP/importer.log" | grep -c 'wsrep_max_ws_rows exceeded')" 0
check_cmd "in pieces ($(grep -c '\.[0-9]* ' "$T_TMP/w3.txt"))" \
	test "$(grep -c '\.[0-9]* ' "$T_TMP/w3.txt")" -gt 10
MIN_ROWS=40000 t_check_tables "$T_TMP/two.jsonl"
cleanup_db
t_done
