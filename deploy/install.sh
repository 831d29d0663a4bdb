#!/usr/bin/env bash
# install.sh: a production install of flowinspector on Debian 12, run as root
# from a checkout: Debian packages, a build, the programs under --prefix, the
# system user `flowinspector`, /etc/flowinspector/flowinspector.conf (kept if
# it exists; fresh random database passwords otherwise), the database and its
# two accounts (flowinspector-importer --init-db), the systemd units of
# deploy/systemd/ (importer, socket-activated responder, probe@IFACE, the
# argus import timer where present), the nginx site, logrotate, the
# MariaDB settings of deploy/mariadb/ (the buffer pool sized to the machine),
# and the country and AS databases (deploy/geo-update, run now and daily by
# flowinspector-geo-update.timer; a failed fetch is a warning).
#
# The site listens on 127.0.0.1:8080 unless --listen says otherwise: flow data
# is sensitive. Beyond loopback it always gets TLS (a self-signed certificate
# unless --tls-cert/--tls-key are given) and HTTP basic auth (a generated
# password, printed once); --auth adds basic auth on loopback too.
#
# Usage: deploy/install.sh [options]
#   --prefix DIR        programs in DIR/bin, pages in DIR/share/flowinspector
#                       (default /usr/local)
#   --listen ADDR:PORT  where nginx serves the site (default 127.0.0.1:8080)
#   --tls-cert FILE --tls-key FILE   the certificate for --listen
#   --auth              basic auth on loopback too
#   --auth-user NAME    the basic auth user (default flowinspector)
#   --nocache-allow ADDR[/LEN]  may bypass nginx's micro-cache with the header
#                       X-Flowinspector-NoCache: 1, besides 127.0.0.1 and ::1
#                       (repeatable; added to /etc/flowinspector/
#                       nginx-nocache-allow.conf, which later runs keep)
#   --probe IFACE       enable flowinspector-probe@IFACE (repeatable)
#   --build-dir DIR     use this build instead of building build/install
#   --no-packages       do not run apt-get
#   --root DIR          write every file under DIR instead of /, and skip what
#                       changes the running system (packages, user, database,
#                       systemctl, nginx reload): for packaging and tests
#   --dry-run           print what would be done; change nothing
# Running it again updates programs, units and site; it keeps the config,
# the passwords, the certificate and the data.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=/usr/local
listen=127.0.0.1:8080
tls_cert="" tls_key="" auth=0 auth_user=flowinspector
probes=() build="" packages=1 root="" dry=0 nocache=()
user=flowinspector
etc=/etc/flowinspector

usage()
{
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
	exit "${1:-0}"
}

while [[ $# -gt 0 ]]; do
	case $1 in
	--prefix) prefix=${2:?--prefix DIR} && shift ;;
	--listen) listen=${2:?--listen ADDR:PORT} && shift ;;
	--tls-cert) tls_cert=${2:?--tls-cert FILE} && shift ;;
	--tls-key) tls_key=${2:?--tls-key FILE} && shift ;;
	--auth) auth=1 ;;
	--auth-user) auth_user=${2:?--auth-user NAME} && shift ;;
	--probe) probes+=("${2:?--probe IFACE}") && shift ;;
	--nocache-allow) nocache+=("${2:?--nocache-allow ADDR[/LEN]}") && shift ;;
	--build-dir) build=${2:?--build-dir DIR} && shift ;;
	--no-packages) packages=0 ;;
	--root) root=${2:?--root DIR} && shift ;;
	--dry-run) dry=1 ;;
	-h | --help) usage 0 ;;
	*)
		echo "install.sh: unknown option $1" >&2
		usage 2 >&2
		;;
	esac
	shift
done

say()
{
	printf 'install: %s\n' "$*"
}

die()
{
	say "$*" >&2
	exit 1
}

# Runs a command that changes the system; printed only with --dry-run, and
# skipped with --root (what it would do is said instead).
system()
{
	if [[ $dry == 1 || -n $root ]]; then
		printf 'install: would run: %s\n' "$*"
		return 0
	fi
	"$@"
}

# put PATH MODE OWNER: writes standard input to PATH (under --root), unless
# it exists and the 4th argument is "keep".
put()
{
	local path=$root$1 mode=$2 owner=$3 keep=${4:-}
	if [[ $keep == keep && -e $path ]]; then
		say "keeping $1"
		cat >/dev/null
		return 0
	fi
	if [[ $dry == 1 ]]; then
		say "would write $1 (mode $mode, $owner)"
		cat >/dev/null
		return 0
	fi
	mkdir -p "$(dirname "$path")"
	cat >"$path.new.$$"
	chmod "$mode" "$path.new.$$"
	if [[ -z $root ]]; then
		chown "$owner" "$path.new.$$"
	fi
	mv -f "$path.new.$$" "$path"
	say "wrote $1"
}

random_password()
{
	head -c 18 /dev/urandom | base64 | tr '+/' '-_'
}

addr=${listen%:*} port=${listen##*:}
[[ $port =~ ^[0-9]+$ && $port -ge 1 && $port -le 65535 ]] || die "--listen: bad port in $listen"
loopback=0
case $addr in
127.* | localhost | '[::1]') loopback=1 ;;
esac
tls=0
if [[ $loopback == 0 || -n $tls_cert ]]; then
	tls=1
	auth=1
fi
if [[ -n $tls_cert || -n $tls_key ]] && [[ -z $tls_cert || -z $tls_key ]]; then
	die "--tls-cert and --tls-key go together"
fi
for a in "${nocache[@]}"; do
	[[ $a =~ ^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$ ]] || die "--nocache-allow: $a is not an address or prefix"
done
if [[ $dry == 0 && -z $root && $EUID -ne 0 ]]; then
	die "run as root (or use --dry-run, or --root DIR to stage the files)"
fi

# ---- packages and build --------------------------------------------------------
RUNTIME=(mariadb-server redis-server nginx-light libmariadb3 libhiredis0.14
	libjansson4 libpcap0.8 libfcgi0ldbl libmaxminddb0 mmdb-bin zlib1g libpq5 openssl
	logrotate netbase python3)
BUILDDEPS=(build-essential cmake pkg-config libmariadb-dev libhiredis-dev
	libjansson-dev libpcap-dev libfcgi-dev libmaxminddb-dev zlib1g-dev libpq-dev)
# d3 and the world map's files for the pages come from npm (deploy/vendor.sh); Debian's node only when
# the machine has none (nodesource's nodejs bundles npm)
command -v node >/dev/null || BUILDDEPS+=(nodejs)
command -v npm >/dev/null || BUILDDEPS+=(npm)
if [[ $packages == 1 ]]; then
	system env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${RUNTIME[@]}" "${BUILDDEPS[@]}"
fi
if [[ -z $build ]]; then
	build=$top/build/install
	system cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
	system cmake --build "$build" -j"$(nproc)"
fi
build=$(realpath -m "$build")

# ---- files ---------------------------------------------------------------------
for prog in importer/flowinspector-importer importer/probe/flowinspector-probe fcgi/flowinspector-fcgi; do
	if [[ $dry == 1 ]]; then
		say "would install $build/$prog as $prefix/bin/${prog##*/}"
	else
		[[ -x $build/$prog ]] || die "$build/$prog is not built"
		install -D -m 0755 "$build/$prog" "$root$prefix/bin/${prog##*/}"
	fi
done
if [[ $dry == 1 ]]; then
	say "would copy $top/static to $prefix/share/flowinspector/static"
else
	bash "$top/deploy/vendor.sh"
	mkdir -p "$root$prefix/share/flowinspector" "$root$prefix/share/doc/flowinspector"
	rm -rf "$root$prefix/share/flowinspector/static"
	cp -R "$top/static" "$root$prefix/share/flowinspector/static"
	install -m 0644 "$top/README.md" "$root$prefix/share/doc/flowinspector/README.md"
	# the country and AS databases' updater and its writer (geo-update
	# finds mkmmdb.py beside itself)
	install -m 0755 "$top/deploy/geo-update" "$root$prefix/share/flowinspector/geo-update"
	install -m 0755 "$top/deploy/mkmmdb.py" "$root$prefix/share/flowinspector/mkmmdb.py"
	# collectors' hooks (rastream -f): the installed paths
	for hook in "$top"/deploy/hooks/*; do
		mkdir -p "$root$prefix/share/flowinspector/hooks"
		sed "s|/usr/local/|$prefix/|g" "$hook" >"$root$prefix/share/flowinspector/hooks/${hook##*/}"
		chmod 0755 "$root$prefix/share/flowinspector/hooks/${hook##*/}"
	done
fi

if [[ -z $root ]] && ! id "$user" >/dev/null 2>&1; then
	system adduser --system --group --home /var/lib/flowinspector --no-create-home \
		--gecos "flowinspector" "$user"
fi

put $etc/flowinspector.conf 0640 "root:$user" keep <<CONF
# flowinspector configuration, written by deploy/install.sh; every key and its
# default: flowinspector-importer --help. Kept by later runs of install.sh.
db_host = localhost
db_name = flowinspector
db_user = flowinspector
db_password = $(random_password)
db_ro_user = flowinspector_ro
db_ro_password = $(random_password)
# --init-db runs as root over the unix socket (MariaDB's unix_socket auth)
db_admin_user = root
db_grant_hosts = localhost
redis_host = 127.0.0.1
redis_port = 6379
redis_queue = entry:queue
fcgi_socket = /run/flowinspector/fcgi.sock
fcgi_workers = 4
# keep what a forensic import of an old capture brings: set per-size days
# (retention_days = 2,31,400,0 is the default) once only live data comes in
retention_days = 0
log_level = info
CONF

# units: /usr/local in them is the default prefix
for unit in "$top"/deploy/systemd/*.service "$top"/deploy/systemd/*.socket \
	"$top"/deploy/systemd/*.timer; do
	[[ -e $unit ]] || continue
	sed "s|/usr/local/|$prefix/|g" "$unit" | put "/etc/systemd/system/${unit##*/}" 0644 root:root
done
put /etc/logrotate.d/flowinspector 0644 root:root <"$top/deploy/logrotate/flowinspector"

# MariaDB: deploy/mariadb/flowinspector.cnf with the buffer pool sized to this
# machine (half its memory, 128 MiB to 4 GiB); kept once written, as an
# administrator may tune it. A running MariaDB is restarted to take it.
mycnf=/etc/mysql/mariadb.conf.d/60-flowinspector.cnf
mycnf_new=0
if [[ ! -e $root$mycnf ]]; then
	mem_mib=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
	pool_mib=$((mem_mib / 2 / 128 * 128))
	((pool_mib < 128)) && pool_mib=128
	((pool_mib > 4096)) && pool_mib=4096
	mycnf_new=1
fi
sed "s/^innodb_buffer_pool_size = .*/innodb_buffer_pool_size = ${pool_mib:-4096}M/" \
	"$top/deploy/mariadb/flowinspector.cnf" | put $mycnf 0644 root:root keep

# ---- nginx -----------------------------------------------------------------------
nginx_listen=$addr:$port
site_src=$top/deploy/nginx/flowinspector.conf
render_site()
{
	if [[ -f $site_src ]]; then
		sed -e "s|@NGINX_ADDR@|$addr|g; s|@NGINX_PORT@|$port|g" \
			-e "s|@STATIC_DIR@|$prefix/share/flowinspector/static|g" \
			-e "s|@FCGI_PASS@|unix:/run/flowinspector/fcgi.sock|g" \
			-e "s|@CACHE_DIR@|/var/cache/nginx/flowinspector|g" \
			-e "s|@NOCACHE_ALLOW@|include $etc/nginx-nocache-allow.conf;|g" "$site_src"
	else
		# until the API's own site lands: the pages, and /api/ to the responder
		cat <<SITE
server {
	listen $nginx_listen;
	server_name _;
	server_tokens off;
	root $prefix/share/flowinspector/static;
	index index.html;
	location /api/ {
		include /etc/nginx/fastcgi_params;
		fastcgi_pass unix:/run/flowinspector/fcgi.sock;
	}
	location / {
		try_files \$uri \$uri/ /index.html =404;
	}
}
SITE
	fi
}
site=$(render_site)
if [[ $tls == 1 ]]; then
	# TLS on the listen line, and the TLS and basic-auth snippet in the server
	site=$(sed -e "s|^\([[:space:]]*listen[[:space:]][^;]*\);|\1 ssl http2;|" \
		-e "0,/server_name/{s|^\([[:space:]]*\)server_name.*|&\n\1include $etc/nginx-tls-auth.conf;|}" \
		<<<"$site")
elif [[ $auth == 1 ]]; then
	site=$(sed -e "0,/server_name/{s|^\([[:space:]]*\)server_name.*|&\n\1auth_basic \"flowinspector\";\n\1auth_basic_user_file $etc/htpasswd;|}" \
		<<<"$site")
fi
put /etc/nginx/sites-available/flowinspector 0644 root:root <<<"# written by deploy/install.sh
$site"
# Who besides loopback may bypass the API's micro-cache (the site's `geo`
# block includes it). Kept by later runs, which add what --nocache-allow says.
allow_file=$etc/nginx-nocache-allow.conf
put $allow_file 0644 root:root keep <<'ALLOW'
# Clients besides 127.0.0.1 and ::1 whose X-Flowinspector-NoCache: 1 header
# makes nginx skip its one-second API cache (benchmarks, debugging): every
# such request reaches the database. One `ADDRESS[/LENGTH] 1;` a line, e.g.
#   192.0.2.7 1;
#   10.20.0.0/16 1;
# then `systemctl reload nginx`. deploy/install.sh --nocache-allow adds one.
ALLOW
for a in "${nocache[@]}"; do
	if [[ $dry == 1 ]]; then
		say "would allow $a to bypass the API cache in $allow_file"
	elif ! grep -qxF "$a 1;" "$root$allow_file"; then
		echo "$a 1;" >>"$root$allow_file"
		say "allowed $a to bypass the API cache ($allow_file)"
	fi
done
if [[ $dry == 0 ]]; then
	mkdir -p "$root/etc/nginx/sites-enabled"
	ln -sfn ../sites-available/flowinspector "$root/etc/nginx/sites-enabled/flowinspector"
fi
if [[ $tls == 1 ]]; then
	put $etc/nginx-tls-auth.conf 0644 root:root <"$top/deploy/nginx/tls-auth.conf"
	if [[ -n $tls_cert ]]; then
		put $etc/tls/cert.pem 0644 root:root <"$tls_cert"
		put $etc/tls/key.pem 0600 root:root <"$tls_key"
	elif [[ ! -e $root$etc/tls/cert.pem ]]; then
		if [[ $dry == 1 ]]; then
			say "would make a self-signed certificate for $addr in $etc/tls/"
		else
			mkdir -p "$root$etc/tls"
			openssl req -x509 -newkey rsa:3072 -nodes -days 825 -subj "/CN=$addr" \
				-keyout "$root$etc/tls/key.pem" -out "$root$etc/tls/cert.pem" 2>/dev/null
			chmod 0600 "$root$etc/tls/key.pem"
			say "made a self-signed certificate for $addr (replace $etc/tls/*.pem with a real one)"
		fi
	fi
fi
if [[ $auth == 1 ]]; then
	if [[ -e $root$etc/htpasswd ]]; then
		say "keeping $etc/htpasswd (add users: printf '%s:%s\\n' NAME \"\$(openssl passwd -apr1)\" >>$etc/htpasswd)"
	else
		pw=$(random_password)
		# on stdin: a password starting with "-" (one in 64 of ours) is not
		# taken for an option, which left the file without a hash before
		hash=$(openssl passwd -apr1 -stdin <<<"$pw") && [[ $hash == '$apr1$'* ]] ||
			die "openssl passwd failed: no $etc/htpasswd written"
		printf '%s:%s\n' "$auth_user" "$hash" |
			put $etc/htpasswd 0640 "root:www-data"
		[[ $dry == 1 ]] || say "basic auth: user $auth_user, password $pw (shown once)"
	fi
fi

# ---- the running system ------------------------------------------------------------
system systemctl enable --now mariadb.service redis-server.service
if [[ $mycnf_new == 1 ]]; then
	system systemctl restart mariadb.service
fi
# exactly once across a crash needs the queue on disk (README "Exactly once")
system redis-cli -h 127.0.0.1 -p 6379 CONFIG SET appendonly yes
system redis-cli -h 127.0.0.1 -p 6379 CONFIG REWRITE
system "$prefix/bin/flowinspector-importer" -c $etc/flowinspector.conf --init-db
system systemctl daemon-reload
system systemctl enable --now flowinspector-importer.service flowinspector-fcgi.socket
for ifc in "${probes[@]}"; do
	system systemctl enable --now "flowinspector-probe@$ifc.service"
done
if [[ -e $top/deploy/systemd/flowinspector-argus-import.timer ]]; then
	say "argus import: set src_* in $etc/flowinspector.conf, then" \
		"systemctl enable --now flowinspector-argus-import.timer"
fi
say "flow files (Zeek, nfcapd, argus): put FI_FOLLOW_ARGS=--zeek DIR in" \
	"$etc/follow-NAME.env, then systemctl enable --now flowinspector-follow@NAME"
# the country and AS databases (README "Countries and autonomous systems"):
# fetched now, refreshed daily; without the registry the pages say how to
# get them later, nothing else depends on them
if ! system "$prefix/share/flowinspector/geo-update" --dir /var/lib/flowinspector/geo; then
	say "warning: the country and AS databases could not be installed now;" \
		"flowinspector-geo-update.timer tries again daily, or run" \
		"$prefix/share/flowinspector/geo-update"
fi
system systemctl enable --now flowinspector-geo-update.timer
system nginx -t
system systemctl reload-or-restart nginx.service
say "done: $([[ $tls == 1 ]] && echo https || echo http)://$nginx_listen/"
