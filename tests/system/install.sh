#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# `make install` into a scratch DESTDIR (never the real system): the files
# land where the README says, with the unit's paths rewritten for PREFIX.
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

# install_into DIR [MAKE-ARGS...]: run make install with DESTDIR=DIR.
install_into() {
	local d=$1
	shift
	make -s -C "$ROOT" install DESTDIR="$d" "$@" >"$T_TMP/make.log" 2>&1
}

D=$T_TMP/default
check "make install DESTDIR=... succeeds" install_into "$D"
want="bin/stratum
etc/stratum/ntp.conf.example
lib/systemd/system/stratumd.service
sbin/stratumd
share/doc/stratum/README.md
share/man/man1/stratum.1
share/man/man5/stratum.conf.5
share/man/man8/stratumd.8"
got=$(cd "$D/usr/local" 2>/dev/null && find . -type f | sed 's|^\./||' | sort)
check "PREFIX defaults to /usr/local, with exactly the eight files" \
	test "$got" = "$want"
check "nothing outside PREFIX" test "$(ls -A "$D")" = "usr"
check "the installed programs run (--version)" sh -c \
	'"$1" --version && "$2" --version' sh "$D/usr/local/sbin/stratumd" \
	"$D/usr/local/bin/stratum" >/dev/null
check "the unit's ExecStart names PREFIX/sbin/stratumd -n" \
	grep -qx "ExecStart=/usr/local/sbin/stratumd -n -u ntp:ntp -c /etc/ntp.conf" \
	"$D/usr/local/lib/systemd/system/stratumd.service"
check "the unit is Type=notify" \
	grep -qx "Type=notify" "$D/usr/local/lib/systemd/system/stratumd.service"
check "the example configuration is etc/demo.conf" \
	cmp -s "$ROOT/etc/demo.conf" "$D/usr/local/etc/stratum/ntp.conf.example"

check "the installed man pages are the ones in man/" \
	cmp -s "$ROOT/man/stratumd.8" "$D/usr/local/share/man/man8/stratumd.8"
check "groff renders the installed stratum(1)" sh -c \
	'groff -man -Tutf8 "$1" 2>/dev/null | grep -q "stratum web"' sh \
	"$D/usr/local/share/man/man1/stratum.1"

P=$T_TMP/usr
check "make install PREFIX=/usr" install_into "$P" PREFIX=/usr
check "PREFIX=/usr: sbin/stratumd, bin/stratum, the unit" \
	test -x "$P/usr/sbin/stratumd" -a -x "$P/usr/bin/stratum" \
	-a -f "$P/usr/lib/systemd/system/stratumd.service"
check "PREFIX=/usr: ExecStart=/usr/sbin/stratumd" \
	grep -q "^ExecStart=/usr/sbin/stratumd " \
	"$P/usr/lib/systemd/system/stratumd.service"
[ "$T_FAIL" -ne 0 ] && diag "$T_TMP/make.log"
finish
