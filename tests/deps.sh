#!/usr/bin/env bash
# Installs the Debian packages needed to build and test flowinspector.
# Idempotent and silent when everything is present: apt-get runs only when
# dpkg-query reports a package missing. Extend PACKAGES below, nothing else.
# Installing the servers may start their system services; the tests never use them.
set -euo pipefail

PACKAGES=(
	build-essential cmake pkg-config
	clang clang-format libclang-rt-14-dev
	libfcgi-dev libmariadb-dev libhiredis-dev libjansson-dev libpcap-dev zlib1g-dev
	# the country and AS lookup (fcgi/fi_geo.c); mmdblookup checks mkmmdb.py's files
	libmaxminddb-dev libmaxminddb0 mmdb-bin
	mariadb-server mariadb-client
	redis-server redis-tools
	nginx-light spawn-fcgi
	# PostgreSQL (Debian 12: 15) for the harness's --postgresql; libpq-dev for the
	# importer's PostgreSQL source, and its pg_config names the server's bindir
	postgresql libpq-dev
	# the harness's --galera: Galera for mariadb-server's wsrep, and rsync for the
	# nodes' state transfers (wsrep_sst_rsync)
	galera-4 rsync
	python3 curl procps iproute2 bc netbase gdb
	tcpdump argus-server argus-client wrk nfdump softflowd
	chromium
)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The pages' tests need node (and npm for the lockfile's packages). Machines
# may carry a node of their own (nodesource's nodejs bundles npm); Debian's
# packages are only asked for when the commands are missing, as Debian's npm
# would fight a foreign nodejs.
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	if [[ $status != installed ]]; then
		missing+=("$pkg")
	fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
	exit 0
fi

echo "deps.sh: installing ${missing[*]}" >&2
sudo=()
if [[ $EUID -ne 0 ]]; then
	command -v sudo >/dev/null || {
		echo "deps.sh: not root and no sudo; install: ${missing[*]}" >&2
		exit 1
	}
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 \
	--no-install-recommends "${missing[@]}"
