#!/usr/bin/env bash
# test_install.sh: deploy/install.sh without touching this machine: its
# syntax, --dry-run, and --root staging (the files a real install writes):
# the config it generates is valid for the programs it installs, the units
# run those programs, the nginx site passes `nginx -t` on loopback (plain)
# and on a public address (TLS with a generated certificate, basic auth),
# and a second run keeps the config, its passwords and the certificate.
# The TLS site is also started (nginx on a free loopback port, its own
# certificate made here, no responder behind it): every answer, pages, API,
# nginx's errors and the basic-auth refusal alike, carries HSTS and the
# security headers, and the refusals under /api/ are JSON.
set -uo pipefail
BUILD=$(realpath "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/shell/testlib.sh"
fi_test_local install
PATH=$PATH:/usr/sbin
inst=$top/deploy/install.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fi-install.XXXXXX")
served=""
cleanup()
{
	if [[ -n $served ]] && _harness_alive "$served"; then
		kill -QUIT "$served"
		_harness_wait_gone 10 "$served" || kill -KILL "$served"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

check_cmd "bash -n install.sh" bash -n "$inst"
check_cmd "bash -n quickstart.sh" bash -n "$top/deploy/quickstart.sh"
out=$(bash "$inst" --dry-run --no-packages --build-dir "$BUILD" 2>&1)
check_eq "dry run: exit status" "$?" "0"
check_contains "dry run: init-db" "$out" "would run: /usr/local/bin/flowinspector-importer -c /etc/flowinspector/flowinspector.conf --init-db"
check_contains "dry run: loopback" "$out" "done: http://127.0.0.1:8080/"
check_eq "dry run: wrote nothing" "$(ls "$tmp")" ""

# nginx -t on the staged site, inside a minimal main config of our own
nginx_check()
{
	local r=$1 site=$tmp/site-$2.conf
	# the staged paths instead of /etc/flowinspector, and a cache dir of ours
	sed -e "s|/etc/flowinspector/|$r/etc/flowinspector/|g" \
		-e "s|/var/cache/nginx/flowinspector|$tmp/cache|g" \
		-e "s|unix:/run/flowinspector/fcgi.sock|unix:$tmp/no-responder.sock|g" \
		-e "s|root \(/[^;]*/share/flowinspector/static\);|root $r\1;|" \
		"$r/etc/nginx/sites-available/flowinspector" >"$site"
	sed -i "s|include $r/etc/flowinspector/nginx-tls-auth.conf;|include $site.tls;|" "$site"
	if [[ -e $r/etc/flowinspector/nginx-tls-auth.conf ]]; then
		sed "s|/etc/flowinspector/|$r/etc/flowinspector/|g" \
			"$r/etc/flowinspector/nginx-tls-auth.conf" >"$site.tls"
	fi
	mkdir -p "$tmp/nginx-$2/logs"
	cat >"$tmp/nginx-$2.conf" <<CONF
error_log $tmp/nginx-$2/logs/error.log;
pid $tmp/nginx-$2/nginx.pid;
events {}
http {
	include /etc/nginx/mime.types;
	access_log off;
	include $site;
}
CONF
	nginx -t -q -p "$tmp/nginx-$2" -c "$tmp/nginx-$2.conf" -e "$tmp/nginx-$2/logs/error.log"
}

r=$tmp/root
out=$(bash "$inst" --root "$r" --no-packages --build-dir "$BUILD" 2>&1)
check_eq "staged: exit status" "$?" "0"
staged_out=$out
for f in usr/local/bin/flowinspector-importer usr/local/bin/flowinspector-probe \
	usr/local/bin/flowinspector-fcgi usr/local/share/flowinspector/static/index.html \
	usr/local/share/flowinspector/static/vendor/d3.min.js usr/local/share/flowinspector/static/js/app.js \
	etc/flowinspector/flowinspector.conf etc/logrotate.d/flowinspector \
	etc/systemd/system/flowinspector-importer.service \
	etc/systemd/system/flowinspector-fcgi.socket etc/systemd/system/flowinspector-fcgi.service \
	'etc/systemd/system/flowinspector-probe@.service' \
	'etc/systemd/system/flowinspector-follow@.service' \
	usr/local/share/flowinspector/hooks/rastream-import etc/nginx/sites-enabled/flowinspector \
	usr/local/share/flowinspector/geo-update usr/local/share/flowinspector/mkmmdb.py \
	etc/systemd/system/flowinspector-geo-update.service \
	etc/systemd/system/flowinspector-geo-update.timer; do
	check_cmd "staged: $f" test -e "$r/$f"
done
mem_mib=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
pool=$(sed -n 's/^innodb_buffer_pool_size = \([0-9]*\)M$/\1/p' \
	"$r/etc/mysql/mariadb.conf.d/60-flowinspector.cnf")
if [[ -n $pool ]] && ((pool >= 128 && pool <= 4096 && (pool <= mem_mib / 2 || pool == 128))); then
	t_ok
else
	t_fail "staged: the buffer pool is ${pool:-missing} MiB on a machine of $mem_mib MiB"
fi
check_contains "staged: the MariaDB settings" \
	"$(cat "$r/etc/mysql/mariadb.conf.d/60-flowinspector.cnf")" "innodb_flush_log_at_trx_commit = 2"
check_eq "staged: config not world-readable" "$(stat -c %a "$r/etc/flowinspector/flowinspector.conf")" "640"
out=$("$r/usr/local/bin/flowinspector-importer" -n -c "$r/etc/flowinspector/flowinspector.conf" 2>&1)
check_contains "staged: the config is valid" "$out" "configuration OK"
for unit in "$r"/etc/systemd/system/*.service; do
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
	check_cmd "${unit##*/} runs an installed program ($exe)" test -x "$r$exe"
done
check_cmd "rastream hook: executable" test -x "$r/usr/local/share/flowinspector/hooks/rastream-import"
check_contains "staged: the geo databases fetched at install" "$staged_out" \
	"would run: /usr/local/share/flowinspector/geo-update --dir /var/lib/flowinspector/geo"
check_contains "staged: and refreshed daily" "$staged_out" \
	"would run: systemctl enable --now flowinspector-geo-update.timer"
check_contains "staged: geo-update runs beside its writer" \
	"$("$r/usr/local/share/flowinspector/geo-update" --help 2>&1; test -x "$r/usr/local/share/flowinspector/mkmmdb.py" && echo writer-ok)" \
	"writer-ok"
out=$("$r/usr/local/share/flowinspector/hooks/rastream-import" 2>&1)
check_contains "rastream hook: wants rastream's -r FILE" "$out" "usage:"
check_contains "follow unit: a file source per env file" \
	"$(cat "$r/etc/systemd/system/flowinspector-follow@.service")" "--follow \$FI_FOLLOW_ARGS"
check_contains "probe unit: one interface per instance" \
	"$(cat "$r/etc/systemd/system/flowinspector-probe@.service")" "-i %i"
check_cmd "staged: nginx -t (loopback, plain)" nginx_check "$r" plain
check_contains "staged: the site listens on loopback" \
	"$(cat "$r/etc/nginx/sites-available/flowinspector")" "listen 127.0.0.1:8080"

# a second run keeps the config (and so the database passwords)
before=$(md5sum <"$r/etc/flowinspector/flowinspector.conf")
bash "$inst" --root "$r" --no-packages --build-dir "$BUILD" >/dev/null 2>&1
check_eq "second run: config kept" "$(md5sum <"$r/etc/flowinspector/flowinspector.conf")" "$before"
check_contains "second run: MariaDB settings kept" "$(bash "$inst" --root "$r" --no-packages \
	--build-dir "$BUILD" 2>&1)" "keeping /etc/mysql/mariadb.conf.d/60-flowinspector.cnf"

# public: TLS and basic auth, whatever is asked
r=$tmp/public
out=$(bash "$inst" --root "$r" --no-packages --build-dir "$BUILD" --listen 0.0.0.0:8443 \
	--prefix /opt/fi 2>&1)
check_eq "public: exit status" "$?" "0"
check_contains "public: https" "$out" "done: https://0.0.0.0:8443/"
check_contains "public: password shown once" "$out" "basic auth: user flowinspector, password"
check_cmd "public: certificate" test -s "$r/etc/flowinspector/tls/cert.pem"
check_eq "public: key private" "$(stat -c %a "$r/etc/flowinspector/tls/key.pem")" "600"
check_contains "public: htpasswd" "$(cat "$r/etc/flowinspector/htpasswd")" "flowinspector:\$apr1\$"
site=$(cat "$r/etc/nginx/sites-available/flowinspector")
check_contains "public: TLS listen" "$site" "listen 0.0.0.0:8443 ssl"
check_contains "public: TLS and auth included" "$site" "include /etc/flowinspector/nginx-tls-auth.conf;"
check_contains "public: prefix in the units" \
	"$(cat "$r/etc/systemd/system/flowinspector-importer.service")" "ExecStart=/opt/fi/bin/flowinspector-importer"
check_cmd "public: nginx -t (TLS, auth)" nginx_check "$r" public
cert=$(md5sum <"$r/etc/flowinspector/tls/cert.pem")
out=$(bash "$inst" --root "$r" --no-packages --build-dir "$BUILD" --listen 0.0.0.0:8443 --prefix /opt/fi 2>&1)
check_eq "public again: certificate kept" "$(md5sum <"$r/etc/flowinspector/tls/cert.pem")" "$cert"
check_contains "public again: htpasswd kept" "$out" "keeping /etc/flowinspector/htpasswd"
check_contains "public: the cache bypass is loopback's, and the allow file's" "$site" \
	"include /etc/flowinspector/nginx-nocache-allow.conf;"
check_eq "public: the allow file lists nobody yet" \
	"$(grep -v '^#' "$r/etc/flowinspector/nginx-nocache-allow.conf")" ""

# TLS on loopback with a certificate of ours, served: HSTS on every answer
port=$(harness_free_port)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
r=$tmp/tls
out=$(bash "$inst" --root "$r" --no-packages --build-dir "$BUILD" --listen "127.0.0.1:$port" \
	--tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" --nocache-allow 192.0.2.7 \
	--nocache-allow 2001:db8::/64 2>&1)
check_eq "tls: exit status" "$?" "0"
check_contains "tls: https" "$out" "done: https://127.0.0.1:$port/"
check_eq "tls: the operator's cache bypass list" \
	"$(grep -v '^#' "$r/etc/flowinspector/nginx-nocache-allow.conf")" \
	"$(printf '192.0.2.7 1;\n2001:db8::/64 1;')"
bash "$inst" --root "$r" --no-packages --build-dir "$BUILD" --listen "127.0.0.1:$port" \
	--tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" --nocache-allow 192.0.2.7 >/dev/null 2>&1
check_eq "tls again: the list kept, nothing twice" \
	"$(grep -c -v '^#' "$r/etc/flowinspector/nginx-nocache-allow.conf")" 2
pw=$(sed -n 's/^install: basic auth: user flowinspector, password \(.*\) (shown once)$/\1/p' <<<"$out")
check_cmd "tls: nginx -t" nginx_check "$r" tls
user=()
[[ $EUID -ne 0 ]] || user=(-g "user root root;")
nginx -p "$tmp/nginx-tls" -c "$tmp/nginx-tls.conf" -e "$tmp/nginx-tls/logs/error.log" "${user[@]}"
for ((i = 0; i < 50; i++)); do
	served=$(cat "$tmp/nginx-tls/nginx.pid" 2>/dev/null) && [[ -n $served ]] && break
	sleep 0.1
done
check_cmd "tls: nginx runs" _harness_alive "${served:-0}"
# URI | status | JSON? | curl args
while IFS='|' read -r uri status json args; do
	[[ -n $uri && $uri != \#* ]] || continue
	read -r -a extra <<<"$args"
	extra=("${extra[@]//@PW@/$pw}")
	what="tls: $uri ${args//@PW@/PW} "
	headers=$(curl -s -S -k --max-time 10 -D - -o "$tmp/body" "${extra[@]}" \
		"https://127.0.0.1:$port$uri" | tr -d '\r' | tr 'A-Z' 'a-z')
	check_contains "${what}status" "$(head -n 1 <<<"$headers")" " $status"
	check_eq "${what}HSTS, once" "$(grep -c '^strict-transport-security: max-age=63072000$' \
		<<<"$headers")" 1
	check_contains "${what}CSP" "$(grep '^content-security-policy:' <<<"$headers")" \
		"frame-ancestors 'none'"
	check_contains "${what}X-Frame-Options" "$headers" "x-frame-options: deny"
	if [[ $json == json ]]; then
		check_contains "${what}JSON" "$(grep '^content-type:' <<<"$headers")" "application/json"
		check_cmd "${what}a JSON error" python3 -c \
			'import json, sys; assert json.load(open(sys.argv[1]))["error"]' "$tmp/body"
	fi
done <<'TABLE'
/|401|json|
/api/meta|401|json|
/|200|html|-u flowinspector:@PW@
/dashboard|200|html|-u flowinspector:@PW@
/js/app.js|200|js|-u flowinspector:@PW@
/vendor/d3.min.js|200|js|-u flowinspector:@PW@
/js/missing.js|404|json|-u flowinspector:@PW@
/api/meta|503|json|-u flowinspector:@PW@
/api/x.js|503|json|-u flowinspector:@PW@
/api/meta|405|json|-u flowinspector:@PW@ -X TRACE
/api/meta|413|json|-u flowinspector:@PW@ --data-binary @/etc/services
TABLE
out=$(curl -s -k -D - -o /dev/null "https://127.0.0.1:$port/api/meta" | tr -d '\r' | tr 'A-Z' 'a-z')
check_contains "tls: the JSON 401 still asks for the password" "$out" \
	'www-authenticate: basic realm="flowinspector"'
t_done
