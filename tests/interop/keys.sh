#!/bin/bash
# SPDX-License-Identifier: ISC
# Symmetric-key authentication (MD5, SHA1, AES-128-CMAC) against chrony 4.3
# and NTPsec 1.2.2, both ways, with the key files of
# ../shared/INTEROP-AUTH-MODE6.md (the same secrets in ntp.keys and
# chrony.keys formats):
#  A. stratumd as a client of chronyd with key 1 (MD5), 2 (SHA1) and 3
#     (AES128): each source reachable; key 5 with another secret than
#     chronyd's never reachable; a reply whose transmit timestamp a proxy
#     altered is rejected ("bad MAC") and never a sample;
#  B. chronyd as a client of stratumd (restrict default notrust, two
#     serving threads sharing the keys): chronyc
#     ntpdata says "Authenticated : Yes" for keys 1-3; a source without
#     key gets nothing, and so does an unauthenticated `stratum query`;
#     a wrong key 5 (to a stratumd without notrust) gets crypto-NAKs,
#     which chronyd does not count as valid;
#  C. stratumd as a client of NTPsec's ntpd with keys 1-3 (reachable),
#     and NTPsec's ntpd as a client of stratumd with each key: `ntpq -c as`
#     shows auth "ok"; with a wrong key "bad" and no reach;
#  E. under notrust, NTS counts as authentication: a chronyd NTS client
#     of a stratumd with `restrict default notrust` is answered (an
#     openssl-made CA and server certificate for 127.0.0.1);
#  D. a stratumd on a virtual clock 0.5 s off whose only sources fail
#     authentication (wrong key: silence from chronyd, crypto-NAKs from
#     stratumd; tampered replies) never steps or synchronizes.
# NTPsec can only use 127.0.0.1 as a server address and port 123, so each
# NTPsec-client run (one per key) has a network namespace of its own
# (unshare -n inside ours), run side by side.  Everything else shares one
# user + network namespace (ns_enter) with 127.0.0.2-9 added to lo:
# chronyd answers on .1-.4 (A), the proxy listens on .6, ntpd answers
# stratumd on .7-.9 (C).

source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

peer_paths
STRATUM=$BUILD/stratum
SD=$BUILD/stratumd
PY=/usr/bin/python3

CH_PORT=11701 # chronyd server (part A)
SA_PORT=11702 # stratumd client of chronyd (A), of ntpd (C)
SB_PORT=11711 # stratumd server under notrust (B)
SC_PORT=11712 # stratumd server without notrust (B: crypto-NAK)
PX_PORT=11720 # tampering proxy on 127.0.0.6 in front of stratumd (B)
SN_PORT=11730 # stratumd whose sources all fail (D)
SE_PORT=11740 # stratumd NTS server under notrust (E)
WAIT=25       # seconds any condition may take

CHECKS=(
	"A: stratumd with key 1 (MD5) reaches chronyd"
	"A: stratumd with key 2 (SHA1) reaches chronyd"
	"A: stratumd with key 3 (AES128) reaches chronyd"
	"A: stratumd with a wrong key 5 never reaches chronyd"
	"A: a reply altered in flight is rejected as a bad MAC, never reached"
	"B: chronyd with key 1 (MD5): Authenticated : Yes"
	"B: chronyd with key 2 (SHA1): Authenticated : Yes"
	"B: chronyd with key 3 (AES128): Authenticated : Yes"
	"B: chronyd with a wrong key 5: crypto-NAKs received, none valid"
	"B: chronyd without a key under notrust: no valid reply"
	"B: unauthenticated stratum query under notrust: no answer"
	"B: stratumd counts authenticated requests, notrust drops, crypto-NAKs"
	"C: stratumd with key 1 (MD5) reaches NTPsec"
	"C: stratumd with key 2 (SHA1) reaches NTPsec"
	"C: stratumd with key 3 (AES) reaches NTPsec"
	"C: NTPsec with key 1 (MD5): ntpq -c as shows auth ok"
	"C: NTPsec with key 2 (SHA1): ntpq -c as shows auth ok"
	"C: NTPsec with key 3 (AES): ntpq -c as shows auth ok"
	"C: NTPsec with a wrong key 5: auth bad, not reached"
	"D: failing authentication never moves the virtual clock"
	"A: mode 6 (stratum peers -j, sources -a) shows auth ok, keyid 1-3, and bad for key 5"
	"E: under notrust a chronyd NTS client is answered (Authenticated : Yes)"
)

skip_all_without_peers "${CHECKS[@]}"

for a in 2 3 4 5 6 7 8 9; do
	ip addr add "127.0.0.$a/8" dev lo
done

K=$T_TMP/ntp.keys
cat >"$K" <<'EOF'
# ntpd / NTPsec format
1 MD5 md5secretkey01
2 SHA1 D98B7740CF6FF94D9A50C05F7249B78942092CE9
3 AES EBA53178B20A2500494B882FEF03FB6D
5 MD5 rightsecret5
EOF
sed 's/rightsecret5/wrongsecret5/' "$K" >"$T_TMP/wrong.keys"
cat >"$T_TMP/chrony.keys" <<'EOF'
1 MD5 ASCII:md5secretkey01
2 SHA1 HEX:D98B7740CF6FF94D9A50C05F7249B78942092CE9
3 AES128 HEX:EBA53178B20A2500494B882FEF03FB6D
5 MD5 ASCII:rightsecret5
EOF
sed 's/rightsecret5/wrongsecret5/' "$T_TMP/chrony.keys" >"$T_TMP/chrony-wrong.keys"
chmod 600 "$K" "$T_TMP"/*.keys

# ---------------------------------------------------------------------
# C2 first: the NTPsec clients take longest.  inner NAME KEY KEYFILE runs
# in its own network namespace: stratumd serving on 127.0.0.1:123 with
# the right keys, ntpd on 127.0.0.2 asking 127.0.0.1 with key KEY (its key
# file KEYFILE), until `ntpq -c as` shows the association authenticated
# (or, for the wrong key, for 12 s); its output goes to NAME.as.
cat >"$T_TMP/inner.sh" <<'EOF'
set -u
name=$1 key=$2 keyfile=$3 want=$4
dir=$T_TMP/$name
mkdir -p "$dir"
ip link set lo up
ip addr add 127.0.0.2/8 dev lo
# ntpd sends from 127.0.0.2 to 127.0.0.1 (INTEROP-AUTH-MODE6.md)
ip route replace local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.2
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; wait' EXIT
trap 'exit 1' TERM INT
printf '%s\n' "interface ignore all" "interface listen 127.0.0.1" "clock none" \
	"local stratum 10" "keys $K" "trustedkey 1 2 3 5" >"$dir/sd.conf"
"$SD" -d -c "$dir/sd.conf" >"$dir/sd.log" 2>&1 &
pids="$pids $!"
printf '%s\n' "interface ignore wildcard" "interface ignore ipv6" \
	"interface ignore 127.0.0.1" "interface listen 127.0.0.2" \
	"restrict default nomodify nopeer" "restrict 127.0.0.1" \
	"keys $keyfile" "trustedkey 1 2 3 5" \
	"server 127.0.0.1 key $key iburst minpoll 3 maxpoll 3" >"$dir/ntpd.conf"
"$NTPD" -n -c "$dir/ntpd.conf" >"$dir/ntpd.log" 2>&1 &
pids="$pids $!"
end=$((SECONDS + want))
while [ "$SECONDS" -lt "$end" ]; do
	sleep 1
	"$NTPQ" -n -c as 127.0.0.2 >"$dir/as.out" 2>&1
	[ "$key" != 5 ] && grep -Eq ' yes +yes +ok ' "$dir/as.out" && break
done
"$NTPQ" -n -c "rv &1 keyid,reach,srcadr" 127.0.0.2 >>"$dir/as.out" 2>&1
EOF
export T_TMP K SD NTPD NTPQ PYTHONPATH
INNER_PIDS=""
for k in 1 2 3; do
	start_bg "$T_TMP/inner$k.log" unshare -n bash "$T_TMP/inner.sh" "ntpsec$k" "$k" "$K" "$WAIT"
	INNER_PIDS="$INNER_PIDS $BG_PID"
done
start_bg "$T_TMP/inner5.log" unshare -n bash "$T_TMP/inner.sh" ntpsec5 5 "$T_TMP/wrong.keys" 12
INNER_PIDS="$INNER_PIDS $BG_PID"

# ---------------------------------------------------------------------
# Servers: chronyd (A), stratumd under notrust (B), ntpd on port 123 (C).

cat >"$T_TMP/chronyd-srv.conf" <<EOF
port $CH_PORT
local stratum 1
allow 127.0.0.0/8
keyfile $T_TMP/chrony.keys
cmdport 0
bindcmdaddress $T_TMP/chronyd-srv.sock
pidfile $T_TMP/chronyd-srv.pid
EOF
start_bg "$T_TMP/chronyd-srv.log" "$CHRONYD" -x -d -u root -f "$T_TMP/chronyd-srv.conf"

start_stratumd sb "port $SB_PORT
interface ignore all
interface listen lo
clock none
local stratum 10
keys $K
trustedkey 1 2 3 5
restrict default notrust
workers 2"
SB_PID=$SD_PID
SB_LOG=$SD_LOG
start_stratumd sc "port $SC_PORT
interface ignore all
interface listen 127.0.0.4
clock none
local stratum 10
keys $K
trustedkey 1 2 3 5"
SC_PID=$SD_PID
SC_LOG=$SD_LOG

printf '%s\n' "refclock local stratum 10 minpoll 0 maxpoll 0" \
	"tos orphanwait 0" "restrict default nomodify" "keys $K" \
	"trustedkey 1 2 3" >"$T_TMP/ntpd-srv.conf"
start_bg "$T_TMP/ntpd-srv.log" "$NTPD" -n -c "$T_TMP/ntpd-srv.conf"
N_PID=$BG_PID

# The tampering proxy: requests to 127.0.0.6:PX_PORT go to stratumd (B);
# each reply gets its transmit timestamp's last byte flipped, so its MAC
# no longer verifies.  It counts what it altered.
cat >"$T_TMP/proxy.py" <<'EOF'
import socket, sys
port, upstream, count = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.6", port))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.6", 0))
u.settimeout(1)
n = 0
while True:
    req, client = s.recvfrom(2048)
    u.sendto(req, ("127.0.0.1", upstream))
    try:
        rep = u.recv(2048)
    except socket.timeout:
        continue
    if len(rep) >= 48:
        rep = rep[:47] + bytes([rep[47] ^ 1]) + rep[48:]
        n += 1
        with open(count, "w") as f:
            f.write("%d\n" % n)
    s.sendto(rep, client)
EOF
start_bg "$T_TMP/proxy.log" "$PY" "$T_TMP/proxy.py" "$PX_PORT" "$SB_PORT" "$T_TMP/proxy.count"

# E: a CA and a certificate for 127.0.0.1, then stratumd serving NTS
# under notrust, then chronyd as its NTS client.
PKI=$T_TMP/pki
mkdir -p "$PKI"
printf '%s\n' "basicConstraints=critical,CA:FALSE" \
	"keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
	"subjectAltName=IP:127.0.0.1" >"$PKI/srv.ext"
if openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -keyout "$PKI/ca.key" -out "$PKI/ca.pem" -days 30 \
	-subj /CN=stratum-keys-test-ca \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign >"$PKI/openssl.log" 2>&1 &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$PKI/server.key" -out "$PKI/server.csr" \
		-subj /CN=127.0.0.1 >>"$PKI/openssl.log" 2>&1 &&
	openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" \
		-CAkey "$PKI/ca.key" -CAcreateserial -out "$PKI/server.pem" \
		-days 30 -extfile "$PKI/srv.ext" >>"$PKI/openssl.log" 2>&1; then
	chmod 600 "$PKI/ca.key" "$PKI/server.key"
	start_stratumd se "port $SE_PORT
interface ignore all
interface listen 127.0.0.1
clock none
local stratum 10
restrict default notrust
ntsservercert $PKI/server.pem
ntsserverkey $PKI/server.key"
	SE_LOG=$SD_LOG
	cat >"$T_TMP/chronyd-nts.conf" <<EOF
server 127.0.0.1 nts port $SE_PORT iburst minpoll -1 maxpoll 0
ntstrustedcerts $PKI/ca.pem
port 0
cmdport 0
bindcmdaddress $T_TMP/chronyd-nts.sock
pidfile $T_TMP/chronyd-nts.pid
EOF
	start_bg "$T_TMP/chronyd-nts.log" "$CHRONYD" -x -d -u root -f "$T_TMP/chronyd-nts.conf"
	NE_PID=$BG_PID
else
	NE_PID=""
fi

# ---------------------------------------------------------------------
# Clients: stratumd of chronyd and ntpd (A, C), chronyd of stratumd (B),
# stratumd with failing sources only (D).

start_stratumd sa "port $SA_PORT
interface ignore all
interface listen 127.0.0.1
clock none
keys $T_TMP/wrong.keys
trustedkey 1 2 3 5
server 127.0.0.1 port $CH_PORT key 1 iburst minpoll 0 maxpoll 0
server 127.0.0.2 port $CH_PORT key 2 iburst minpoll 0 maxpoll 0
server 127.0.0.3 port $CH_PORT key 3 iburst minpoll 0 maxpoll 0
server 127.0.0.4 port $CH_PORT key 5 iburst minpoll 0 maxpoll 0
server 127.0.0.6 port $PX_PORT key 1 iburst minpoll 0 maxpoll 0
server 127.0.0.7 key 1 iburst minpoll 0 maxpoll 0
server 127.0.0.8 key 2 iburst minpoll 0 maxpoll 0
server 127.0.0.9 key 3 iburst minpoll 0 maxpoll 0"
SA_LOG=$SD_LOG

start_stratumd sn "port $SN_PORT
interface ignore all
interface listen 127.0.0.1
clock virtual offset 0.5
tos minclock 1 minsane 1
keys $T_TMP/wrong.keys
trustedkey 1 2 3 5
server 127.0.0.4 port $CH_PORT key 5 iburst minpoll 0 maxpoll 0
server 127.0.0.6 port $PX_PORT key 1 iburst minpoll 0 maxpoll 0
server 127.0.0.4 port $SC_PORT key 5 iburst minpoll 0 maxpoll 0"
SN_LOG=$SD_LOG

cat >"$T_TMP/chronyd-cli.conf" <<EOF
server 127.0.0.1 port $SB_PORT key 1 iburst minpoll 0 maxpoll 0
server 127.0.0.2 port $SB_PORT key 2 iburst minpoll 0 maxpoll 0
server 127.0.0.3 port $SB_PORT key 3 iburst minpoll 0 maxpoll 0
server 127.0.0.4 port $SC_PORT key 5 iburst minpoll 0 maxpoll 0
server 127.0.0.5 port $SB_PORT iburst minpoll 0 maxpoll 0
keyfile $T_TMP/chrony-wrong.keys
port 0
cmdport 0
bindcmdaddress $T_TMP/chronyd-cli.sock
pidfile $T_TMP/chronyd-cli.pid
EOF
start_bg "$T_TMP/chronyd-cli.log" "$CHRONYD" -x -d -u root -f "$T_TMP/chronyd-cli.conf"
CC_PID=$BG_PID

# ---------------------------------------------------------------------
# Wait for the good cases, then judge everything once.

# sa_good: "ADDR=REACH ..." for every source of stratumd (A, C), from
# its mode 6 (`stratum peers -j`), into $T_TMP/sa.reach; true when the
# six good sources (.1-.3 chronyd, .7-.9 ntpd) have all answered.
sa_good() {
	"$STRATUM" peers -n -j -p "$SA_PORT" >"$T_TMP/sa.json" 2>&1 || return 1
	"$STRATUM" sources -a -n -p "$SA_PORT" >"$T_TMP/sa.sources" 2>&1 || return 1
	"$PY" - "$T_TMP/sa.json" >"$T_TMP/sa.reach" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
r = {p["remote"]: p["reach"] for p in doc["peers"]}
print(" ".join("%s=%d" % kv for kv in sorted(r.items())))
with open(sys.argv[1] + ".auth", "w") as f:
    for p in sorted(doc["peers"], key=lambda p: p["remote"]):
        f.write("%s %s %d\n" % (p["remote"], p["auth"], p["keyid"]))
good = ["127.0.0.%d" % a for a in (1, 2, 3, 7, 8, 9)]
sys.exit(0 if all(r.get(a, 0) > 0 for a in good) else 1)
EOF
}
cc_auth() {
	local a out
	for a in 1 2 3; do
		out=$(timeout 5 "$CHRONYC" -h "$T_TMP/chronyd-cli.sock" -n ntpdata "127.0.0.$a" 2>&1)
		grep -Eq '^Authenticated *: Yes' <<<"$out" || return 1
	done
}
wait_until "$WAIT" "$CC_PID" cc_auth
wait_until "$WAIT" "$N_PID" sa_good
echo "  # stratumd (A, C) reach by source: $(cat "$T_TMP/sa.reach" 2>/dev/null)"
reach_at() { # ADDR: the reach register of that source, -1 if not shown
	local f
	for f in $(cat "$T_TMP/sa.reach" 2>/dev/null); do
		[ "${f%=*}" = "$1" ] && echo "${f#*=}" && return
	done
	echo -1
}

# A
for i in 0 1 2; do
	r=$(reach_at "127.0.0.$((i + 1))")
	if [ "$r" -gt 0 ]; then
		ok "${CHECKS[$i]} (reach $r)"
	else
		fail "${CHECKS[$i]} (reach $r)"
		diag "$SA_LOG" "$T_TMP/chronyd-srv.log"
	fi
done
r=$(reach_at 127.0.0.4)
if [ "$r" = 0 ] && ! grep -q '127\.0\.0\.4: reachable' "$SA_LOG"; then
	ok "${CHECKS[3]}"
else
	fail "${CHECKS[3]} (reach $r)"
fi
altered=$(cat "$T_TMP/proxy.count" 2>/dev/null || echo 0)
if [ "$altered" -gt 0 ] && [ "$(reach_at 127.0.0.6)" = 0 ] &&
	grep -q 'server 127\.0\.0\.6: reply rejected: bad MAC (key 1 expected, 1 received)' "$SA_LOG"; then
	ok "${CHECKS[4]} ($altered replies altered)"
else
	fail "${CHECKS[4]} (altered $altered, reach $(reach_at 127.0.0.6))"
	diag "$SA_LOG" "$T_TMP/proxy.log"
fi

want_auth="127.0.0.1 ok 1
127.0.0.2 ok 2
127.0.0.3 ok 3
127.0.0.4 bad 5"
got_auth=$(head -n 4 "$T_TMP/sa.json.auth" 2>/dev/null)
# sources -a: "NAME SK KEYID AUTH ..." for the same four
got_src=$(awk 'NR > 2 && NR <= 6 { print $1, $3, $4, $2 }' "$T_TMP/sa.sources" 2>/dev/null)
want_src="127.0.0.1 1 ok SK
127.0.0.2 2 ok SK
127.0.0.3 3 ok SK
127.0.0.4 5 bad SK"
if [ "$got_auth" = "$want_auth" ] && [ "$got_src" = "$want_src" ]; then
	ok "${CHECKS[20]}"
else
	fail "${CHECKS[20]}"
	diag "$T_TMP/sa.json.auth" "$T_TMP/sa.sources"
fi

# B
for a in 1 2 3 4 5; do
	timeout 5 "$CHRONYC" -h "$T_TMP/chronyd-cli.sock" -n ntpdata "127.0.0.$a" \
		>"$T_TMP/ntpdata$a.out" 2>&1
done
timeout 5 "$CHRONYC" -h "$T_TMP/chronyd-cli.sock" -n sources 2>&1 | sed 's/^/  # chronyc: /'
for a in 1 2 3; do
	if grep -Eq '^Authenticated *: Yes' "$T_TMP/ntpdata$a.out" &&
		grep -Eq '^Total valid RX *: [1-9]' "$T_TMP/ntpdata$a.out"; then
		ok "${CHECKS[$((4 + a))]}"
	else
		fail "${CHECKS[$((4 + a))]}"
		diag "$T_TMP/ntpdata$a.out" "$SB_LOG"
	fi
done
grep -E '^(Authenticated|Total RX|Total valid RX)' "$T_TMP/ntpdata4.out" | sed 's/^/  # key 5: /'
if grep -Eq '^Total valid RX *: 0$' "$T_TMP/ntpdata4.out" &&
	grep -Eq '^Total RX *: [1-9]' "$T_TMP/ntpdata4.out"; then
	ok "${CHECKS[8]}"
else
	fail "${CHECKS[8]}"
	diag "$T_TMP/ntpdata4.out"
fi
if grep -Eq '^Total RX *: 0$' "$T_TMP/ntpdata5.out"; then
	ok "${CHECKS[9]}"
else
	fail "${CHECKS[9]}"
	diag "$T_TMP/ntpdata5.out"
fi
if "$STRATUM" query -p "$SB_PORT" -c 1 -t 1 127.0.0.1 >"$T_TMP/q.out" 2>&1; then
	fail "${CHECKS[10]}"
	diag "$T_TMP/q.out"
else
	ok "${CHECKS[10]}"
fi

# E
nts_auth() {
	timeout 5 "$CHRONYC" -h "$T_TMP/chronyd-nts.sock" -n ntpdata 127.0.0.1 \
		>"$T_TMP/ntpdata-nts.out" 2>&1 &&
		grep -Eq '^Authenticated *: Yes' "$T_TMP/ntpdata-nts.out" &&
		grep -Eq '^Total valid RX *: [1-9]' "$T_TMP/ntpdata-nts.out"
}
if [ -n "$NE_PID" ] && wait_until "$WAIT" "$NE_PID" nts_auth; then
	ok "${CHECKS[21]}"
else
	fail "${CHECKS[21]}"
	diag "$PKI/openssl.log" "$T_TMP/ntpdata-nts.out" "$T_TMP/chronyd-nts.log" "${SE_LOG:-/dev/null}"
fi

# C: stratumd of ntpd (.7-.9)
for i in 12 13 14; do
	r=$(reach_at "127.0.0.$((i - 5))")
	if [ "$r" -gt 0 ]; then
		ok "${CHECKS[$i]} (reach $r)"
	else
		fail "${CHECKS[$i]} (reach $r)"
		diag "$T_TMP/ntpd-srv.log"
	fi
done

# C: NTPsec clients, each in its namespace
for p in $INNER_PIDS; do
	wait "$p" 2>/dev/null
done
for k in 1 2 3; do
	grep -E '^ *[0-9]+ ' "$T_TMP/ntpsec$k/as.out" | sed "s/^/  # ntpq key $k: /"
	if grep -Eq ' yes +yes +ok ' "$T_TMP/ntpsec$k/as.out" &&
		grep -q "keyid=$k" "$T_TMP/ntpsec$k/as.out"; then
		ok "${CHECKS[$((14 + k))]}"
	else
		fail "${CHECKS[$((14 + k))]}"
		diag "$T_TMP/ntpsec$k/as.out" "$T_TMP/ntpsec$k/ntpd.log" "$T_TMP/ntpsec$k/sd.log" "$T_TMP/inner$k.log"
	fi
done
grep -E '^ *[0-9]+ ' "$T_TMP/ntpsec5/as.out" | sed 's/^/  # ntpq key 5: /'
if grep -Eq ' yes +no +bad ' "$T_TMP/ntpsec5/as.out" &&
	grep -Eq 'reach=(0x0|0+)(,|$)' "$T_TMP/ntpsec5/as.out"; then
	ok "${CHECKS[18]}"
else
	fail "${CHECKS[18]}"
	diag "$T_TMP/ntpsec5/as.out" "$T_TMP/ntpsec5/sd.log"
fi

# B: the servers' counters, at exit
stop_bg "$SB_PID"
stop_bg "$SC_PID"
count() { # LOG WORDS: the count before WORDS in the last counters line
	grep 'packets:' "$1" | tail -n 1 | grep -oE "[0-9]+ $2" | grep -oE '^[0-9]+'
}
n_auth=$(count "$SB_LOG" authenticated)
n_notrust=$(count "$SB_LOG" notrust)
n_nak=$(count "$SC_LOG" crypto-NAK)
echo "  # stratumd (B): ${n_auth:-?} authenticated, ${n_notrust:-?} notrust drops; (B, key 5): ${n_nak:-?} crypto-NAKs"
if [ "${n_auth:-0}" -gt 0 ] && [ "${n_notrust:-0}" -gt 0 ] && [ "${n_nak:-0}" -gt 0 ]; then
	ok "${CHECKS[11]}"
else
	fail "${CHECKS[11]}"
	diag "$SB_LOG" "$SC_LOG"
fi

# D: the clock of the stratumd whose sources all fail
# Its replies say "unsynchronized", so `stratum query` would refuse them;
# their transmit timestamp still reads its clock.
sn_off=$("$PY" - "$SN_PORT" <<'EOF'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"\x23" + b"\0" * 47, ("127.0.0.1", int(sys.argv[1])))
rep = s.recv(100)
t = time.time()
sec, frac = struct.unpack("!II", rep[40:48])
print("%.3f" % (sec - 2208988800 + frac / 2**32 - t))
EOF
)
if ! grep -Eq 'time reset|synchronized to' "$SN_LOG" &&
	grep -q '127\.0\.0\.6: reply rejected: bad MAC' "$SN_LOG" &&
	grep -q '127\.0\.0\.4: reply rejected: crypto-NAK' "$SN_LOG" && [ -n "$sn_off" ] &&
	abs_le "$sn_off" 0.6 && ! abs_le "$sn_off" 0.4; then
	ok "${CHECKS[19]} (still ${sn_off} s off)"
else
	fail "${CHECKS[19]} (offset '${sn_off}')"
	diag "$SN_LOG"
fi

finish
