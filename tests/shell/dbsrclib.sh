# shellcheck shell=bash
# dbsrclib.sh: helpers of the database-source tests (argus, VERMONT tables):
# source databases with per-test names (the shipped dumps name fixed
# databases, so they are rewritten while loading), imports with their
# output kept, and the independent reference tools/dbsrcref.py.
# Usage: after testlib.sh's fi_test_setup, call ds_setup.

DS_DBS=()

# ds_setup: the destination schema, the source settings in T_CONF, cleanup.
ds_setup()
{
	T_DBSRCREF=$FI_SOURCE_DIR/tests/tools/dbsrcref.py
	DS_N=0
	trap 'ds_cleanup; fi_test_cleanup' EXIT
	# old captures: retention must not delete them
	echo "retention_days = 0" >>"$T_CONF"
	# every size keeps its own per-key rows: the tests read flows_86400 as
	# the per-day view of each source row (the default sums it from flows_60)
	echo "flow_detail_sizes = all" >>"$T_CONF"
	export DETAIL_SIZES=all
	check_cmd "--init-db" "$T_IMPORTER" -c "$T_CONF" --init-db
	cat >>"$T_CONF" <<CONF
src_host = 127.0.0.1
src_port = $FI_TEST_MYSQL_PORT
src_user = root
CONF
}

ds_cleanup()
{
	local db
	for db in "${DS_DBS[@]}"; do
		harness_mysql -e "DROP DATABASE IF EXISTS \`$db\`" 2>/dev/null || true
	done
}

# ds_db NAME: the per-test name of source database NAME.
ds_db()
{
	echo "${T_DB}_$1"
}

# ds_create NAME...: creates (empty) source databases.
ds_create()
{
	local n
	for n in "$@"; do
		DS_DBS+=("$(ds_db "$n")")
		harness_mysql -e "CREATE DATABASE \`$(ds_db "$n")\`"
	done
}

# ds_load_dump FILE PREFIX NAME...: loads a mysqldump file whose databases
# NAME... become $(ds_db PREFIXNAME).
ds_load_dump()
{
	local file=$1 prefix=$2 n args=()
	shift 2
	for n in "$@"; do
		DS_DBS+=("$(ds_db "$prefix$n")")
		args+=(-e "/^CREATE DATABASE \|^USE /s/\`$n\`/\`$(ds_db "$prefix$n")\`/")
	done
	sed "${args[@]}" "$file" | harness_mysql
}

# ds_sql NAME SQL: runs SQL in source database NAME.
ds_sql()
{
	harness_mysql -N -B "$(ds_db "$1")" -e "$2"
}

# ds_import ARGS...: one import run with -v; its output is in DS_OUT, its exit
# status is returned (and in DS_RC).
ds_import()
{
	DS_N=$((DS_N + 1))
	"$T_IMPORTER" -c "$T_CONF" -v "$@" >"$T_TMP/import.$DS_N.log" 2>&1
	DS_RC=$?
	DS_OUT=$(cat "$T_TMP/import.$DS_N.log")
	return $DS_RC
}

# ds_ref KIND OUT ARGS...: writes the reference flows of the source tables
# (dbsrcref.py flows --kind KIND ARGS...) to OUT, its counts to OUT.stats.
ds_ref()
{
	local kind=$1 out=$2
	shift 2
	python3 "$T_DBSRCREF" flows --kind "$kind" --socket "$FI_TEST_MYSQL_SOCKET" "$@" \
		>"$out" 2>"$out.stats"
}

# ds_stat FILE KEY: a count from a ds_ref stats file.
ds_stat()
{
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1.stats" "$2"
}

# ds_totals: "flows packets bytes" summed over the coarsest bucket table.
ds_totals()
{
	t_sql "SELECT ROUND(SUM(flows)), SUM(packets), SUM(bytes) FROM flows_86400"
}

# importer_gone: waits until the server has noticed that a killed importer's
# connections are gone (and with them its transaction and lock).
importer_gone()
{
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(harness_mysql -N -B -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST
			WHERE USER = '$T_USER'") == 0 ]] && return 0
		sleep 0.1
	done
	t_fail "the killed importer's connections stay"
}
