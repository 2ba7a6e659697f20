#!/bin/sh
# SPDX-License-Identifier: ISC
# fetch-peers.sh DIR: put real NTP implementations to test against under DIR.
#
# Downloads the Debian packages of chrony and NTPsec with `apt-get download`
# (never installs them: they conflict with each other and with the host's
# time daemon) and unpacks them with `dpkg -x`:
#
#   DIR/debs/      the five .deb files
#   DIR/chrony/    chrony             (usr/sbin/chronyd, usr/bin/chronyc)
#   DIR/ntpsec/    ntpsec, ntpsec-ntpdig, ntpsec-ntpdate, python3-ntp
#                  (usr/sbin/ntpd, usr/bin/ntpq, usr/bin/ntpdig,
#                  usr/sbin/ntpdate and the Python "ntp" package)
#
# NTPsec's Python tools look for their C helper next to the ntp package
# first, so libntpc.so is copied there; run them with /usr/bin/python3 and
# PYTHONPATH=DIR/ntpsec/usr/lib/python3/dist-packages.
#
# Idempotent: when everything is already in place it does nothing.

set -u

PKGS="chrony ntpsec ntpsec-ntpdig ntpsec-ntpdate python3-ntp"

die() {
	echo "fetch-peers: $*" >&2
	exit 1
}

if [ $# -ne 1 ] || [ -z "$1" ]; then
	die "usage: $0 DIR"
fi
mkdir -p "$1" || die "cannot create $1"
DIR=$(cd "$1" && pwd) || die "cannot enter $1"

PYDIR=$DIR/ntpsec/usr/lib/python3/dist-packages
# The library directory is per architecture (x86_64-linux-gnu, ...).
libntpc() {
	for f in "$DIR"/ntpsec/usr/lib/*/ntp/libntpc.so.*; do
		[ -f "$f" ] && echo "$f" && return 0
	done
	return 1
}

peers_ready() {
	[ -x "$DIR/chrony/usr/sbin/chronyd" ] &&
		[ -x "$DIR/chrony/usr/bin/chronyc" ] &&
		[ -x "$DIR/ntpsec/usr/sbin/ntpd" ] &&
		[ -f "$DIR/ntpsec/usr/bin/ntpq" ] &&
		[ -f "$DIR/ntpsec/usr/bin/ntpdig" ] &&
		[ -f "$DIR/ntpsec/usr/sbin/ntpdate" ] &&
		[ -f "$PYDIR/ntp/packet.py" ] &&
		[ -f "$PYDIR/ntp/libntpc.so" ]
}

if peers_ready; then
	exit 0
fi

for tool in apt-get dpkg; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool not found: the peers come from Debian packages"
done

# have_debs: every package has exactly one .deb in DIR/debs.
have_debs() {
	for p in $PKGS; do
		set -- "$DIR/debs/${p}"_*.deb
		[ $# -eq 1 ] && [ -f "$1" ] || return 1
	done
	return 0
}

# shellcheck disable=SC2086 # $PKGS is a word list on purpose
download() {
	# As root, apt drops to the _apt user for downloads unless told not
	# to; that user usually cannot write here, so stay root.
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$DIR/debs" &&
			apt-get -q -o APT::Sandbox::User=root download $PKGS)
	else
		(cd "$DIR/debs" && apt-get -q download $PKGS)
	fi
}

if ! have_debs; then
	rm -rf "$DIR/debs"
	mkdir -p "$DIR/debs" || die "cannot create $DIR/debs"
	echo "fetch-peers: downloading $PKGS"
	if ! download; then
		echo "fetch-peers: download failed; running apt-get update once" >&2
		apt-get -q update || die "apt-get update failed (needs root and a package mirror)"
		rm -f "$DIR/debs"/*.deb
		download || die "apt-get download $PKGS failed even after apt-get update"
	fi
	have_debs || die "expected one .deb per package ($PKGS) in $DIR/debs, got: $(ls "$DIR/debs")"
fi

# Unpack into a scratch folder first, then move it into place, so that an
# interrupted run never leaves a half-unpacked tree that looks complete.
unpack() {
	dest=$1
	shift
	rm -rf "$dest.new"
	mkdir -p "$dest.new" || die "cannot create $dest.new"
	for p in "$@"; do
		dpkg -x "$DIR/debs/${p}"_*.deb "$dest.new" ||
			die "dpkg -x of $p failed"
	done
	rm -rf "$dest"
	mv "$dest.new" "$dest" || die "cannot move $dest.new to $dest"
}

unpack "$DIR/chrony" chrony
unpack "$DIR/ntpsec" ntpsec ntpsec-ntpdig ntpsec-ntpdate python3-ntp

LIBNTPC=$(libntpc) || die "libntpc.so missing from python3-ntp"
cp "$LIBNTPC" "$PYDIR/ntp/libntpc.so" || die "cannot copy libntpc.so"

peers_ready || die "unpacked packages lack an expected program"

# Smoke test: the binaries must run with the host's libraries, and the
# Python tools must find their module with Debian's own interpreter.
"$DIR/chrony/usr/sbin/chronyd" -v >/dev/null 2>&1 ||
	die "$DIR/chrony/usr/sbin/chronyd does not run"
"$DIR/ntpsec/usr/sbin/ntpd" --version >/dev/null 2>&1 ||
	die "$DIR/ntpsec/usr/sbin/ntpd does not run"
if [ -x /usr/bin/python3 ]; then
	PYTHONPATH=$PYDIR /usr/bin/python3 -c 'import ntp.ntpc, ntp.packet' ||
		die "NTPsec's Python module does not load with /usr/bin/python3"
else
	echo "fetch-peers: warning: no /usr/bin/python3; NTPsec's ntpq/ntpdig will not run" >&2
fi

echo "fetch-peers: chrony and NTPsec unpacked under $DIR"
