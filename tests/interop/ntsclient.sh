#!/bin/bash
# SPDX-License-Identifier: ISC
# stratumd as NTS client (RFC 8915), against chrony 4.3 and NTPsec 1.2.2
# NTS servers, with CAs made here by openssl:
#  1. stratumd (virtual clock 0.3 s off) synchronizes to chronyd's NTS
#     server and to NTPsec's (itself fed by chronyd), authenticated: the
#     KE is logged, the clock corrected, chronyd counts NTS packets; its
#     keys and cookies are kept in ntsdumpdir across a restart (no new KE);
#  2. negative cases, each run as its own stratumd at once: a wrong CA, an
#     expired certificate, a certificate for another name, a reply
#     tampered with on the way, a replayed reply (origin patched so that
#     only NTS can tell), cookies used up without replies, and a KE server
#     that is gone.  Each must give its log line and no sample: never
#     "reachable", never a clock correction;
#  3. stratumd to stratumd's NTS server through a proxy that loses three
#     replies (placeholders, replies never larger than requests), then the
#     server restarted without its keys (NTS NAK, a new KE).
# Everything runs in a private user + network namespace (ns_enter).

source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../pki.sh"
ns_enter "$@"

peer_paths
PKI=$T_TMP/pki
OTHER=$T_TMP/other-ca

CHECKS=(
	"stratumd syncs to chronyd's NTS server, clock corrected"
	"chronyd counts stratumd's NTS-KE and authenticated packets"
	"keys and cookies kept in ntsdumpdir (0600) and used after a restart, without a new KE"
	"stratumd syncs to NTPsec's NTS server (ca FILE)"
	"wrong CA: certificate refused, no sample"
	"expired certificate: refused, no sample"
	"certificate for another name: refused, no sample"
	"tampered reply: rejected, no sample"
	"replayed reply: rejected, no sample"
	"cookies used up without replies: a new KE"
	"KE server gone: KE fails, no sample"
	"views: stratum peers (-j) shows the NTS association (auth ok, cookies as the t column), sources -a/-j and metrics its NTS facts"
	"stratumd to stratumd with lost replies: placeholders refill the jar, no reply larger than its request"
	"the server restarted without its keys: NTS NAK, a new KE, authenticated again"
	"pool ... nts: the pool member gets its own KE and is used"
)
skip_all_without_peers "${CHECKS[@]}"

SAN="DNS:nts.test,IP:127.0.0.1,IP:127.0.0.2,IP:127.0.0.3"
if ! { pki_ca "$PKI" && pki_cert "$PKI" server "$SAN" &&
	pki_cert "$PKI" expired "$SAN" expired &&
	pki_cert "$PKI" dnsonly "DNS:other.test" && pki_ca "$OTHER"; }; then
	for c in "${CHECKS[@]}"; do fail "$c (openssl could not make the CAs)"; done
	diag "$PKI/openssl.log" "$OTHER/openssl.log"
	finish
	exit
fi

# chronyd at 127.0.0.1:123, stratum 1, NTS-KE on 4461; NTPsec's ntpd on
# 127.0.0.2 (its NTS-KE on 4460) follows it: the kernel sends from
# 127.0.0.2 towards 127.0.0.1 (../shared/INTEROP-AUTH-MODE6.md).
ip addr add 127.0.0.2/8 dev lo
ip addr add 127.0.0.3/8 dev lo
ip route replace local 127.0.0.1 dev lo table local proto kernel scope host \
	src 127.0.0.2
CH_SOCK=$T_TMP/chronyd.sock
cat >"$T_TMP/chronyd.conf" <<EOF
bindaddress 127.0.0.1
port 123
local stratum 1
allow 127.0.0.0/8
ntsservercert $PKI/server.pem
ntsserverkey $PKI/server.key
ntsport 4461
cmdport 0
bindcmdaddress $CH_SOCK
pidfile $T_TMP/chronyd.pid
EOF
start_bg "$T_TMP/chronyd.log" "$CHRONYD" -x -d -u root -f "$T_TMP/chronyd.conf"
CH_PID=$BG_PID
chronyc() { timeout 5 "$CHRONYC" -h "$CH_SOCK" -n "$@"; }
printf '%s\n' "interface ignore wildcard" "interface ignore ipv6" \
	"interface ignore 127.0.0.1" "interface ignore 127.0.0.3" \
	"interface listen 127.0.0.2" \
	"restrict default nomodify nopeer" "restrict 127.0.0.1" \
	"restrict 127.0.0.2" \
	"server 127.0.0.1 iburst minpoll 0 maxpoll 0" \
	"nts enable" "nts key $PKI/server.key" "nts cert $PKI/server.pem" \
	"nts cookie $T_TMP/ntpsec-nts-keys" >"$T_TMP/ntpd.conf"
wait_for_log "$T_TMP/chronyd.log" "chronyd version" 5
start_bg "$T_TMP/ntpd.log" "$NTPD" -n -c "$T_TMP/ntpd.conf"
N_PID=$BG_PID

# stratumd NTS servers with an expired and a DNS-only certificate.
SRV="interface ignore all
interface listen 127.0.0.1
clock none
local stratum 10"
start_stratumd srv-expired "port 11140
$SRV
ntsport 4462
ntsservercert $PKI/expired.pem
ntsserverkey $PKI/expired.key"
start_stratumd srv-dnsonly "port 11141
$SRV
ntsport 4463
ntsservercert $PKI/dnsonly.pem
ntsserverkey $PKI/dnsonly.key"

# The man in the middle: UDP 127.0.0.1:PORT <-> chronyd.  tamper flips
# a ciphertext byte of every reply; replay keeps the first reply and
# answers every later request with it, its origin set to that request's
# transmit timestamp (so only the NTS unique identifier can tell).
cat >"$T_TMP/mitm.py" <<'EOF'
import select, socket, sys
mode, host, lport, dport, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.bind((host, lport))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect((host, dport))
client, xmt, first, n = None, None, None, 0
sizes, bigger, qlen = set(), 0, 0
while True:
    r, _, _ = select.select([c, u], [], [])
    if c in r:
        req, client = c.recvfrom(2048)
        xmt, qlen = req[40:48], len(req)
        sizes.add(qlen)
        if mode == "replay" and first is not None:
            c.sendto(first[:24] + xmt + first[32:], client)
            n += 1
        else:
            try:
                u.send(req)
            except OSError:  # the server restarting (ICMP refused)
                pass
    if u in r:
        try:
            rep = bytearray(u.recv(2048))
        except OSError:
            continue
        if mode == "tamper":
            rep[-1] ^= 0x01
        elif mode == "drop":
            bigger += len(rep) > qlen
            n += 1
            if n <= 3:
                continue
        elif first is None:
            first = bytes(rep)
            continue
        c.sendto(bytes(rep), client)
        n += mode != "drop"
    with open(count, "w") as f:
        f.write("%d %d %s\n" % (n, bigger, " ".join(map(str, sorted(sizes)))))
EOF
for m in tamper:127.0.0.1:11150 replay:127.0.0.1:11151 drop:127.0.0.3:11152; do
	IFS=: read -r mm mh mp <<<"$m"
	start_bg "$T_TMP/mitm-$mm.log" /usr/bin/python3 "$T_TMP/mitm.py" \
		"$mm" "$mh" "$mp" 123 "$T_TMP/mitm-$mm.count"
done
# stratumd's own NTS server on 127.0.0.3:123 (no Port record then), KE
# on 4464; its client goes through the dropping proxy on 11152.
OWN_SRV="port 123
interface ignore all
interface listen 127.0.0.3
clock none
local stratum 10
ntsport 4464
ntsservercert $PKI/server.pem
ntsserverkey $PKI/server.key"
start_stratumd srv-own "$OWN_SRV"
OWN_SRV_PID=$SD_PID

# client NAME PORT SERVER-LINE [MORE]: a stratumd NTS client on a clock
# 0.3 s off; $SD_LOG is its log.
client() {
	start_stratumd "$1" "port $2
interface ignore all
interface listen 127.0.0.1
clock virtual offset 0.3
seccomp 1
ntstrustedcerts $PKI/ca.pem
$3
${4:-}"
}
mkdir -p "$T_TMP/dump"
client good 11130 "server 127.0.0.1 nts ntsport 4461 iburst minpoll 0 maxpoll 0" \
	"ntsdumpdir $T_TMP/dump"
GOOD_PID=$SD_PID GOOD_LOG=$SD_LOG
client badca 11131 "server 127.0.0.1 nts ntsport 4461 ca $OTHER/ca.pem iburst minpoll 0 maxpoll 0"
client expired 11132 "server 127.0.0.1 port 11140 nts ntsport 4462 iburst minpoll 0 maxpoll 0"
client name 11133 "server 127.0.0.1 port 11141 nts ntsport 4463 iburst minpoll 0 maxpoll 0"
client tamper 11134 "server 127.0.0.1 port 11150 nts ntsport 4461 iburst minpoll 0 maxpoll 0"
client replay 11135 "server 127.0.0.1 port 11151 nts ntsport 4461 iburst minpoll 0 maxpoll 0"
client exhaust 11136 "server 127.0.0.1 port 11199 nts ntsport 4461 iburst minpoll 0 maxpoll 0"
client gone 11137 "server 127.0.0.1 nts ntsport 4499 iburst minpoll 0 maxpoll 0"
client own 11139 "server 127.0.0.3 port 11152 nts ntsport 4464 iburst minpoll 0 maxpoll 0"
OWN_PID=$SD_PID OWN_LOG=$SD_LOG
client pool 11129 "pool 127.0.0.1 nts ntsport 4461 iburst minpoll 0 maxpoll 0"
POOL_PID=$SD_PID POOL_LOG=$SD_LOG

# ---------------------------------------------------------------------
# 1. Positive: chronyd, restart with the dump, NTPsec.

synced() { grep -q "synchronized to $2" "$1" && grep -q "time reset -0\.[23]" "$1"; }
if wait_until 30 "$GOOD_PID" synced "$GOOD_LOG" 127.0.0.1 &&
	grep -q "NTS-KE done in .* 8 cookies, AEAD 15, NTP to 127.0.0.1 port 123" "$GOOD_LOG"; then
	grep -E "NTS-KE|synchronized|time reset" "$GOOD_LOG" | sed 's/^.*]: /  # stratumd: /'
	ok "${CHECKS[0]}"
else
	fail "${CHECKS[0]}"
	diag "$GOOD_LOG"
fi
chronyc serverstats >"$T_TMP/serverstats" 2>&1
ke1=$(awk -F: '/NTS-KE connections accepted/ { print $2 + 0 }' "$T_TMP/serverstats")
auth1=$(awk -F: '/Authenticated NTP packets/ { print $2 + 0 }' "$T_TMP/serverstats")
sed 's/^/  # chronyc: /' "$T_TMP/serverstats" | grep -E "NTS|Authenticated"
# the negative clients took some KEs too: at least one, some packets
check "${CHECKS[1]} (KE $ke1, authenticated $auth1)" test "${ke1:-0}" -ge 1 -a "${auth1:-0}" -ge 3

stop_bg "$GOOD_PID"
f=$T_TMP/dump/127.0.0.1.nts
mode=$(stat -c %a "$f" 2>/dev/null)
client good2 11130 "server 127.0.0.1 nts ntsport 4461 iburst minpoll 0 maxpoll 0" \
	"ntsdumpdir $T_TMP/dump"
GOOD_PID=$SD_PID GOOD_LOG=$SD_LOG
if [ "$mode" = 600 ] && wait_until 30 "$GOOD_PID" synced "$GOOD_LOG" 127.0.0.1 &&
	grep -q "NTS cookies read from" "$GOOD_LOG" && ! grep -q "NTS-KE done" "$GOOD_LOG"; then
	ok "${CHECKS[2]}"
else
	fail "${CHECKS[2]} (dump mode '$mode')"
	diag "$GOOD_LOG"
fi
# The views, from the synchronized client: its mode 6 and our CLI.
pj=$(timeout 10 "$BUILD/stratum" peers -j -p 11130 2>&1)
nq=$(timeout 10 "$BUILD/stratum" peers -n -p 11130 2>&1)
echo "$pj" | grep -o '"auth": "[a-z]*", "keyid": [0-9]*, "nts_cookies": [0-9]*' | sed 's/^/  # stratum peers -j: /'
echo "$nq" | sed 's/^/  # stratum peers: /'
sa=$(timeout 10 "$BUILD/stratum" sources -a -n -p 11130 2>&1)
sj=$(timeout 10 "$BUILD/stratum" sources -j -n -p 11130 2>&1)
echo "$sa" | sed 's/^/  # stratum sources -a: /'
mt=$(timeout 10 "$BUILD/stratum" metrics -p 11130 2>&1)
grep -E '^stratum_source_(authenticated|nts_)' <<<"$mt" | sed 's/^/  # stratum metrics: /'
# ntpq's t column: the cookie count of an NTS association; chronyc
# authdata's facts in sources -a and -j (valid against its schema)
if grep -q '"auth": "ok", "keyid": 0, "nts_cookies": [78]' <<<"$pj" &&
	grep -qE '^\*127\.0\.0\.1 +[^ ]+ +1 +[78] ' <<<"$nq" &&
	grep -qE '^127\.0\.0\.1 +NTS +- +ok +[78] +[-0-9mhdy]+ +[0-9]+ +0 +0$' <<<"$sa" &&
	grep -q '"auth_mode": "NTS", "auth": "ok", "keyid": 0, "nts_cookies": [78]' <<<"$sj" &&
	python3 "$ROOT/tests/tools/jsonschema.py" "$ROOT/doc/schema/sources.schema.json" <<<"$sj" >/dev/null &&
	grep -qE '^stratum_source_authenticated\{.*remote="127\.0\.0\.1"\} 1$' <<<"$mt" &&
	grep -qE '^stratum_source_nts_cookies\{.*remote="127\.0\.0\.1"\} [78]$' <<<"$mt" &&
	grep -qE '^stratum_source_nts_rejected_total\{.*\} 0$' <<<"$mt"; then
	ok "${CHECKS[11]}"
else
	fail "${CHECKS[11]}"
fi
stop_bg "$GOOD_PID"

ntpd_synced() { ntpq -pn 127.0.0.2 2>/dev/null | grep -q '^\*'; }
wait_until 60 "$N_PID" ntpd_synced
client ntpsec 11138 "server 127.0.0.2 nts ca $PKI/ca.pem iburst minpoll 0 maxpoll 0"
NS_PID=$SD_PID NS_LOG=$SD_LOG
if wait_until 30 "$NS_PID" synced "$NS_LOG" 127.0.0.2 &&
	grep -q "NTS-KE done in .* cookies, AEAD 15, NTP to 127.0.0.2 port 123" "$NS_LOG"; then
	grep -E "NTS-KE|synchronized|time reset" "$NS_LOG" | sed 's/^.*]: /  # stratumd: /'
	ok "${CHECKS[3]}"
else
	fail "${CHECKS[3]}"
	ntpq -pn 127.0.0.2 2>&1 | sed 's/^/  # ntpq: /'
	diag "$NS_LOG" "$T_TMP/ntpd.log"
fi

# ---------------------------------------------------------------------
# 2. Negative: the line, and never a sample.

no_sample() {
	! grep -qE ": reachable$|time reset|synchronized to" "$1"
}
# negative NAME CHECK PATTERN
negative() {
	local log=$T_TMP/$1.log
	if wait_for_log "$log" "$3" 20 && no_sample "$log"; then
		grep -m1 -- "$3" "$log" | sed 's/^.*]: /  # stratumd: /'
		ok "$2"
	else
		fail "$2"
		diag "$log"
	fi
}
negative badca "${CHECKS[4]}" "NTS-KE failed: TLS handshake: certificate: unable to get local issuer certificate"
negative expired "${CHECKS[5]}" "NTS-KE failed: TLS handshake: certificate: certificate has expired"
negative name "${CHECKS[6]}" "NTS-KE failed: TLS handshake: certificate: IP address mismatch"
negative tamper "${CHECKS[7]}" "reply rejected: authenticator does not verify"
negative replay "${CHECKS[8]}" "reply rejected: unique identifier does not match"
# exhausted: a second KE after the jar ran dry (never a sample either)
if wait_for_log "$T_TMP/exhaust.log" "all NTS cookies used without a reply; new NTS-KE" 30 &&
	wait_until 10 $$ test "$(grep -c 'NTS-KE done' "$T_TMP/exhaust.log")" -ge 2 &&
	no_sample "$T_TMP/exhaust.log"; then
	ok "${CHECKS[9]}"
else
	fail "${CHECKS[9]}"
	diag "$T_TMP/exhaust.log"
fi
negative gone "${CHECKS[10]}" "NTS-KE failed: connect: Connection refused"
# the proxies did answer (the checks are not vacuous)
echo "  # man in the middle: $(cut -d' ' -f1 "$T_TMP/mitm-tamper.count" 2>/dev/null) tampered, $(cut -d' ' -f1 "$T_TMP/mitm-replay.count" 2>/dev/null) replayed"

# Three replies lost: the jar runs low, requests carry placeholders (they
# grow past the 228 bytes of a request without), stratumd's server answers
# with more cookies, never with a reply larger than the request.
if wait_until 30 "$OWN_PID" synced "$OWN_LOG" 127.0.0.3 &&
	read -r _ bigger sizes <"$T_TMP/mitm-drop.count" &&
	[ "$bigger" = 0 ] && [ "$(wc -w <<<"$sizes")" -ge 2 ]; then
	echo "  # request sizes seen: $sizes"
	ok "${CHECKS[12]}"
else
	fail "${CHECKS[12]} ($(cat "$T_TMP/mitm-drop.count" 2>/dev/null))"
	diag "$OWN_LOG"
fi

# Its server restarts with new cookie keys (no ntsdumpdir): the client's
# next cookie gets an NTS NAK, it redoes the KE and is answered again.
stop_bg "$OWN_SRV_PID"
start_stratumd srv-own2 "$OWN_SRV"
naked() {
	grep -q "NTS NAK (cookie refused); new NTS-KE" "$OWN_LOG" &&
		[ "$(grep -c "NTS-KE done" "$OWN_LOG")" -ge 2 ] &&
		[ "$(grep -c "key exchange with 127.0.0.1: answered" "$SD_LOG")" -ge 1 ]
}
if wait_until 30 "$OWN_PID" naked; then
	grep -E "NTS NAK|NTS-KE done" "$OWN_LOG" | tail -n 2 | sed 's/^.*]: /  # stratumd: /'
	sleep 3 # a few polls on the new cookies
	stop_bg "$SD_PID"
	if grep -q " [1-9][0-9]* NTS answered, [1-9][0-9]* NTS NAKs" "$SD_LOG" &&
		! grep -q "reply rejected" "$OWN_LOG"; then
		grep -o "[0-9]* NTS answered, [0-9]* NTS NAKs" "$SD_LOG" | sed 's/^/  # server: /'
		ok "${CHECKS[13]}"
	else
		fail "${CHECKS[13]} (server: no answers after the NAK)"
		diag "$SD_LOG"
	fi
else
	fail "${CHECKS[13]}"
	diag "$OWN_LOG" "$SD_LOG"
fi

if wait_until 20 "$POOL_PID" synced "$POOL_LOG" 127.0.0.1 &&
	grep -q "Soliciting pool server 127.0.0.1" "$POOL_LOG" &&
	grep -q "server 127.0.0.1: NTS-KE done" "$POOL_LOG"; then
	ok "${CHECKS[14]}"
else
	fail "${CHECKS[14]}"
	diag "$POOL_LOG"
fi

finish
