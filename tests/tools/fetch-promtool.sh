#!/bin/sh
# SPDX-License-Identifier: ISC
# fetch-promtool.sh DIR: put Prometheus' promtool (the reference parser
# of the text exposition format) at DIR/usr/bin/promtool.
#
# Downloads Debian's prometheus package with `apt-get download` (never
# installs it) and unpacks it with `dpkg -x`, as fetch-peers.sh does for
# chrony and NTPsec; runs `apt-get update` once if the download finds
# nothing.  Idempotent: a working promtool in place is left alone.
set -u

die() {
	echo "fetch-promtool: $*" >&2
	exit 1
}

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: $0 DIR"
mkdir -p "$1" || die "cannot create $1"
DIR=$(cd "$1" && pwd) || die "cannot enter $1"

if "$DIR/usr/bin/promtool" --version >/dev/null 2>&1; then
	exit 0
fi
for tool in apt-get dpkg; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool not found: promtool comes from Debian's prometheus package"
done

download() {
	# As root, apt would drop to the _apt user, who cannot write here.
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$DIR/debs" &&
			apt-get -q -o APT::Sandbox::User=root download prometheus)
	else
		(cd "$DIR/debs" && apt-get -q download prometheus)
	fi
}

set -- "$DIR"/debs/prometheus_*.deb
if ! [ -f "$1" ]; then
	rm -rf "$DIR/debs"
	mkdir -p "$DIR/debs" || die "cannot create $DIR/debs"
	echo "fetch-promtool: downloading prometheus"
	if ! download; then
		echo "fetch-promtool: download failed; running apt-get update once" >&2
		apt-get -q update || die "apt-get update failed (needs root and a package mirror)"
		download || die "apt-get download prometheus failed even after apt-get update"
	fi
	set -- "$DIR"/debs/prometheus_*.deb
	[ -f "$1" ] || die "no prometheus .deb in $DIR/debs"
fi

# Unpack beside, then move into place: never a half-unpacked tree.
rm -rf "$DIR/new"
mkdir -p "$DIR/new" || die "cannot create $DIR/new"
dpkg -x "$1" "$DIR/new" || die "dpkg -x $1 failed"
rm -rf "$DIR/usr"
mv "$DIR/new/usr" "$DIR/usr" || die "cannot move $DIR/new/usr into place"
rm -rf "$DIR/new"
"$DIR/usr/bin/promtool" --version >/dev/null 2>&1 ||
	die "$DIR/usr/bin/promtool does not run"
echo "fetch-promtool: promtool unpacked under $DIR"
