#!/bin/sh
# Install the Debian packages pscrape needs to build and test (only those
# missing), then configure and build it in the source tree.
set -eu
cd "$(dirname "$0")/.."

PKGS="build-essential autoconf automake pkg-config libcurl4-openssl-dev
libevent-dev libgumbo-dev libpsl-dev libuchardet-dev libsqlite3-dev zlib1g-dev libssl-dev libbrotli-dev ca-certificates python3 python3-bs4 python3-chardet
mandoc valgrind redis-server libhiredis-dev clang libclang-rt-14-dev procps bsdextrautils util-linux curl parallel openssl"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$' || missing="$missing $p"
done
# The count follows bs4 on the html.parser of Debian's Python
# 3.11.2-6+deb12u9 (doc/NOTES.md); an older libpython3.11-stdlib reads
# tags differently, so a machine made from an older image upgrades it.
v=$(dpkg-query -W -f='${Version}' libpython3.11-stdlib 2>/dev/null || true)
if [ -n "$v" ] && dpkg --compare-versions "$v" lt 3.11.2-6+deb12u9; then
	missing="$missing libpython3.11-stdlib"
fi
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null
fi

[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi
[ -f Makefile ] && [ Makefile -nt configure ] || ./configure --quiet
make -j"$(nproc)" pscrape tests/lib/httpd
