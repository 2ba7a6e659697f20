#!/bin/bash
# SPDX-License-Identifier: ISC
# Interoperability with NTPsec 1.2.2 (unpacked by fetch-peers.sh):
#  1. NTPsec's ntpdig and ntpdate (Python, always port 123) measure
#     stratumd serving its local clock at stratum 10 on 127.0.0.1:123;
#  2. `stratum query` measures NTPsec's ntpd serving its local clock, and
#     what it prints (stratum, refid, leap) agrees with `ntpq -c rv`.
# Both run on one machine clock, so every offset must be near zero.
# Everything runs in a private user + network namespace (ns_enter), where
# port 123 is free and ntpd's attempts to discipline the clock fail with
# EPERM.

source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

NTPQ=$PEERS/ntpsec/usr/bin/ntpq
NTPDIG=$PEERS/ntpsec/usr/bin/ntpdig
NTPDATE=$PEERS/ntpsec/usr/sbin/ntpdate
STRATUM=$BUILD/stratum
# NTPsec's tools need Debian's interpreter (the first python3 on PATH may
# lack the modules they import) and the unpacked "ntp" package.
PY=/usr/bin/python3
export PYTHONPATH=$PEERS/ntpsec/usr/lib/python3/dist-packages
# ntpdate is a shell wrapper that runs "ntpdig" from PATH.
export PATH=$PEERS/ntpsec/usr/bin:$PATH
MAX_OFFSET=0.001

CHECKS=(
	"stratumd serves the local clock on 127.0.0.1:123"
	"ntpdig gets an answer from stratumd"
	"ntpdig sees stratum 10, no leap warning"
	"ntpdig measures stratumd's offset within $MAX_OFFSET s (+ its error bound)"
	"ntpdate -q gets an answer from stratumd"
	"ntpdate -q sees stratum 10 and an offset within $MAX_OFFSET s (+ its error bound)"
	"ntpd serves its local clock on 127.0.0.1:123 (synchronized)"
	"stratum query -v against ntpd exits 0"
	"offset to ntpd below $MAX_OFFSET s"
	"stratum agrees with ntpq -c rv"
	"refid agrees with ntpq -c rv"
	"leap indicator agrees with ntpq -c rv"
	"stratum query -j against ntpd is JSON with ok true"
)

skip_all_without_peers "${CHECKS[@]}"

# ntpdig prints "2026-11-26 08:46:09.191963 (+0000) +0.000075 +/- 0.000168
# 127.0.0.1 s10 no-leap"; these pick its fields.
dig_offset() { awk '$3 ~ /^\(/ && $5 == "+/-" { print $4; exit }' "$1"; }
dig_error() { awk '$3 ~ /^\(/ && $5 == "+/-" { print $6; exit }' "$1"; }
dig_stratum() { awk '$3 ~ /^\(/ && $5 == "+/-" { print $8; exit }' "$1"; }
dig_leap() { awk '$3 ~ /^\(/ && $5 == "+/-" { print $9; exit }' "$1"; }

if [ ! -x "$PY" ]; then
	echo "  # $PY missing: NTPsec's Python tools cannot run"
fi

# ---------------------------------------------------------------------
# 1. ntpdig and ntpdate measure stratumd on port 123.

if start_stratumd sd "interface ignore all
interface listen 127.0.0.1
clock none
local stratum 10" && grep -q '127\.0\.0\.1:123$' "$SD_LOG"; then
	ok "${CHECKS[0]}"
else
	fail "${CHECKS[0]}"
	diag "$SD_LOG"
fi

# ntpdig timestamps in Python, so one sample carries the interpreter's
# scheduling noise: typically 0.05 ms, on a busy machine several ms (with
# an error bound "+/-" to match).  Take up to five samples, stopping at
# the first with a tight bound, and judge the one with the smallest
# bound (ntpdate once chose its best of four the same way): its offset
# must be within MAX_OFFSET of zero beyond that bound.
best=""
best_err=""
runs=0
answered=0
for i in 1 2 3 4 5; do
	out=$T_TMP/ntpdig.$i.out
	timeout 15 "$PY" "$NTPDIG" -t 2 127.0.0.1 >"$out" 2>&1
	rc=$?
	runs=$i
	sed "s/^/  # ntpdig: (exit $rc) /" "$out"
	e=$(dig_error "$out")
	if [ "$rc" -ne 0 ] || [ -z "$e" ]; then
		continue
	fi
	answered=$((answered + 1))
	if [ -z "$best" ] || awk -v a="$e" -v b="$best_err" 'BEGIN { exit !(a < b) }'; then
		best=$out
		best_err=$e
	fi
	awk -v e="$e" 'BEGIN { exit !(e <= 0.0002) }' && break
done
if [ "$answered" -eq "$runs" ]; then
	ok "${CHECKS[1]}"
else
	fail "${CHECKS[1]} ($answered of $runs runs answered)"
	diag "$SD_LOG"
fi
if [ -n "$best" ] && [ "$(dig_stratum "$best")" = s10 ] &&
	[ "$(dig_leap "$best")" = no-leap ]; then
	ok "${CHECKS[2]}"
else
	fail "${CHECKS[2]}"
fi
off=""
lim=""
if [ -n "$best" ]; then
	off=$(dig_offset "$best")
	lim=$(awk -v l="$MAX_OFFSET" -v e="$best_err" 'BEGIN { print l + e }')
fi
if [ -n "$off" ] && abs_le "$off" "$lim"; then
	ok "${CHECKS[3]} (got $off +/- $best_err)"
else
	fail "${CHECKS[3]} (got '$off' +/- '$best_err')"
fi

# NTPsec's ntpdate is a shell shim: "ntpdate -q HOST" runs "ntpdig -t 1
# HOST" and prints ntpdig's line.
D_OUT=$T_TMP/ntpdate.out
timeout 15 sh "$NTPDATE" -q 127.0.0.1 >"$D_OUT" 2>&1
rc=$?
sed "s/^/  # ntpdate: (exit $rc) /" "$D_OUT"
if [ "$rc" -eq 0 ] && [ -n "$(dig_offset "$D_OUT")" ]; then
	ok "${CHECKS[4]}"
else
	fail "${CHECKS[4]} (exit $rc)"
	diag "$SD_LOG"
fi
off=$(dig_offset "$D_OUT")
# A single sample: allow its own error bound on top of the limit.
lim=$(awk -v l="$MAX_OFFSET" -v e="$(dig_error "$D_OUT")" 'BEGIN { print l + e }')
if [ "$(dig_stratum "$D_OUT")" = s10 ] && [ -n "$off" ] && abs_le "$off" "$lim"; then
	ok "${CHECKS[5]} (got $off)"
else
	fail "${CHECKS[5]} (got '$off', limit $lim)"
fi
stop_bg "$SD_PID"

# ---------------------------------------------------------------------
# 2. stratum query measures ntpd, which now takes port 123.
#
# ntpd serves its local clock (stratum 10 + 1 = 11), polled every second.
# The local clock is only selected once "orphanwait" has passed (300 s by
# default), hence "tos orphanwait 0".  No "disable ntp": ntpd would then
# keep answering leap=11 (unsynchronized); its clock adjustments fail with
# EPERM in the namespace instead.  No "limited", so it never rate-limits.

start_ntpd_local

# Until it has selected its local clock, ntpd answers stratum 0 / leap 3
# ("kiss-o'-death INIT" or "not synchronized"); wait for a good answer.
# Takes about a second; 30 s at most.
ntpd_ready() {
	"$STRATUM" query -c 1 -t 1 127.0.0.1 >"$T_TMP/poll.out" 2>&1
}
if wait_until 30 "$N_PID" ntpd_ready; then
	ok "${CHECKS[6]}"
else
	fail "${CHECKS[6]}"
	diag "$T_TMP/poll.out" "$N_LOG"
fi

query_checks 123 "${CHECKS[7]}" "${CHECKS[8]}" "$MAX_OFFSET" "$N_LOG"

# ntpd's own view, over mode 6.  -n: no name lookups.
RV_OUT=$T_TMP/ntpq-rv.out
timeout 15 "$PY" "$NTPQ" -n -c "rv 0 leap,stratum,refid,rootdisp" 127.0.0.1 >"$RV_OUT" 2>&1
sed 's/^/  # ntpq: /' "$RV_OUT"
rv=$(tr -d '\n' <"$RV_OUT")
rv_get() { printf '%s\n' "$rv" | tr ',' '\n' | sed -n "s/^ *$1=//p" | head -n 1; }
nq_stratum=$(rv_get stratum)
nq_refid=$(rv_get refid)
nq_leap=$(rv_get leap)
our_stratum=$(field stratum "$line")
our_refid=$(field refid "$line")
our_leap=$(field leap "$line")

if [ -n "$nq_stratum" ] && [ "$our_stratum" = "$nq_stratum" ]; then
	ok "${CHECKS[9]} (stratum $our_stratum)"
else
	fail "${CHECKS[9]} (printed '$our_stratum', ntpq '$nq_stratum')"
fi
if [ -n "$nq_refid" ] && [ "$our_refid" = "$nq_refid" ]; then
	ok "${CHECKS[10]} (refid $our_refid)"
else
	fail "${CHECKS[10]} (printed '$our_refid', ntpq '$nq_refid')"
fi
# ntpq prints the two leap bits: 00 none, 01 insert, 10 delete, 11 unsync.
case "$nq_leap" in
00) want_leap=none ;;
01) want_leap=insert ;;
10) want_leap=delete ;;
11) want_leap=unsynchronized ;;
*) want_leap="" ;;
esac
if [ -n "$want_leap" ] && [ "$our_leap" = "$want_leap" ]; then
	ok "${CHECKS[11]} (leap $nq_leap, printed $our_leap)"
else
	fail "${CHECKS[11]} (ntpq '$nq_leap', printed '$our_leap')"
fi

J_OUT=$T_TMP/query-j.out
timeout 20 "$STRATUM" query -c 4 -i 0.2 -j 127.0.0.1 >"$J_OUT" 2>&1
j_rc=$?
if [ "$j_rc" -eq 0 ] && "$PY" - "$J_OUT" "$nq_stratum" "$nq_refid" "$MAX_OFFSET" <<'EOF'; then
import json, sys
with open(sys.argv[1]) as f:
    doc = json.load(f)
s = doc["servers"]
assert len(s) == 1, "one server expected"
s = s[0]
assert s["ok"] is True, "ok is not true"
assert s["address"] == "127.0.0.1", "address %r" % s["address"]
assert 1 <= s["samples"] <= s["sent"] == 4, "samples/sent"
assert str(s["stratum"]) == sys.argv[2], "stratum %r" % s["stratum"]
assert s["refid"] == sys.argv[3], "refid %r" % s["refid"]
assert s["leap"] == 0, "leap %r" % s["leap"]
assert abs(s["offset"]) <= float(sys.argv[4]), "offset %r" % s["offset"]
print("  # json: offset %.9f delay %.9f stratum %d refid %s root_distance %.6f" %
      (s["offset"], s["delay"], s["stratum"], s["refid"], s["root_distance"]))
EOF
	ok "${CHECKS[12]}"
else
	fail "${CHECKS[12]} (exit $j_rc)"
	diag "$J_OUT"
fi

finish
