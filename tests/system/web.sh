#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# `stratum web`: the status page, /api/status and /metrics of a
# synchronized stratumd with two sources; the page rendered by Debian's
# headless Chromium (DOM: peers table and plots with data; a screenshot
# in $BUILD/web.png); the HTTP server's limits (405, 404, 431, 505, 400,
# 408, connection cap) with raw requests.
source "$(dirname "$0")/../lib.sh"
promtool_fetch
ns_enter "$@"

P=11160
W=8123
HTTP=$ROOT/tests/tools/httpraw.py
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}

# req RAW [SECONDS]: send RAW (printf format: \r\n) to the web server,
# the response on stdout.
req() {
	# shellcheck disable=SC2059 # the request is the format
	printf "$1" | python3 "$HTTP" $W "${2:-15}"
}
status() { head -n 1 | tr -d '\r'; }
get() { req "GET $1 HTTP/1.1\r\nHost: 127.0.0.1:$W\r\n\r\n"; }

start_synced_trio $P || { fail "three stratumd start and synchronize"; diag "$CL_LOG"; finish; exit; }
sleep 3 # loopstats lines to backfill from
T0=$(date +%s)
start_bg "$T_TMP/web.log" "$BUILD/stratum" web --listen 127.0.0.1:$W -p $P \
	--interval 1 --stats "$T_TMP/stats"
WEB=$BG_PID
wait_for_log "$T_TMP/web.log" "serving http" 5
check "stratum web starts and says where it serves" grep -q "serving http://127.0.0.1:$W/" "$T_TMP/web.log"
check "...after reading the loopstats history" grep -qE "web: [1-9][0-9]* samples from" "$T_TMP/web.log"
sleep 3

# The page: one self-contained document.
get / >"$T_TMP/page"
check "GET / is 200" grep -q '^HTTP/1.1 200 OK' "$T_TMP/page"
check "...an HTML page" grep -qi '^content-type: text/html' "$T_TMP/page"
check "...with the peers table and the plots" grep -q 'id="plot-offset"' "$T_TMP/page"
check "...and no external asset (no src=, no http(s):// link but the SVG namespace)" \
	bash -c "! grep -E 'src=|<link|https?://' '$T_TMP/page' | grep -v 'http://www.w3.org/2000/svg'"
check "...under a policy that forbids fetching anything elsewhere" \
	grep -qi "^content-security-policy: default-src 'none'" "$T_TMP/page"

# /api/status: current state and history.
get /api/status | sed '1,/^\r$/d' >"$T_TMP/status.json"
python3 - "$T_TMP/status.json" "$T0" >"$T_TMP/status.out" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t0 = float(sys.argv[2])
h = s["history"]
old = [t for t in h["t"] if t < t0]
print("up", s["up"], "sync", s["system"]["synchronized"], "peers", len(s["peers"]),
      "tallies", "".join(sorted(p["tally"] for p in s["peers"])),
      "history", len(h["t"]), "backfilled", len(old),
      "offsets", len([v for v in h["offset_s"] if v is not None]))
assert s["up"] and s["system"]["synchronized"]
assert s["system"]["system_peer"].startswith("127.0.0.1:")
assert len(s["peers"]) == 2 and "*" in [p["tally"] for p in s["peers"]]
assert len(old) >= 1, "nothing from loopstats"
assert len(h["t"]) - len(old) >= 2, "no live samples"
assert len(h["t"]) == len(h["offset_s"]) == len(h["jitter_s"]) == len(h["frequency_ppm"])
assert h["t"] == sorted(h["t"])
PY
rc=$?
sed 's/^/  # /' "$T_TMP/status.out"
check "/api/status: synchronized, 2 peers, a system peer, history backfilled from loopstats and live" test $rc -eq 0

# /metrics: the same text as `stratum metrics`.
get /metrics >"$T_TMP/metrics.http"
check "GET /metrics is 200, Prometheus text 0.0.4" \
	grep -qi '^content-type: text/plain; version=0.0.4' "$T_TMP/metrics.http"
sed '1,/^\r$/d' "$T_TMP/metrics.http" >"$T_TMP/metrics.txt"
check "...the families of stratum metrics" grep -q '^stratum_source_offset_seconds{assoc="2"' "$T_TMP/metrics.txt"
if [ -x "$PROM/usr/bin/promtool" ]; then
	check "...accepted by promtool check metrics" \
		"$PROM/usr/bin/promtool" check metrics <"$T_TMP/metrics.txt"
else
	skip "...accepted by promtool check metrics: promtool not available"
fi

# What the server refuses.
check "POST: 405 with Allow" bash -c "req() { printf \"\$1\" | python3 '$HTTP' $W; }
	r=\$(req 'POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc')
	grep -q '^HTTP/1.1 405 ' <<<\"\$r\" && grep -qi '^Allow: GET, HEAD' <<<\"\$r\""
check "DELETE: 405" test "$(req "DELETE / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" | status)" = "HTTP/1.1 405 Method Not Allowed"
check "HEAD /: 200, no body" bash -c "r=\$(printf 'HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' | python3 '$HTTP' $W)
	grep -q '^HTTP/1.1 200' <<<\"\$r\" && ! grep -q '<html' <<<\"\$r\""
check "unknown path: 404" test "$(get /nope | status)" = "HTTP/1.1 404 Not Found"
big=$(head -c 12000 /dev/zero | tr '\0' a)
check "12 kB of headers: 431" test "$(req "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: $big\r\n\r\n" | status)" = "HTTP/1.1 431 Request Header Fields Too Large"
check "HTTP/2.0: 505" test "$(req "GET / HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n" | status)" = "HTTP/1.1 505 HTTP Version Not Supported"
check "garbage: 400" test "$(req "hello\r\n\r\n" | status)" = "HTTP/1.1 400 Bad Request"
check "HTTP/1.1 without Host: 400" test "$(req "GET / HTTP/1.1\r\n\r\n" | status)" = "HTTP/1.1 400 Bad Request"
check "a Host that is a name (DNS rebinding): 400" \
	test "$(req "GET /api/status HTTP/1.1\r\nHost: evil.example:$W\r\n\r\n" | status)" = "HTTP/1.1 400 Bad Request"
check "HTTP/1.0 without Host: 200" test "$(req "GET /metrics HTTP/1.0\r\n\r\n" | status)" = "HTTP/1.1 200 OK"

# Limits: 16 silent connections take every slot; the next request waits
# until they time out (408 each, after 10 s) and is then answered.
python3 - $W >"$T_TMP/limits.out" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
time.sleep(0.5)
t = time.monotonic()
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
first = s.recv(100).split(b"\r\n")[0]
waited = time.monotonic() - t
codes = []
for c in idle:
    c.settimeout(5)
    codes.append(c.recv(100).split(b"\r\n")[0].decode())
print("17th answered after %.1f s: %s; idle ones: %s" % (waited, first.decode(), set(codes)))
assert first == b"HTTP/1.1 200 OK"
assert 8 <= waited <= 20, waited
assert set(codes) == {"HTTP/1.1 408 Request Timeout"}
PY
rc=$?
sed 's/^/  # /' "$T_TMP/limits.out"
check "16 idle connections fill it; they get 408 after 10 s; the 17th is then served" test $rc -eq 0
check "stratum web is still running" kill -0 $WEB

# The page in a real browser.
if [ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ]; then
	chrome() {
		timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
			--no-first-run --user-data-dir="$T_TMP/chromium" \
			--virtual-time-budget=6000 "$@" "http://127.0.0.1:$W/" \
			2>>"$T_TMP/chromium.log"
	}
	chrome --dump-dom >"$T_TMP/dom.html"
	python3 - "$T_TMP/dom.html" >"$T_TMP/dom.out" 2>&1 <<'PY'
import re, sys
d = open(sys.argv[1]).read()
rows = re.findall(r'<tr class="peer( sys)?"><td class="tally">(.)</td><td class="l">([^<]*)</td>', d)
print("rows:", rows)
assert len(rows) == 2, "two source rows"
assert [r for r in rows if r[0] == " sys" and r[1] == "*"], "a system peer row"
assert all(r[2].startswith("127.0.0.1:") for r in rows)
for p in ("plot-offset", "plot-jitter", "plot-freq"):
    m = re.search(r'<svg id="%s"[^>]*data-points="(\d+)"[^>]*>(.*?)</svg>' % p, d, re.S)
    assert m, p + " drawn"
    print(p, "points", m.group(1), "polylines", m.group(2).count("<polyline"))
    assert int(m.group(1)) >= 3 and "<polyline" in m.group(2), p + " has data"
assert re.search(r'id="c-sync"[^>]*>yes<', d), "synchronized: yes"
PY
	rc=$?
	sed 's/^/  # /' "$T_TMP/dom.out"
	check "Chromium: peers table with both sources, the system peer marked, three plots with data" test $rc -eq 0
	rm -f "$BUILD/web.png"
	chrome --window-size=1200,820 --screenshot="$BUILD/web.png" >/dev/null
	check "Chromium: screenshot saved ($BUILD/web.png)" \
		test "$(head -c 8 "$BUILD/web.png" 2>/dev/null | od -An -c | tr -d ' ')" = "211PNG\r\n032\n"
else
	skip "the page in Chromium: chromium not installed (apt-get install chromium)"
	[ "${CI:-}" = true ] && fail "CI: chromium is required"
fi

# The daemon goes away: the page and /metrics say so.
stop_bg "$CL_PID"
sleep 1.2
get /api/status | sed '1,/^\r$/d' >"$T_TMP/down.json"
check "daemon gone: /api/status says up false with the reason" \
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert not s["up"] and "no daemon" in s["error"]' "$T_TMP/down.json"
check "...and /metrics stratum_up 0" bash -c "printf 'GET /metrics HTTP/1.0\r\n\r\n' | python3 '$HTTP' $W | grep -qx 'stratum_up 0'"

"$BUILD/stratum" web --help >"$T_TMP/help.out" 2>&1
rc=$?
check "--help: the usage, exit 0 (exit $rc)" bash -c "[ $rc -eq 0 ] && grep -q '^usage: stratum web' '$T_TMP/help.out'"
check "--listen without a value: named, exit 2" bash -c "[ \"\$('$BUILD/stratum' web --listen 2>&1)\" = \"stratum: option '--listen' needs a value\" ]"
"$BUILD/stratum" web --listen nonsense >"$T_TMP/bad.out" 2>&1
rc=$?
check "--listen without a port: exit 2 (exit $rc)" test $rc -eq 2
timeout 5 "$BUILD/stratum" web --listen 127.0.0.1:$W >"$T_TMP/busy.out" 2>&1
rc=$?
check "--listen on a port in use: exit 1 and why (exit $rc)" \
	bash -c "[ $rc -eq 1 ] && grep -q 'cannot listen on 127.0.0.1:$W: Address already in use' '$T_TMP/busy.out'"
finish
