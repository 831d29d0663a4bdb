#!/usr/bin/env bash
# Installs the Debian packages needed to build and test flowinspector.
# Idempotent and silent when everything is present: apt-get runs only when
# dpkg-query reports a package missing. Extend PACKAGES below, nothing else.
# Installing the servers may start their system services; the tests never use them.
set -euo pipefail

PACKAGES=(
	build-essential cmake pkg-config
	clang clang-format libclang-rt-14-dev
	libfcgi-dev libmariadb-dev libhiredis-dev libjansson-dev libpcap-dev
	mariadb-server mariadb-client
	redis-server redis-tools
	nginx-light spawn-fcgi
	python3 curl procps iproute2 bc
	tcpdump argus-server argus-client wrk
)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The front end pins d3 with a lockfile; npm is only needed once that exists.
if [[ -f $root/package-lock.json ]]; then
	PACKAGES+=(npm)
fi

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
