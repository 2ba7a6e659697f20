#!/bin/bash
# SPDX-License-Identifier: ISC
# Interoperability with chrony 4.3 (unpacked by fetch-peers.sh):
#  1. chronyd -Q, as a one-shot client, measures stratumd and accepts it;
#     chronyd as a running client (polling every second or two, asking
#     for interleaved mode) selects stratumd as its source;
#  2. `stratum query` (-v, -j) and `stratum sync --dry-run` measure
#     chronyd serving its local clock at stratum 1, and what they print
#     (stratum, refid, leap) agrees with chronyc's own view.
# Both run on one machine clock, so every offset must be near zero.
# Everything runs in a private user + network namespace (ns_enter).

source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

CHRONYD=$PEERS/chrony/usr/sbin/chronyd
CHRONYC=$PEERS/chrony/usr/bin/chronyc
STRATUM=$BUILD/stratum
PY=/usr/bin/python3
SD_PORT=11123
CH_PORT=11124
MAX_OFFSET=0.001

CHECKS=(
	"stratumd serves the local clock on 127.0.0.1:$SD_PORT"
	"chronyd -Q accepts stratumd's replies"
	"chronyd -Q measures stratumd's offset below $MAX_OFFSET s"
	"chronyd as a running client selects stratumd (^*)"
	"chronyd's NTP tests all pass on stratumd's replies"
	"chronyd sees stratum 10 and refid LOCL from stratumd"
	"chronyd serves its local clock on 127.0.0.1:$CH_PORT"
	"stratum query -v against chronyd exits 0"
	"offset to chronyd below $MAX_OFFSET s"
	"stratum agrees with chronyc tracking"
	"refid agrees with chronyc tracking"
	"leap indicator agrees with chronyc tracking"
	"stratum query -j against chronyd is JSON with ok true"
	"stratum sync --dry-run against chronyd reports a small offset"
)

skip_all_without_peers "${CHECKS[@]}"

# refid_ok HEX STRATUM SHOWN: SHOWN is a faithful rendering of the 32-bit
# refid HEX: dotted quad, hex, or (for names) its ASCII text, where a byte
# outside printable ASCII may show as '?' and NUL padding is dropped.
refid_ok() {
	"$PY" - "$1" "$2" "$3" <<'EOF'
import sys
hexid, stratum, shown = sys.argv[1], int(sys.argv[2]), sys.argv[3]
raw = bytes.fromhex(hexid.strip().rjust(8, "0"))
forms = {".".join(str(b) for b in raw), raw.hex(), raw.hex().upper(),
         "0x" + raw.hex(), "0x" + raw.hex().upper()}
text = raw.split(b"\0", 1)[0]
forms.add("".join(chr(b) if 0x20 <= b <= 0x7e else "?" for b in text))
ok = shown in forms
print("  # refid %s (stratum %d) shown as %r: %s" %
      (raw.hex(), stratum, shown, "ok" if ok else "expected one of %s" % sorted(forms)))
sys.exit(0 if ok else 1)
EOF
}

# ---------------------------------------------------------------------
# 1. chronyd -Q measures stratumd.

if start_stratumd sd "port $SD_PORT
interface ignore all
interface listen 127.0.0.1
clock none
local stratum 10"; then
	ok "${CHECKS[0]}"
else
	fail "${CHECKS[0]}"
	diag "$SD_LOG"
fi

# chronyd -Q exits after its measurement (about 4 s with iburst);
# -t bounds it, timeout(1) bounds it again should it hang.
Q_OUT=$T_TMP/chronyd-q.out
timeout 30 "$CHRONYD" -Q -u root -t 15 -f /dev/null \
	"server 127.0.0.1 port $SD_PORT iburst" "cmdport 0" \
	"pidfile $T_TMP/chronyd-q.pid" >"$Q_OUT" 2>&1
q_rc=$?
wrong=$(sed -n 's/.*System clock wrong by \([-+0-9.e]*\) seconds.*/\1/p' "$Q_OUT" | tail -n 1)
if [ -n "$wrong" ]; then
	ok "${CHECKS[1]}"
	echo "  # chronyd -Q: System clock wrong by $wrong seconds"
	check "${CHECKS[2]} (got $wrong)" abs_le "$wrong" "$MAX_OFFSET"
else
	fail "${CHECKS[1]} (chronyd exit $q_rc, no \"System clock wrong by\")"
	fail "${CHECKS[2]}"
	diag "$Q_OUT" "$SD_LOG"
fi

# A running chronyd client, polling every 1-2 s; xleave makes it ask for
# interleaved mode, which stratumd may decline (its basic replies must
# then still be accepted).  Inspected through its Unix command socket.
CL_CONF=$T_TMP/chronyd-client.conf
CL_LOG=$T_TMP/chronyd-client.log
CL_SOCK=$T_TMP/chronyd-client.sock
cat >"$CL_CONF" <<EOF
server 127.0.0.1 port $SD_PORT iburst minpoll 0 maxpoll 1 xleave
port 0
cmdport 0
bindcmdaddress $CL_SOCK
pidfile $T_TMP/chronyd-client.pid
EOF
start_bg "$CL_LOG" "$CHRONYD" -x -d -u root -f "$CL_CONF"
CL_PID=$BG_PID
SRC_OUT=$T_TMP/chronyc-sources.out
selected=0
for _ in $(seq 1 40); do # 20 s at most; takes about 1 s
	timeout 5 "$CHRONYC" -h "$CL_SOCK" -n sources >"$SRC_OUT" 2>&1
	if grep -q '^\^\* *127\.0\.0\.1 ' "$SRC_OUT"; then
		selected=1
		break
	fi
	kill -0 "$CL_PID" 2>/dev/null || break
	sleep 0.5
done
ND_OUT=$T_TMP/chronyc-ntpdata.out
timeout 5 "$CHRONYC" -h "$CL_SOCK" -n ntpdata >"$ND_OUT" 2>&1
grep -E '^\^' "$SRC_OUT" | sed 's/^/  # chronyc: /'
grep -E '^(Stratum|Reference ID|Offset|Peer delay|NTP tests|Interleaved|Total)' \
	"$ND_OUT" | sed 's/^/  # chronyc: /'
if [ "$selected" = 1 ]; then
	ok "${CHECKS[3]}"
else
	fail "${CHECKS[3]}"
	diag "$SRC_OUT" "$CL_LOG" "$SD_LOG"
fi
# "NTP tests : 111 111 1111" means every sanity test on the reply passed.
if grep -Eq '^NTP tests *: 111 111 1111$' "$ND_OUT"; then
	ok "${CHECKS[4]}"
else
	fail "${CHECKS[4]}"
	diag "$ND_OUT"
fi
if grep -Eq '^Stratum *: 10$' "$ND_OUT" &&
	grep -Eq '^Reference ID *: 4C4F434C ' "$ND_OUT"; then
	ok "${CHECKS[5]}"
else
	fail "${CHECKS[5]}"
	diag "$ND_OUT"
fi
stop_bg "$CL_PID"
stop_bg "$SD_PID"

# ---------------------------------------------------------------------
# 2. stratum query measures chronyd.  The Unix command socket lives in
# $T_TMP (mode 0700, else chronyd refuses it) so chronyc can ask chronyd
# what it believes it serves.

CH_CONF=$T_TMP/chronyd.conf
CH_LOG=$T_TMP/chronyd.log
CH_SOCK=$T_TMP/chronyd.sock
cat >"$CH_CONF" <<EOF
port $CH_PORT
local stratum 1
allow 127.0.0.0/8
cmdport 0
bindcmdaddress $CH_SOCK
pidfile $T_TMP/chronyd.pid
EOF
start_bg "$CH_LOG" "$CHRONYD" -x -d -u root -f "$CH_CONF"
CH_PID=$BG_PID

# Ready when it answers a query and its command socket exists (10 s max).
chronyd_ready() {
	[ -S "$CH_SOCK" ] &&
		"$STRATUM" query -p "$CH_PORT" -c 1 -t 1 127.0.0.1 >/dev/null 2>&1
}
if wait_until 10 "$CH_PID" chronyd_ready; then
	ok "${CHECKS[6]}"
else
	fail "${CHECKS[6]}"
	diag "$CH_LOG"
fi

query_checks "$CH_PORT" "${CHECKS[7]}" "${CHECKS[8]}" "$MAX_OFFSET" "$CH_LOG"

# chronyc -c: CSV; field 1 refid (hex), 3 stratum, 14 leap status.
TR_OUT=$T_TMP/tracking.csv
timeout 10 "$CHRONYC" -h "$CH_SOCK" -n -c tracking >"$TR_OUT" 2>&1
timeout 10 "$CHRONYC" -h "$CH_SOCK" -n tracking 2>&1 |
	grep -E '^(Reference ID|Stratum|Leap status)' | sed 's/^/  # chronyc: /'
IFS=, read -r ch_refid _ ch_stratum _ _ _ _ _ _ _ _ _ _ ch_leap _ <"$TR_OUT"
our_stratum=$(field stratum "$line")
our_refid=$(field refid "$line")
our_leap=$(field leap "$line")

if [ -n "$ch_stratum" ] && [ "$our_stratum" = "$ch_stratum" ]; then
	ok "${CHECKS[9]} (stratum $our_stratum)"
else
	fail "${CHECKS[9]} (stratum printed '$our_stratum', chronyc '$ch_stratum')"
	diag "$TR_OUT"
fi

if [ -n "$ch_refid" ] && [ -n "$our_refid" ] &&
	refid_ok "$ch_refid" "$ch_stratum" "$our_refid"; then
	ok "${CHECKS[10]} (chronyc $ch_refid, printed $our_refid)"
else
	fail "${CHECKS[10]} (chronyc '$ch_refid', printed '$our_refid')"
	diag "$TR_OUT"
fi

case "$ch_leap" in
Normal) want_leap=none ;;
"Insert second") want_leap=insert ;;
"Delete second") want_leap=delete ;;
*) want_leap=unsynchronized ;;
esac
if [ -n "$our_leap" ] && [ "$our_leap" = "$want_leap" ]; then
	ok "${CHECKS[11]} (chronyc '$ch_leap', printed '$our_leap')"
else
	fail "${CHECKS[11]} (chronyc '$ch_leap', printed '$our_leap')"
fi

J_OUT=$T_TMP/query-j.out
timeout 20 "$STRATUM" query -p "$CH_PORT" -c 4 -i 0.2 -j 127.0.0.1 >"$J_OUT" 2>&1
j_rc=$?
if [ "$j_rc" -eq 0 ] && "$PY" - "$J_OUT" "$ch_stratum" "$MAX_OFFSET" <<'EOF'; then
import json, sys
with open(sys.argv[1]) as f:
    doc = json.load(f)
s = doc["servers"]
assert len(s) == 1, "one server expected"
s = s[0]
assert s["ok"] is True, "ok is not true"
assert s["address"] == "127.0.0.1", "address %r" % s["address"]
assert s["samples"] >= 1 and s["samples"] <= s["sent"] == 4, "samples/sent"
assert str(s["stratum"]) == sys.argv[2], "stratum %r" % s["stratum"]
assert abs(s["offset"]) <= float(sys.argv[3]), "offset %r" % s["offset"]
print("  # json: offset %.9f delay %.9f stratum %d refid %s" %
      (s["offset"], s["delay"], s["stratum"], s["refid"]))
EOF
	ok "${CHECKS[12]}"
else
	fail "${CHECKS[12]} (exit $j_rc)"
	diag "$J_OUT"
fi

S_OUT=$T_TMP/sync.out
timeout 20 "$STRATUM" sync --dry-run -p "$CH_PORT" -c 4 -i 0.2 127.0.0.1 >"$S_OUT" 2>&1
s_rc=$?
sed 's/^/  # /' "$S_OUT"
s_off=$(sed -n 's/.*adjust time server 127\.0\.0\.1 offset \([-+0-9.]*\) sec (dry run: clock not changed)$/\1/p' "$S_OUT")
if [ "$s_rc" -eq 0 ] && [ -n "$s_off" ] && abs_le "$s_off" "$MAX_OFFSET"; then
	ok "${CHECKS[13]} (offset $s_off)"
else
	fail "${CHECKS[13]} (exit $s_rc, offset '$s_off')"
fi

finish
