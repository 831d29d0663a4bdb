#!/usr/bin/env bash
# test_cli.sh: the command line every program shares: --help, --version,
# -n with a good, a bad and a missing config, and unknown options; the
# importer's file-source arguments it refuses.
set -uo pipefail
BUILD=$1
T_NAME=cli
. "$(dirname "$0")/../shell/testlib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'db_host = 127.0.0.1\nredis_port = 6380\n' >"$tmp/good.conf"
printf 'db_host = 127.0.0.1\n\nredis_port = many\n' >"$tmp/bad.conf"

for prog in importer/flowinspector-importer fcgi/flowinspector-fcgi importer/probe/flowinspector-probe; do
	bin=$BUILD/$prog
	name=${prog##*/}
	out=$("$bin" --help 2>&1)
	check_eq "$name --help exit" "$?" "0"
	check_contains "$name --help" "$out" "usage: $name"
	check_contains "$name --help lists keys" "$out" "flow_bucket_sizes"
	out=$("$bin" --version)
	check_eq "$name --version" "$out" "$name 0.1.0"
	out=$("$bin" -n -c "$tmp/good.conf" 2>&1)
	check_eq "$name -n good exit" "$?" "0"
	check_contains "$name -n good" "$out" "configuration OK ($tmp/good.conf)"
	out=$("$bin" -n -v -c "$tmp/good.conf" 2>&1)
	check_contains "$name -n -v prints the config" "$out" "redis_port = 6380"
	out=$(FLOWINSPECTOR_CONF=$tmp/good.conf "$bin" -n 2>&1)
	check_contains "$name -n via FLOWINSPECTOR_CONF" "$out" "($tmp/good.conf)"
	out=$("$bin" -n -c "$tmp/bad.conf" 2>&1)
	check_eq "$name -n bad exit" "$?" "1"
	check_eq "$name -n bad message" "$out" "$name: $tmp/bad.conf:3: redis_port: not a whole number in range"
	out=$("$bin" -n -c "$tmp/missing.conf" 2>&1)
	check_eq "$name -n missing exit" "$?" "1"
	check_contains "$name -n missing message" "$out" "$tmp/missing.conf: No such file or directory"
	"$bin" --no-such-option >/dev/null 2>&1
	check_eq "$name unknown option exit" "$?" "2"
done
# the file sources' arguments: what they refuse, and why
imp=$BUILD/importer/flowinspector-importer
out=$("$imp" -c "$tmp/good.conf" --zeek 2>&1)
check_eq "--zeek without a PATH: exit" "$?" "2"
check_contains "--zeek without a PATH: why" "$out" "needs a PATH"
out=$("$imp" -c "$tmp/good.conf" --zeek --follow - </dev/null 2>&1)
check_eq "--follow with standard input: exit" "$?" "2"
check_contains "--follow with standard input: why" "$out" "standard input is read once"
out=$("$imp" -c "$tmp/good.conf" --nfcapd - </dev/null 2>&1)
check_eq "--nfcapd with standard input: exit" "$?" "2"
check_contains "--nfcapd with standard input: why" "$out" "standard input is for Zeek logs"
out=$("$imp" -c "$tmp/good.conf" --zeek --argus-db "$tmp" 2>&1)
check_eq "a file source with a database source: exit" "$?" "2"
out=$("$imp" -c "$tmp/good.conf" "$tmp" 2>&1)
check_eq "a PATH without a file source: exit" "$?" "2"
check_contains "a PATH without a file source: why" "$out" "unexpected argument"
# the README's table documents every configuration key
for key in $("$BUILD/importer/flowinspector-importer" --help | sed -n '/^configuration keys/,$p' | awk 'NR > 1 {print $1}'); do
	check_contains "README documents $key" "$(cat "$(dirname "$0")/../../README.md")" "| \`$key\` |"
done
t_done
