#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# NTP mode 6 (the control protocol) against the real NTPsec ntpq, inside a
# private network namespace:
#  - stratumd (port 123) synchronized to chronyd (127.0.0.1:11200), with
#    11 more server lines nobody answers: 12 associations, each READVAR
#    response fragmented (468 data bytes per fragment, as ntpd);
#  - `ntpq -p` and `ntpq -c rv` show '*' on the system peer with sane
#    reach, poll, delay and offset; `ntpq -c as`, `rv &1`, `rv 0 a,b` and
#    an unknown variable (UNKNOWNVAR) work;
#  - `stratum peers` shows the same rows as `ntpq -pn`, field by field;
#    `stratum peers -j` is JSON with numbers;
#  - fragments on the wire: M bit on all but the last, contiguous offsets,
#    every datagram a multiple of 4 bytes, the last sent last;
#  - with workers 2 under seccomp a worker thread answers ntpq;
#  - mode 6 from a non-loopback address of the namespace (10.9.9.1 on lo)
#    is not answered by default, nor under `restrict ... noquery`, and
#    `stratum peers` then says so within ~2 s and exits 1; a restrict line
#    naming 10.9.9.0/24 (without noquery) opens it;
#  - `ntpq -c sysstats`/`sysinfo` find every variable; the counters (ss_*,
#    stm_*) are there by name, not in `rv`;
#  - `stratum sources/tracking/status/counters` against stratumd and ntpd,
#    every view's -j validated against doc/schema/ (tests/tools/jsonschema.py);
#    no daemon: the message and exit 1 within 4 s;
#  - the MRU list: empty with nobody rate-limited; under `limited kod` the
#    client, nomrulist refused, nonces bound to the asker; `stratum mrulist`
#    = `ntpq -c mrulist` with 31 clients (several rounds) and against ntpd;
#  - `stratum peers` against NTPsec's ntpd matches its `ntpq -pn`.
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

NTPQ=$PEERS/ntpsec/usr/bin/ntpq
CHECKS=("ntpq -p against stratumd" "ntpq -c rv" "stratum peers = ntpq -pn"
	"fragments" "non-loopback refused" "stratum peers against ntpd")
skip_all_without_peers "${CHECKS[@]}"
if ! [ -x /usr/bin/python3 ] || ! [ -f "$NTPQ" ]; then
	for c in "${CHECKS[@]}"; do skip "$c: no python3 or ntpq"; done
	finish
	exit
fi
export PYTHONPATH=$PEERS/ntpsec/usr/lib/python3/dist-packages
ntpq() { timeout 30 /usr/bin/python3 "$NTPQ" "$@"; }
STRATUM=$BUILD/stratum

ip addr add 10.9.9.1/24 dev lo

cat >"$T_TMP/chrony.conf" <<EOC
port 11200
bindaddress 127.0.0.1
local stratum 1
allow 127.0.0.0/8
cmdport 0
pidfile $T_TMP/chrony.pid
EOC
start_bg "$T_TMP/chrony.log" "$PEERS/chrony/usr/sbin/chronyd" -x -d -u root \
	-f "$T_TMP/chrony.conf"

SERVERS="server 127.0.0.1 port 11200 iburst minpoll 1 maxpoll 1"
for p in $(seq 11201 11211); do
	SERVERS="$SERVERS
server 127.0.0.1 port $p minpoll 4 maxpoll 4"
done
start_stratumd sd "interface ignore all
interface listen 127.0.0.1
interface listen 10.9.9.1
clock none
$SERVERS" || { fail "stratumd starts"; diag "$SD_LOG"; finish; exit; }

synced() { "$STRATUM" peers -n 2>/dev/null | grep -q '^\*127\.0\.0\.1 '; }
if ! wait_until 40 "$SD_PID" synced; then
	fail "stratumd selects chronyd (stratum peers shows '*')"
	"$STRATUM" peers -n
	diag "$SD_LOG" "$T_TMP/chrony.log"
fi

# --- ntpq -p -----------------------------------------------------------
out=$(ntpq -p 127.0.0.1 2>&1)
echo "$out" | sed 's/^/  # /'
star=$(grep '^\*' <<<"$out")
check "ntpq -p: the system peer has '*' (localhost, refid shown, st 1, t u)" \
	grep -qE '^\*localhost +[^ ]+ +1 u ' <<<"$star"
check "ntpq -p: 12 associations, 11 of them unreachable (reach 0)" \
	test "$(grep -cE '^[ *+x.#-](localhost|127\.0\.0\.1) ' <<<"$out")" -eq 12 -a \
	"$(awk 'NR > 2 && $7 == 0' <<<"$out" | wc -l)" -eq 11
read -r _ _ _ _ _ poll reach delay offset jitter <<<"$star"
check "ntpq -p: sane poll ($poll), reach ($reach), delay ($delay ms), offset ($offset ms), jitter ($jitter ms)" \
	awk -v p="$poll" -v r="$reach" -v d="$delay" -v o="$offset" -v j="$jitter" \
	'BEGIN { exit !(p == 2 && r + 0 >= 7 && d > 0 && d < 5 &&
		o > -5 && o < 5 && j >= 0 && j < 5) }'

# --- ntpq -c rv and friends -----------------------------------------------
out=$(ntpq -n -c rv 127.0.0.1 2>&1)
echo "$out" | sed 's/^/  # /'
check "ntpq -c rv: status says sync_ntp" \
	grep -q 'sync_ntp' <<<"$out"
check "ntpq -c rv: stratum=2, refid=127.0.0.1, peer=1, version stratumd" \
	bash -c 'grep -q "stratum=2," <<<"$1" && grep -q "refid=127.0.0.1," <<<"$1" &&
		grep -q "peer=1," <<<"$1" && grep -q "version=\"stratumd" <<<"$1"' _ "$out"
out=$(ntpq -n -c as 127.0.0.1 2>&1)
check "ntpq -c as: association 1 is sys.peer, 12 rows" \
	bash -c 'grep -qE "^ +1 +1 +9[0-9a-f]{3} +yes +yes +none +sys.peer" <<<"$1" &&
		test $(grep -cE "^ +[0-9]+ +[0-9]+ " <<<"$1") -eq 12' _ "$out"
out=$(ntpq -n -c "rv &1" 127.0.0.1 2>&1)
echo "$out" | sed 's/^/  # /'
check "ntpq -c 'rv &1': srcadr, srcport 11200, hmode 3, reftime, ppoll 1, filtdelay" \
	bash -c 'grep -q "srcadr=127.0.0.1," <<<"$1" && grep -q "srcport=11200" <<<"$1" &&
		grep -q "hmode=3" <<<"$1" && grep -qE "reftime=[0-9a-f]{8}\.[0-9a-f]{8} 20" <<<"$1" &&
		grep -q "ppoll=1," <<<"$1" && grep -q "filtdelay" <<<"$1"' _ "$out"
check "ntpq -c 'rv &1': dstadr is where replies arrive (127.0.0.1, a real port), flash 0 (every test passed)" \
	bash -c 'grep -q "dstadr=127.0.0.1," <<<"$1" && grep -qE "dstport=[1-9][0-9]*," <<<"$1" &&
		grep -qE "flash=(0x)?0+ ok" <<<"$1"' _ "$out"
out=$(ntpq -n -c "rv &2" 127.0.0.1 2>&1)
check "ntpq -c 'rv &2' (never answered): leap=11 (sent as 3), refid INIT, reach 0, flash peer_unreach, no traceback" \
	bash -c 'grep -q "leap=11," <<<"$1" && grep -q "refid=INIT" <<<"$1" &&
		grep -q "flash=1000 peer_unreach" <<<"$1" &&
		grep -q "reach=000" <<<"$1" && ! grep -q Traceback <<<"$1"' _ "$out"
out=$(ntpq -n -c "rv 0 stratum,offset" 127.0.0.1 2>&1)
check "ntpq -c 'rv 0 stratum,offset': just those ($out)" \
	grep -qE '^stratum=2, offset=-?[0-9.]+$' <<<"$out"
out=$(ntpq -n -c "rv 0 nosuchvar" 127.0.0.1 2>&1)
check "ntpq -c 'rv 0 nosuchvar': UNKNOWNVAR" grep -q UNKNOWNVAR <<<"$out"
out=$(ntpq -c sysstats 127.0.0.1 2>&1)
echo "$out" | sed 's/^/  # /'
check "ntpq -c sysstats: every counter known, packets received > 0, no '???'" \
	bash -c '! grep -qE "\?\?\?|Unknown variable" <<<"$1" &&
		grep -qE "^packets received: +[1-9]" <<<"$1" &&
		grep -qE "^control requests: +[1-9]" <<<"$1"' _ "$out"
out=$(ntpq -c sysinfo 127.0.0.1 2>&1)
check "ntpq -c sysinfo: every variable known, system peer localhost" \
	bash -c '! grep -qE "\?|Unknown variable" <<<"$1" &&
		grep -qE "^system peer: +localhost" <<<"$1"' _ "$out"
names="stm_replies,stm_mode6_served,stm_mode6_refused,stm_clock_steps"
for r in short version mode malformed trunc iface ignore noserve notrust \
	noquery ctl_remote control rate; do names="$names,stm_drop_$r"; done
out=$(ntpq -c "rv 0 $names" 127.0.0.1 2>&1)
check "ntpq -c 'rv 0 stm_...': our counters by name, mode 6 served > 0" \
	bash -c '! grep -q UNKNOWNVAR <<<"$1" &&
		grep -qE "stm_mode6_served=[1-9]" <<<"$1" &&
		test $(grep -oE "stm_drop_[a-z_]+=" <<<"$1" | wc -l) -eq 13' _ "$out"
out=$(ntpq -c rv 127.0.0.1 2>&1)
check "ntpq -c rv: counters only when named (no ss_, stm_drop_ in rv)" \
	bash -c '! grep -qE "ss_|stm_drop" <<<"$1"' _ "$out"

# --- stratum peers = ntpq -pn ---------------------------------------------
# tally, remote, refid, st, t, poll, reach: the same in both (taken back
# to back; retried when a poll fell in between).
cols() { awk 'NR > 2 { print substr($0, 1, 1), $1, $2, $3, $4, $6, $7 }'; }
same=0
for _ in 1 2 3 4 5; do
	a=$(ntpq -pn 127.0.0.1 2>&1 | cols)
	b=$("$STRATUM" peers -n 2>&1 | cols)
	[ -n "$a" ] && [ "$a" = "$b" ] && { same=1; break; }
	sleep 0.3
done
if [ $same -eq 1 ]; then
	ok "stratum peers -n = ntpq -pn (tally, remote, refid, st, t, poll, reach; 12 rows)"
else
	fail "stratum peers -n = ntpq -pn"
	diff <(echo "$a") <(echo "$b") | sed 's/^/  # /'
fi
json=$("$STRATUM" peers -n -j)
check "stratum peers -j: JSON, 12 peers, the '*' one with numbers in seconds" \
	/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
p = [x for x in d["peers"] if x["tally"] == "*"]
ok = len(d["peers"]) == 12 and len(p) == 1 and d["port"] == 123
x = p[0]
ok = ok and x["remote"] == "127.0.0.1" and x["stratum"] == 1 and x["type"] == "u"
ok = ok and all(isinstance(x[k], (int, float)) for k in
	("delay_s", "offset_s", "jitter_s", "poll_s", "when_s", "reach"))
ok = ok and 0 < x["delay_s"] < 0.005 and abs(x["offset_s"]) < 0.005
sys.exit(0 if ok else 1)' "$json"

out=$(ntpq -c mrulist 127.0.0.1 2>&1)
check "ntpq -c mrulist with nobody rate-limited: an empty list, no error" \
	bash -c 'grep -q "^ lstint avgint rstr" <<<"$1" && grep -q "Collected 0 slots" <<<"$1" &&
		! grep -qiE "error|timed out|Traceback" <<<"$1"' _ "$out"

# --- stratum sources / tracking / status / counters ---------------------------
SCHEMA=$ROOT/doc/schema
valid() { /usr/bin/python3 "$ROOT/tests/tools/jsonschema.py" "$SCHEMA/$1.schema.json"; }
check "the schema check rejects a document missing a member" \
	bash -c '! "$@" <<<"{\"host\": \"x\", \"port\": 123}" 2>/dev/null' _ valid status
for v in peers sources tracking status counters; do
	n=-n
	[ $v = counters ] && n=
	out=$("$STRATUM" $v $n -j 2>&1)
	check "stratum $v -j: valid against doc/schema/$v.schema.json" \
		bash -c 'valid() { /usr/bin/python3 "$1" "$2"; }; valid "$@" <<<"$3"' _ \
		"$ROOT/tests/tools/jsonschema.py" "$SCHEMA/$v.schema.json" "$out"
done
# the same remotes, in the same order, with chrony's state for each tally
same=0
for _ in 1 2 3 4 5; do
	a=$("$STRATUM" peers -n 2>&1 | awk 'NR > 2 { t = substr($0, 1, 1)
		s = "?"; if (t == "*" || t == "+" || t == "x") s = t
		if (t == "-" || t == "." || t == "#") s = "-"
		print s, substr($0, 2, 15), $7 }')
	b=$("$STRATUM" sources -n 2>&1 | awk 'NR > 2 { print substr($0, 2, 1),
		substr($0, 4, 15), $5 }')
	[ -n "$a" ] && [ "$a" = "$b" ] && { same=1; break; }
	sleep 0.3
done
check "stratum sources -n: same 12 remotes and reach as peers, '*' -> '^*', rest '^?'" \
	bash -c 'test $1 -eq 1 && test $(grep -c "^\* 127.0.0.1 " <<<"$2") -eq 1 &&
		test $(grep -c "^? " <<<"$2") -eq 11' _ $same "$b"
out=$("$STRATUM" sources -v -n 2>&1)
echo "$out" | sed 's/^/  # /'
check "stratum sources -v: the legend, then ^* 127.0.0.1 stratum 1 poll 1 reach 377 with +/- error" \
	bash -c 'grep -q "Source state .\*. = current best" <<<"$1" &&
		grep -qE "^\^\* 127\.0\.0\.1 +1 +1 +377 +[0-9]+ +[-+][0-9]+[nmu]?s\[ *[-+][0-9]+[nmu]?s\] \+/- +[0-9]+[nmu]?s$" <<<"$1"' _ "$out"
out=$("$STRATUM" tracking 2>&1)
echo "$out" | sed 's/^/  # /'
check "stratum tracking: reference 7F000001, stratum 2, leap Normal, offsets in seconds" \
	bash -c 'grep -qE "^Reference ID +: 7F000001 \(" <<<"$1" &&
		grep -qE "^Stratum +: 2$" <<<"$1" && grep -qE "^Leap status +: Normal$" <<<"$1" &&
		grep -qE "^System time +: [0-9.]+ seconds (slow|fast) of NTP time$" <<<"$1" &&
		grep -qE "^Root delay +: 0\.[0-9]{9} seconds$" <<<"$1"' _ "$out"
out=$("$STRATUM" status -n 2>&1)
echo "$out" | sed 's/^/  # /'
check "stratum status: w32tm's lines, refid 0x7F000001, source 127.0.0.1, synchronized yes" \
	bash -c 'grep -q "^Leap Indicator: 0(no warning)$" <<<"$1" &&
		grep -q "^ReferenceId: 0x7F000001 (source IP:  127.0.0.1)$" <<<"$1" &&
		grep -q "^Source: 127.0.0.1$" <<<"$1" && grep -q "^Poll Interval: 1 (2s)$" <<<"$1" &&
		grep -q "^Synchronized: yes$" <<<"$1"' _ "$out"
json=$("$STRATUM" status -n -j)
check "stratum status -j: synchronized true, numbers in seconds, age < 10 s" \
	/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
ok = d["synchronized"] is True and d["why"] is None and d["stratum"] == 2
ok = ok and d["ref_id_hex"] == "0x7F000001" and d["source"] == "127.0.0.1"
ok = ok and 0 <= d["last_sync_age_s"] < 10 and 0 < d["root_delay_s"] < 0.01
sys.exit(0 if ok else 1)' "$json"
json=$("$STRATUM" counters -j)
check "stratum counters -j: received > 0, mode 6 served > 0, every drop reason a number" \
	/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
ok = d["received"] > 0 and d["mode6_served"] > 0 and d["uptime_s"] >= 0
ok = ok and all(isinstance(v, int) for v in d["dropped"].values())
sys.exit(0 if ok else 1)' "$json"
t0=$SECONDS
out=$("$STRATUM" status -p 9 2>&1)
rc=$?
check "stratum status against a port nobody serves: exit 1 within 4 s, says so" \
	bash -c 'test $1 -eq 1 -a $2 -le 4 && grep -q "no daemon answering on 127.0.0.1:9 (is stratumd running? mode 6 restricted?)" <<<"$3"' \
	_ $rc $((SECONDS - t0)) "$out"

# --- fragments on the wire --------------------------------------------------
frag=$(/usr/bin/python3 - <<'EOP'
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(struct.pack(">BBHHHHH", 0x16, 2, 77, 0, 1, 0, 0), ("127.0.0.1", 123))
got, data, ok = [], {}, True
while True:
    b = s.recv(4096)
    r, seq, st, assoc, off, cnt = struct.unpack(">BHHHHH", b[1:12])
    ok = ok and len(b) % 4 == 0 and r & 0x80 and seq == 77 and assoc == 1
    got.append((off, cnt, bool(r & 0x20)))
    data[off] = b[12:12 + cnt]
    if not r & 0x20:
        break
offs = sorted(data)
pos = 0
for o in offs:
    ok = ok and o == pos
    pos += len(data[o])
ok = ok and len(got) >= 2 and all(m for _, _, m in got[:-1])
ok = ok and all(c <= 468 for _, c, _ in got)
print("ok" if ok else "bad", got)
EOP
)
check "READVAR of one association: $frag" grep -q '^ok' <<<"$frag"

# --- not from loopback ------------------------------------------------------
t0=$SECONDS
out=$("$STRATUM" peers -h 10.9.9.1 2>&1)
rc=$?
check "stratum peers -h 10.9.9.1: exit 1 within 4 s ($out)" \
	test $rc -eq 1 -a $((SECONDS - t0)) -le 4
check "and says no daemon is answering" \
	grep -q "no daemon answering on 10.9.9.1:123 (is stratumd running? mode 6 restricted?)" <<<"$out"
out=$("$STRATUM" query -c 1 10.9.9.1 2>&1)
check "time service on 10.9.9.1 still answers" test $? -eq 0
stop_bg "$SD_PID"
line=$(grep "packets:" "$SD_LOG")
echo "  # $line"
check "exit counters: mode 6 from 10.9.9.1 counted as not from loopback" \
	grep -qE '[1-9][0-9]* mode 6 not from loopback' <<<"$line"
check "exit counters: mode 6 answered counted on their own, none short" \
	grep -qE '\(0 short, .* [1-9][0-9]* mode 6 answered' <<<"$line"

# --- workers 2 under seccomp: a worker thread answers ------------------------
STRATUMD_ARGS="${STRATUMD_ARGS:-} -F 1" start_stratumd w2 "interface ignore all
interface listen 127.0.0.1
clock none
workers 2
server 127.0.0.1 port 11200 iburst minpoll 1 maxpoll 1" ||
	fail "stratumd starts (workers 2)"
if wait_until 30 "$SD_PID" synced; then
	out=$(ntpq -pn 127.0.0.1 2>&1)
	echo "$out" | sed 's/^/  # /'
	check "workers 2 under seccomp: ntpq -pn shows '*' on chronyd" \
		grep -qE '^\*127\.0\.0\.1 ' <<<"$out"
	json=$("$STRATUM" counters -j)
	check "workers 2: stratum counters sums both threads (received > mode 6 served > 0)" \
		/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if d["received"] >= d["mode6_served"] > 0 else 1)' "$json"
else
	fail "workers 2 under seccomp: stratum peers shows '*'"
	diag "$SD_LOG"
fi
stop_bg "$SD_PID"

# --- restrict noquery -------------------------------------------------------
start_stratumd nq "interface ignore all
interface listen 127.0.0.1
clock none
local stratum 10
restrict 127.0.0.1 noquery" || fail "stratumd starts (noquery)"
out=$("$STRATUM" peers 2>&1)
check "restrict 127.0.0.1 noquery: stratum peers exits 1" test $? -eq 1
stop_bg "$SD_PID"
check "and the request is counted as noquery" \
	grep -qE '[1-9][0-9]* noquery' "$SD_LOG"

# --- restrict naming an address opens mode 6 to it --------------------------
start_stratumd open "interface ignore all
interface listen 127.0.0.1
interface listen 10.9.9.1
clock none
local stratum 10
restrict default nomodify
restrict 10.9.9.0 mask 255.255.255.0 nomodify" || fail "stratumd starts (open)"
out=$("$STRATUM" peers -n -h 10.9.9.1 2>&1)
rc=$?
echo "$out" | sed 's/^/  # /'
check "restrict 10.9.9.0 mask 255.255.255.0: stratum peers -h 10.9.9.1 answered (exit $rc)" \
	bash -c 'test $1 -eq 0 && grep -q "^     remote" <<<"$2"' _ $rc "$out"
out=$(ntpq -n -c "rv 0 stratum" 10.9.9.1 2>&1)
check "and ntpq -c 'rv 0 stratum' from 10.9.9.1 says stratum=10 ($(tr '\n' ' ' <<<"$out"))" \
	grep -q '^stratum=10$' <<<"$out"
stop_bg "$SD_PID"

# --- the MRU list: rate-limited clients ---------------------------------------
ip addr add 127.0.0.2/8 dev lo 2>/dev/null
start_stratumd mru "interface ignore all
interface listen 127.0.0.1
clock none
local stratum 10
restrict default limited kod
restrict 127.0.0.2 limited nomrulist" || fail "stratumd starts (mru)"
"$STRATUM" query -c 5 -i 0.2 127.0.0.1 >/dev/null 2>&1
out=$(ntpq -n -c mrulist 127.0.0.1 2>&1)
echo "$out" | sed 's/^/  # /'
# (the client stops at the RATE kiss: one answered, one KoD)
check "ntpq -c mrulist: 127.0.0.1, restrict K, mode 3 version 4, 2 requests, 1 limited, a client port" \
	bash -c 'grep -qE "^ +[0-9]+ +[0-9.]+ +420 K 3 4 +2 +- +1 +[1-9][0-9]* 127\.0\.0\.1$" <<<"$1"' _ "$out"
mru=$(/usr/bin/python3 - <<'EOP'
import socket, struct
def ask(src, op, data=b"", seq=1):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(1)
    pad = b"\0" * ((4 - (12 + len(data)) % 4) % 4)
    s.sendto(struct.pack(">BBHHHHH", 0x16, op, seq, 0, 0, 0, len(data)) + data + pad,
             ("127.0.0.1", 123))
    try:
        b = s.recv(4096)
    except socket.timeout:
        return None
    r, _, st, _, _, cnt = struct.unpack(">BHHHHH", b[1:12])
    return r, st, b[12:12 + cnt]
r = ask("127.0.0.2", 12)
out = ["nomrulist:" + ("PERMISSION" if r and r[0] & 0x40 and r[1] >> 8 == 1 else "answered")]
r = ask("127.0.0.1", 12)
nonce = r[2].decode().strip() if r else ""
out.append("nonce:" + ("ok" if nonce.startswith("nonce=") and len(nonce) == 30 else "bad"))
r = ask("127.0.0.1", 10, b"nonce=00000000" + b"0" * 16 + b", frags=4", 2)
out.append("forged:" + ("silent" if r is None else "answered"))
r = ask("127.0.0.3", 10, nonce.encode() + b", frags=4", 3)
out.append("other-address:" + ("silent" if r is None else "answered"))
r = ask("127.0.0.1", 10, nonce.encode() + b", frags=4", 4)
out.append("own:" + ("list" if r and b"addr.0=127.0.0.1:" in r[2] and b"now=" in r[2] else "bad"))
print(" ".join(out))
EOP
)
check "MRU: nomrulist gets PERMISSION, the nonce is 24 hex, a forged one or one from another address gets nothing, the right one the list ($mru)" \
	test "$mru" = "nomrulist:PERMISSION nonce:ok forged:silent other-address:silent own:list"
# 30 more clients (127.0.1.x): the list takes several READ_MRU rounds
for i in $(seq 2 31); do ip addr add 127.0.1.$i/8 dev lo; done
/usr/bin/python3 - <<'EOP'
import socket, struct
for i in range(2, 32):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.1.%d" % i, 0))
    s.sendto(b"\x23" + b"\0" * 39 + struct.pack(">Q", i), ("127.0.0.1", 123))
    s.close()
EOP
a=$(ntpq -n -c mrulist 127.0.0.1 2>&1 | awk '$NF ~ /^127\./ { print $NF, $7 }' | sort)
b=$("$STRATUM" mrulist -n 2>&1 | awk 'NR > 2 { print $NF, $7 }' | sort)
check "stratum mrulist -n = ntpq -c mrulist: the same 31 clients and counts" \
	bash -c 'test "$1" = "$2" && test $(wc -l <<<"$1") -eq 31' _ "$a" "$b"
out=$("$STRATUM" mrulist -j 2>&1)
check "stratum mrulist -j: valid against doc/schema/mrulist.schema.json, 31 clients" \
	bash -c '/usr/bin/python3 "$1" "$2" <<<"$3" && test $(grep -c "\"address\"" <<<"$3") -eq 31' _ \
	"$ROOT/tests/tools/jsonschema.py" "$SCHEMA/mrulist.schema.json" "$out"
stop_bg "$SD_PID"

# --- against NTPsec's ntpd ------------------------------------------------------
start_ntpd_local
ntpd_ready() { ntpq -pn 127.0.0.1 2>/dev/null | grep -q '^\*'; }
if wait_until 40 "$N_PID" ntpd_ready; then
	a=$(ntpq -pn 127.0.0.1 2>&1)
	b=$("$STRATUM" peers -n 2>&1)
	echo "$a" | sed 's/^/  # ntpq:    /'
	echo "$b" | sed 's/^/  # stratum: /'
	check "stratum peers against ntpd: same tally, remote, refid, st, t, poll as ntpq -pn" \
		test "$(cols <<<"$a" | cut -d' ' -f1-6)" = "$(cols <<<"$b" | cut -d' ' -f1-6)"
	st=$(ntpq -c "rv 0 stratum" 127.0.0.1 2>&1 | sed -n 's/^stratum=//p')
	out=$("$STRATUM" tracking 2>&1)
	echo "$out" | sed 's/^/  # /'
	check "stratum tracking against ntpd: stratum $st as ntpq says, leap Normal, ntpd lacks RMS offset (-)" \
		bash -c 'grep -qE "^Stratum +: $2$" <<<"$1" && grep -qE "^Leap status +: Normal$" <<<"$1" &&
			grep -qE "^RMS offset +: -$" <<<"$1"' _ "$out" "$st"
	out=$("$STRATUM" status 2>&1)
	echo "$out" | sed 's/^/  # /'
	check "stratum status against ntpd: stratum $st, synchronized yes" \
		bash -c 'grep -q "^Stratum: $2 " <<<"$1" && grep -q "^Synchronized: yes$" <<<"$1"' _ "$out" "$st"
	out=$("$STRATUM" sources -n 2>&1)
	echo "$out" | sed 's/^/  # /'
	check "stratum sources against ntpd: the local clock selected ('#*')" \
		grep -qE '^#\* ' <<<"$out"
	for v in tracking status counters sources; do
		out=$("$STRATUM" $v -j 2>&1)
		check "stratum $v -j against ntpd: valid against its schema" \
			bash -c '/usr/bin/python3 "$1" "$2" <<<"$3"' _ \
			"$ROOT/tests/tools/jsonschema.py" "$SCHEMA/$v.schema.json" "$out"
	done
	a=$(ntpq -n -c mrulist 127.0.0.1 2>&1 | awk '$NF ~ /^127\./ { print $NF }' | sort)
	b=$("$STRATUM" mrulist -n 2>&1 | awk 'NR > 2 { print $NF }' | sort)
	check "stratum mrulist against ntpd: the same clients as its ntpq -c mrulist ($(echo $b))" \
		bash -c 'test -n "$1" && test "$1" = "$2"' _ "$a" "$b"
	json=$("$STRATUM" counters -j)
	check "stratum counters -j against ntpd: its ss_* counters, null for stratumd's own" \
		/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
ok = d["received"] > 0 and d["mode6_served"] is None and d["dropped"]["short"] is None
sys.exit(0 if ok else 1)' "$json"
else
	fail "NTPsec ntpd selects its local clock"
	diag "$N_LOG"
fi
stop_bg "$N_PID"
finish
