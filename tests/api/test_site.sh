#!/usr/bin/env bash
# test_site.sh: what deploy/nginx/flowinspector.conf adds to every answer:
# the micro-cache bypass (X-Flowinspector-NoCache: 1) works from loopback
# and from the clients the operator lists, and from no other (the test's
# client binds 127.0.0.2, which is not loopback's 127.0.0.1 and not listed;
# 127.0.0.3 is listed through @NOCACHE_ALLOW@ as an operator would);
# the security headers (Content-Security-Policy, X-Frame-Options,
# X-Content-Type-Options, Referrer-Policy) are on pages, static files, API
# answers and nginx's own errors alike, each once, with Cache-Control as
# before. HSTS on the TLS site: deploy_install; that the CSP lets the pages
# work: the browser tests (they fail on any console error).
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
api_setup site

check_cmd "load the golden data set" api_load_golden
API_NOCACHE_ALLOW='127.0.0.3 1;'
api_start_responder && api_start_nginx || t_done
mkdir -p "$T_TMP/static/js"
echo 'export const x = 1;' >"$T_TMP/static/js/app.js"
nocache=(-H 'X-Flowinspector-NoCache: 1')

# ---- the cache bypass: who may use it -------------------------------------------
uri="/api/bucket/query?bucket_size=600&limit=3"
api_get "$uri"
api_get "$uri" "${nocache[@]}"
check_eq "127.0.0.1: the header bypasses the cache" "$(api_header x-cache-status)" "bypass"
api_get "$uri" "${nocache[@]}" --interface 127.0.0.2
check_eq "127.0.0.2: answered" "$R_STATUS" 200
st=$(api_header x-cache-status)
if [[ $st == hit || $st == miss || $st == expired || $st == updating ]]; then
	t_ok
else
	t_fail "127.0.0.2 (not allowed): the header was obeyed: X-Cache-Status [$st]"
fi
# and served from the cache, not asked again: a row added behind the cache's
# back shows from 127.0.0.1 with the header at once, not from 127.0.0.2
api_get "$uri&sort=bucket%20desc"
b1=$(t_sql "SELECT MAX(bucket) + 600 FROM totals_600")
t_sql "INSERT INTO totals_600 (bucket, udp_flows, udp_packets, udp_bytes) VALUES ($b1, 1, 2, 3)"
api_get "$uri&sort=bucket%20desc" "${nocache[@]}" --interface 127.0.0.2
case $R_BODY in
*"\"bucket\":$b1"*) t_fail "127.0.0.2 (not allowed): the header reached the database" ;;
*) t_ok ;;
esac
api_get "$uri&sort=bucket%20desc" "${nocache[@]}"
check_contains "127.0.0.1: the header reaches the database" "$R_BODY" "\"bucket\":$b1"
api_get "$uri" "${nocache[@]}" --interface 127.0.0.3
check_eq "127.0.0.3 (listed by the operator): the header bypasses the cache" \
	"$(api_header x-cache-status)" "bypass"
api_get /api/health --interface 127.0.0.2
check_eq "/api/health is never cached, whoever asks" "$(api_header x-cache-status)" "bypass"

# ---- security headers on every kind of answer ------------------------------------
page_csp="default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
data_csp="default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# URI | status | CSP (page or data) | Cache-Control | curl args
while IFS='|' read -r uri status kind cc args; do
	[[ -n $uri && $uri != \#* ]] || continue
	read -r -a extra <<<"$args"
	extra=("${extra[@]//_/ }") # `_` stands for a space in a header
	api_get "$uri" "${extra[@]}"
	what="$uri ${args:+($args) }"
	check_eq "${what}status" "$R_STATUS" "$status"
	want=$page_csp
	[[ $kind == data ]] && want=$data_csp
	check_eq "${what}CSP" "$(api_header content-security-policy)" "${want,,}"
	check_eq "${what}X-Frame-Options" "$(api_header x-frame-options)" "deny"
	check_eq "${what}X-Content-Type-Options, once" \
		"$(grep -c '^x-content-type-options: nosniff$' <<<"$R_HEADERS")" 1
	check_eq "${what}Referrer-Policy" "$(api_header referrer-policy)" "no-referrer"
	check_eq "${what}Cache-Control" "$(api_header cache-control)" "$cc"
	check_eq "${what}no HSTS over plain HTTP" "$(api_header strict-transport-security)" ""
done <<'TABLE'
# the pages and their files
/|200|page|no-cache|
/dashboard?include_ports=53|200|page|no-cache|
/index.html|200|page|no-cache|
/js/app.js|200|page|no-cache|
/js/missing.js|404|data|no-store|
/js/|403|data|no-store|
/index.html|405|data|no-store|-X POST
# the API: the responder's answers and nginx's errors
/api/bucket/query?bucket_size=600&limit=1|200|data|no-cache|
/api/meta|200|data|no-cache|-H X-Flowinspector-NoCache:_1
/api/health|200|data|no-cache|
/api/bucket/query?limit=x|400|data|no-store|
/api/nothing|404|data|no-store|
/api/x.js|404|data|no-store|
/api/meta|405|data|no-store|-X DELETE
/api/meta|413|data|no-store|-X POST --data-binary @/etc/services
/api/meta|405|data|no-store|-X TRACE
TABLE
t_done
