#!/usr/bin/env bash
# test_bad_input.sh: a table of invalid requests through nginx. Each gets its
# status and a JSON {"error": ...} with a clear message (never HTML, never
# SQL), and afterwards the data is exactly as before.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
api_setup badinput

check_cmd "load the golden data set" api_load_golden
api_start_responder && api_start_nginx || t_done
before=$(api_data_checksum)

q=/api/bucket/query
long=$(printf 'a%.0s' $(seq 1 3000))
many=$(seq -s, 1 1500)
huge=$(printf 'x%.0s' $(seq 1 20000))
ips=$(for i in $(seq 1 1100); do printf '10.0.%d.%d,' $((i / 256)) $((i % 256)); done)
# status | URI | what the message must contain
while IFS='|' read -r status uri want; do
	[[ -n $status && $status != \#* ]] || continue
	uri=${uri//@LONG@/$long}
	uri=${uri//@MANY@/$many}
	uri=${uri//@HUGE@/$huge}
	uri=${uri//@IPS@/${ips%,}}
	api_get "$uri"
	what="${uri:0:70}"
	check_eq "$what: status" "$R_STATUS" "$status"
	check_contains "$what: JSON" "$(api_header content-type)" "application/json"
	msg=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["error"])' <<<"$R_BODY" 2>&1)
	check_contains "$what: message" "$msg" "$want"
	# client text may be quoted back; our statements never are
	if [[ $msg == *" FROM "* || $msg == *"syntax"* || $msg == *"?"*"?"* || $R_BODY == *"<html"* ]]; then
		t_fail "$what: the answer shows SQL or HTML: $R_BODY"
	fi
done <<'TABLE'
# non-numbers
400|/api/bucket/query?limit=abc|Param limit has to be an integer.
400|/api/bucket/query?limit=|Param limit has to be an integer.
400|/api/bucket/query?limit=1.5|Param limit has to be an integer.
400|/api/bucket/query?start_bucket=yesterday|Param start_bucket has to be an integer.
400|/api/bucket/query?end_bucket=1e9|Param end_bucket has to be an integer.
400|/api/dynamic/index/nodes?resolution=many|Param resolution has to be an integer.
400|/api/bucket/query?bucket_size=ten|Param bucket_size has to be an integer.
400|/api/bucket/query?include_ports=http|Ports have to be integers.
400|/api/bucket/query?include_ports=80,x|Ports have to be integers.
400|/api/bucket/query?include_ips=localhost|is not an IP address or prefix
400|/api/bucket/query?include_protos=sctp|Protocols have to be tcp, udp, icmp, other or numbers 0-255.
400|/api/bucket/query?biflow=maybe|Param biflow has to be empty, 1 or 0
# overflow and out of range
400|/api/bucket/query?limit=99999999999999999999999|Param limit is out of range.
400|/api/bucket/query?start_bucket=-99999999999999999999|Param start_bucket is out of range.
400|/api/bucket/query?bucket_size=300|This bucket size is not available.
400|/api/bucket/query?bucket_size=18446744073709552216|This bucket size is not available.
400|/api/bucket/query?include_ports=65536|Ports have to be between 0 and 65535.
400|/api/bucket/query?include_ips=10.0.0.256|is not an IP address or prefix
400|/api/bucket/query?include_ips=10.0.0.0/33|is not an IP address or prefix
400|/api/bucket/query?include_ips=4294967296|is not an IP address or prefix
400|/api/bucket/query?exclude_protos=256|Protocols have to be
# negative where it has no meaning
400|/api/bucket/query?include_ports=-1|Ports have to be between 0 and 65535.
400|/api/bucket/query?bucket_size=-600|This bucket size is not available.
400|/api/bucket/query?exclude_protos=-6|Protocols have to be
# unknown fields and parameters
400|/api/bucket/query?fields=srcIP|Param fields: unknown field "srcIP".
400|/api/bucket/query?sort=bytes%20desc|Param sort: unknown field "bytes".
400|/api/bucket/query?aggregate=flows|Param aggregate: unknown field "flows".
400|/api/bucket/query?sort=flows%20sideways|is not "field [asc|desc]"
400|/api/bucket/query?limt=10|Unknown parameter "limt".
400|/api/bucket/query?bucket_size=600&sort=src_flows|Param sort: field src_flows is not available
400|/api/index/nodes?sort=sourceIPv4Address|Param sort: field sourceIPv4Address is not available for an index
400|/api/index/nodes?biflow=1|Param biflow is not supported by the index without aggregate.
400|/api/dynamic/index/ports?aggregate=ipaddress,port|ipaddress and port cannot be combined
400|/api/bucket/query?bucket_size=600&aggregate=ipaddress,port|ipaddress and port cannot be combined
400|/api/bucket/query?bucket_size=600&aggregate=sourceIPv4Address&sort=destinationTransportPort|is neither aggregated nor in fields
# SQL fragments
400|/api/bucket/query?limit=1%20OR%201%3D1|Param limit has to be an integer.
400|/api/bucket/query?start_bucket=0%20OR%201%3D1|Param start_bucket has to be an integer.
400|/api/bucket/query?include_ips=1%20OR%201%3D1|is not an IP address or prefix
400|/api/bucket/query?include_ports=80)%20OR%20(1%3D1|Ports have to be integers.
400|/api/bucket/query?limit=1;DROP%20TABLE%20flows_600|Param limit has to be an integer.
400|/api/bucket/query?sort=flows;DROP%20TABLE%20flows_600|Param sort: "flows;DROP TABLE flows_600" is not "field [asc|desc]".
400|/api/bucket/query?sort=flows;DROP|Param sort: unknown field "flows;DROP".
400|/api/bucket/query?fields=bucket%3BDROP%20TABLE%20totals_60|Param fields: unknown field "bucket;DROP TABLE totals_60".
400|/api/bucket/query?aggregate=sourceIPv4Address%2C(SELECT%201)|Param aggregate: unknown field "(SELECT 1)".
400|/api/bucket/query?sort=flows%20desc%2C%20SLEEP(5)|Param sort: unknown field "SLEEP(5)".
400|/api/bucket/query?include_protos=6%27%20OR%20%271%27%3D%271|Protocols have to be
400|/api/bucket/query?fields=*|Param fields: unknown field "*".
# NUL and control characters
400|/api/bucket/query?limit=1%00|Param limit contains a control character.
400|/api/bucket/query?sort=flows%00desc|Param sort contains a control character.
400|/api/bucket/query?include_ips=10.0.0.1%00|Param include_ips contains a control character.
400|/api/bucket/query?fields=bucket%0d%0aX-Injected:%201|Param fields contains a control character.
400|/api/bucket/query?li%00mit=1|Unknown parameter "li?mit".
400|/api/bucket/query?limit=%zz|malformed %-escape
400|/api/bucket/query?limit=1%2|malformed %-escape
# over-long values and many items
400|/api/bucket/query?fields=@LONG@|Param fields: unknown field "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...".
400|/api/bucket/query?include_ports=@MANY@|Param include_ports has more than 1024 items.
400|/api/bucket/query?include_ips=@IPS@|The query string is longer than 8192 bytes.
400|/api/bucket/query?sort=flows,flows,flows,flows,flows,flows,flows,flows,flows|Param sort has more than 8 keys.
400|/api/bucket/query?x=@LONG@@LONG@@LONG@|The query string is longer than 8192 bytes.
414|/api/bucket/query?x=@HUGE@|The request line is too long.
# repeated keys
400|/api/bucket/query?limit=1&limit=2|Param limit is given more than once.
400|/api/bucket/query?include_ports=80&include_ports=443|Param include_ports is given more than once.
400|/api/bucket/query?sort=flows&sort=bucket|Param sort is given more than once.
400|/api/bucket/query?biflow&biflow=1|Param biflow is given more than once.
# routes
404|/api/index/hosts|Index name not known.
404|/api/dynamic/index/nodes.php|Index name not known.
404|/api/bucket/query/../../etc/passwd|Not found.
404|/api/flows|Not found.
TABLE

# methods and bodies
api_get "$q" -X POST --data 'limit=1'
check_eq "POST: 405" "$R_STATUS" 405
check_eq "POST: Allow" "$(api_header allow)" "get, head"
check_contains "POST: JSON" "$R_BODY" '"error":'
api_get "$q" -X DELETE
check_eq "DELETE: 405" "$R_STATUS" 405
api_get "$q" -X POST --data-binary @<(head -c 4096 /dev/zero)
check_eq "a body over the limit: 413" "$R_STATUS" 413
check_contains "a body over the limit: JSON" "$R_BODY" '"error":'

check_eq "the data is untouched" "$(api_data_checksum)" "$before"
# and the responder still answers properly
api_get "$q?bucket_size=600&limit=1"
check_eq "still answering" "$R_STATUS" 200
t_done
