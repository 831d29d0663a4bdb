#!/usr/bin/env bash
# test_quickstart.sh: deploy/quickstart.sh in a temporary state directory, on
# free ports (so a developer's own quickstart keeps running): the sample
# capture ends up in the database with the totals its generator recorded
# (and in the API's answer, once the API is there); a second run imports
# nothing; `stop` leaves nothing running; a start after the stop keeps data.
# Its secrets: the config with both database passwords is the user's alone
# (0600) in a state directory that only the user may enter (0700), and
# MariaDB's root cannot log in over TCP without a password (only over the
# socket inside that directory), while the quickstart still works.
set -uo pipefail
BUILD=$(realpath "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/shell/testlib.sh"
fi_test_local quickstart
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fi-qs.XXXXXX")
state=$tmp/state
qs=$top/deploy/quickstart.sh

# Free ports are chosen here and taken by the servers a moment later: on a
# busy machine another harness can take one in between. Only that failure
# ("cannot start the servers") is retried, with fresh ports.
pick_ports()
{
	local p
	ports=()
	while [[ ${#ports[@]} -lt 4 ]]; do
		p=$(harness_free_port) || exit 1
		[[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
	done
	export FI_STATE_DIR=$state FI_BUILD_DIR=$BUILD FI_HTTP_PORT=${ports[0]} \
		FI_MYSQL_PORT=${ports[1]} FI_REDIS_PORT=${ports[2]} FI_FCGI_PORT=${ports[3]}
}
# if this test is killed, the harness's reaper stops the servers
export FI_HARNESS_OWNER=$$
cleanup()
{
	bash "$qs" stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

sql()
{
	mariadb --no-defaults --socket="$state/mysql/mysql.sock" -uroot -N -B flowinspector -e "$1"
}

totals()
{
	sql "SELECT SUM(tcp_packets + udp_packets + icmp_packets + other_packets),
		SUM(tcp_bytes + udp_bytes + icmp_bytes + other_bytes),
		ROUND(SUM(tcp_flows + udp_flows + icmp_flows + other_flows), 6),
		MIN(bucket), MAX(bucket) FROM totals_86400"
}

for attempt in 1 2 3; do
	pick_ports
	out=$(bash "$qs" 2>&1)
	rc=$?
	[[ $rc -ne 0 && $out == *"cannot start the servers"* ]] || break
	echo "quickstart test: the servers did not start (attempt $attempt); new ports"
	bash "$qs" stop >/dev/null 2>&1
	rm -rf "$state"
done
check_eq "first run: exit status" "$rc" "0"
echo "$out" | grep '^quickstart:'
check_contains "first run: prints the URL" "$out" "site: http://127.0.0.1:$FI_HTTP_PORT/"
check_contains "first run: imports the sample" "$out" "importing the sample capture"
pushed=$(grep -o '[0-9]* pushed;' <<<"$out" | cut -d' ' -f1)
read -r pk by first last < <(python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
print(s['packets'], s['ip_bytes'], s['first'] // 86400 * 86400, s['last'] // 86400 * 86400)" \
	"$top/deploy/sample/sample.json")
want=$(printf '%s\t%s\t%s.000000\t%s\t%s' "$pk" "$by" "$pushed" "$first" "$last")
check_eq "database totals = the sample's" "$(totals)" "$want"
check_eq "the config with the passwords is the user's alone" \
	"$(stat -c %a "$state/flowinspector.conf")" "600"
check_eq "the state dir is the user's alone" "$(stat -c %a "$state")" "700"
# no other file of the state dir is readable by others and holds a password
leaks=$(find "$state" -type f -perm -o+r -exec grep -l 'quickstart-\(importer\|responder\)' {} + 2>/dev/null)
check_eq "no world-readable file holds a password" "$leaks" ""
root_tcp()
{
	mariadb --no-defaults -h 127.0.0.1 -P "$FI_MYSQL_PORT" -u root -N -B -e "SELECT 1" 2>&1
}
out=$(root_tcp)
check_eq "MariaDB root over TCP without a password: refused" "$?" "1"
check_contains "MariaDB root over TCP: no such login" "$out" "is not allowed to connect"
# per-key rows are stored for 60 s buckets only (flow_detail_sizes); the
# totals are stored for every size
tp="tcp_packets + udp_packets + icmp_packets + other_packets"
check_eq "every size has the sample" \
	"$(sql "SELECT (SELECT SUM(packets) FROM flows_60), (SELECT SUM($tp) FROM totals_600),
		(SELECT SUM($tp) FROM totals_3600)")" "$(printf '%s\t%s\t%s' "$pk" "$pk" "$pk")"
check_eq "the pages are served" \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$FI_HTTP_PORT/")" "200"
# d3 from static/vendor/ (deploy/vendor.sh), and a deep link to a page
check_eq "d3 is served" \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$FI_HTTP_PORT/vendor/d3.min.js")" "200"
check_contains "a page's URL is the app" \
	"$(curl -s "http://127.0.0.1:$FI_HTTP_PORT/flow-details?include_ports=53")" '/js/app.js'
if [[ -f $top/deploy/nginx/flowinspector.conf ]]; then
	api=$(curl -s "http://127.0.0.1:$FI_HTTP_PORT/api/bucket/query?bucket_size=86400")
	check_eq "the API answers with the sample's packets" "$(python3 -c "
import json, sys
print(sum(r['packetDeltaCount'] for r in json.loads(sys.argv[1])['results']))" "$api")" "$pk"
fi

before=$(totals)
out=$(bash "$qs" 2>&1)
check_eq "second run: exit status" "$?" "0"
check_contains "second run: the sample is not pushed again" "$out" "was imported before"
sleep 2
check_eq "second run: totals unchanged" "$(totals)" "$before"

out=$(bash "$qs" stop 2>&1)
check_eq "stop: exit status" "$?" "0"
check_eq "stop: no server left" "$(harness_strays "$state" --with-reaper)" ""
check_eq "stop: no program of the state dir left" \
	"$(ps -eo pid=,args= | grep -F "$state" | grep -v grep)" ""

out=$(bash "$qs" 2>&1)
check_eq "start after stop: exit status" "$?" "0"
check_contains "start after stop: keeps the data" "$out" "restarting the servers"
check_eq "start after stop: totals kept" "$(totals)" "$before"
check_eq "start after stop: root still refused over TCP" "$(root_tcp >/dev/null; echo $?)" "1"
check_eq "start after stop: the config still the user's alone" \
	"$(stat -c %a "$state/flowinspector.conf")" "600"
bash "$qs" stop >/dev/null 2>&1
check_eq "stop again: nothing left" "$(ps -eo pid=,args= | grep -F "$state" | grep -v grep)" ""
t_done
