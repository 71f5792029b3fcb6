#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtapctl metrics (issue 15): the Prometheus text format that promtool finds
# clean, with every counter stats --json has and the numbers the test sent;
# --textfile written atomically; --listen serving /metrics over HTTP, not
# stalled by a client that sends nothing or half a request, answering
# garbage, other methods and paths with an error status and staying up; and
# Debian's prometheus server scraping it on loopback and returning, through
# its HTTP API, the counters the test sent. Everything runs in the test's
# own namespace: its loopback and ports are its own (so the ports are free).
source "$(dirname "$0")/lib.sh"
lib_init metrics
for t in promtool prometheus curl; do
	command -v $t >/dev/null || skip "$t not installed (scripts/deps.d/svc.list)"
done

gen_fabric gen col || { fail "fabric setup"; exit 1; }
vt_ok "attach" col attach eth1 --allow-src 10.99.0.10/32 --allow-src fd00:99::/64 \
	--vni 100-200 || exit 1
vxsend gen col --no-send --expect "$TMPD/expect.json" 10.99.0.10,100,3,2,1,a \
	fd00:99::10,200,2,2,1,b >/dev/null
vxsend gen col 10.99.0.10,100,3,2,1,a fd00:99::10,200,2,2,1,b 10.99.0.66,100,2,1,0,deny \
	10.99.0.10,300,1,0,0,vni >/dev/null

# ---- the text format ---------------------------------------------------------
vt col metrics eth1
printf '%s\n' "$VT_OUT" >"$TMPD/metrics.txt"
expect_eq "metrics eth1: exit 0, nothing on stderr" "0 " "$VT_RC $VT_ERR"
out=$(promtool check metrics <"$TMPD/metrics.txt" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
	ok "promtool check metrics: clean"
else
	fail "promtool check metrics: exit $rc: $(tr '\n' ' ' <<<"$out")"
fi
stats_json col eth1
if "$PY" "$LIB_DIR/prom_check.py" "$TMPD/metrics.txt" "$TMPD/stats.json" \
	"$TMPD/expect.json" eth1 >"$TMPD/check.log"; then
	ok "every counter of stats --json, and the numbers sent"
else
	fail "metrics differ: $(tr '\n' ' ' <"$TMPD/check.log")"
fi
m() { grep -F "$1" "$TMPD/metrics.txt" | awk '{print $NF}'; }
expect_eq "3 dropped as src_not_allowed" 3 "$(m 'vtap_dropped_packets_total{interface="eth1",reason="src_not_allowed"}')"
expect_eq "1 dropped as vni_not_allowed" 1 "$(m 'vtap_dropped_packets_total{interface="eth1",reason="vni_not_allowed"}')"
expect_eq "seen = the 15 sent" 15 "$(m 'vtap_seen_packets_total{interface="eth1"}')"
check "the monitor device's counters" grep -q '^vtap_monitor_receive_packets_total{interface="eth1",device="vtap0"} ' "$TMPD/metrics.txt"
check "vtap_build_info names the version" grep -q "^vtap_build_info{version=\"$(cat "$TOP/VERSION")\"" "$TMPD/metrics.txt"
vt col metrics
check "metrics without IFACE: the same series" sh -c '[ '"$VT_RC"' -eq 0 ] &&
	[ "$(printf "%s\n" "$1" | grep -c "^vtap_source_packets_total")" -eq 2 ]' _ "$VT_OUT"
vt col metrics eth9
expect_eq "metrics of an interface not attached: exit 1" 1 "$VT_RC"
check "... one line" one_line_error
# Another user can't read the pins: said, not an empty page that looks fine.
for what in "" eth1; do
	VT_WRAP="setpriv --reuid=65534 --regid=65534 --clear-groups" vt col metrics $what
	expect_eq "metrics ${what:-(all)} as nobody: exit 1" 1 "$VT_RC"
	check "... one line, permission denied" sh -c \
		'[ "$(printf "%s\n" "$1" | wc -l)" -eq 1 ] && printf "%s" "$1" | grep -q "permission denied"' _ "$VT_ERR"
done

# ---- --textfile -------------------------------------------------------------
mkdir "$TMPD/tf"
vt col metrics --textfile "$TMPD/tf/vtap.prom"
expect_eq "--textfile: exit 0" 0 "$VT_RC"
check "--textfile: promtool clean" sh -c "promtool check metrics <'$TMPD/tf/vtap.prom' >/dev/null 2>&1"
expect_eq "--textfile: only the file, mode 0644" "vtap.prom 644" \
	"$(cd "$TMPD/tf" && ls) $(stat -c %a "$TMPD/tf/vtap.prom")"
check "--textfile: the counters" grep -q '^vtap_seen_packets_total{interface="eth1"} 15$' "$TMPD/tf/vtap.prom"
vt col metrics --textfile "$TMPD/nodir/vtap.prom"
expect_eq "--textfile into a missing folder: exit 1" 1 "$VT_RC"
check "... one line" one_line_error
vt col metrics --textfile x --listen 127.0.0.1:9477
expect_eq "--textfile with --listen: exit 2" 2 "$VT_RC"

# ---- --listen ----------------------------------------------------------------
PORT=9477
bg_ns col "$TMPD/listen.log" "$VTAPCTL" metrics --listen 127.0.0.1:$PORT
srv=$BG_PID
url=http://127.0.0.1:$PORT
scrape() { in_ns col curl -sS -m "${2:-10}" -o "$TMPD/scrape.txt" -w '%{http_code}' "$url$1"; }
if wait_for 100 sh -c "[ \"\$(nsenter --net=/run/netns/$(ns col) curl -s -o /dev/null -w '%{http_code}' $url/metrics)\" = 200 ]"; then
	ok "--listen: serves /metrics"
else
	fail "--listen did not serve: $(tr '\n' ' ' <"$TMPD/listen.log")"
	exit 1
fi
scrape /metrics >/dev/null
check "--listen: the counters" grep -q '^vtap_seen_packets_total{interface="eth1"} 15$' "$TMPD/scrape.txt"
ctype=$(in_ns col curl -s -o /dev/null -w '%{content_type}' "$url/metrics")
expect_eq "--listen: the text format's content type" "text/plain; version=0.0.4; charset=utf-8" "$ctype"

# Clients that send nothing, or half a request, hold their connection while
# a scrape comes in: it must be answered at once, not after their timeout.
cat >"$TMPD/idle.py" <<'PY'
import socket, sys, time
a = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
b = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
b.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
print("connected", flush=True)
time.sleep(60)
PY
bg_ns col "$TMPD/idle.log" "$PY" "$TMPD/idle.py" $PORT
idle=$BG_PID
wait_for 50 grep -qs connected "$TMPD/idle.log"
start=$(date +%s%N)
code=$(scrape /metrics 5)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "a scrape while two clients idle: answered" 200 "$code"
info "scrape beside idle clients took ${ms} ms (their timeout is 10 s)"

# raw REQUEST: the status line the server answers, or "closed"
raw() {
	in_ns col "$PY" - "$PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
data = b""
try:
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    print("timeout"); sys.exit()
except ConnectionResetError:
    pass
print(data.split(b"\r\n")[0].decode("latin-1") if data else "closed")
PY
}
status_of() { raw "$1" | awk '{print $2}'; }
# Garbage: an error status, or (libmicrohttpd 0.9.75 on a request line it
# can't read, or one with a NUL, after its timeout) the connection closed.
for req in 'GARBAGE\r\n\r\n' '\x00\xffGARBAGE\r\n\r\n' 'GET /metrics HTTP/1.1\x00\r\n\r\n'; do
	got=$(raw "$req")
	check "garbage $req: refused (${got:-nothing})" \
		sh -c "[ '$got' = closed ] || echo '$got' | grep -q '^HTTP/1.[01] [45][0-9][0-9] '"
done
expect_eq "a request line without a version: 400" 400 "$(status_of 'GET /metrics\r\n\r\n')"
expect_eq "HTTP/9.9: 505" 505 "$(status_of 'GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n')"
expect_eq "POST: 405" 405 "$(status_of 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc')"
expect_eq "another path: 404" 404 "$(status_of 'GET /etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n')"
big=$(head -c 60000 /dev/zero | tr '\0' a)
got=$(raw "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: $big\r\n\r\n")
check "a 60 kB header: refused (${got:-nothing})" sh -c "[ '$got' = closed ] || echo '$got' | grep -q ' 4[0-9][0-9] '"
# Many connections at once, beyond the per-address limit, then gone.
in_ns col "$PY" - "$PORT" <<'PY'
import socket, sys
socks = []
for _ in range(100):
    try:
        socks.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2))
    except OSError:
        pass
for s in socks:
    s.close()
PY
expect_eq "after all that: still serving" 200 "$(scrape /metrics)"
check "... the server still running" kill -0 "$srv"
stop_pid "$idle"

# ---- Prometheus scraping it ----------------------------------------------------
cat >"$TMPD/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vtap
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
bg_ns col "$TMPD/prometheus.log" prometheus --config.file="$TMPD/prometheus.yml" \
	--storage.tsdb.path="$TMPD/prometheus" --web.listen-address=127.0.0.1:9090
papi=http://127.0.0.1:9090/api/v1
# query EXPR: the first result's value, or nothing
query() {
	in_ns col curl -s -m 5 -G --data-urlencode "query=$1" "$papi/query" 2>/dev/null |
		json "j['data']['result'][0]['value'][1] if j['data']['result'] else ''" 2>/dev/null
}
wait_value() { wait_for 600 sh -c '[ "$('"$(declare -f query json in_ns ns)"'; query "$1")" = "$2" ]' _ "$1" "$2"; }
if wait_for 600 sh -c "[ \"\$(nsenter --net=/run/netns/$(ns col) curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9090/-/ready)\" = 200 ]"; then
	ok "prometheus: ready"
else
	fail "prometheus did not start: $(tail -3 "$TMPD/prometheus.log" | tr '\n' ' ')"
	exit 1
fi
export PY NS_PREFIX papi
check "prometheus: the target is up" wait_value 'up{job="vtap"}' 1
expect_eq "prometheus: per-source packets of 10.99.0.10 VNI 100" 6 \
	"$(query 'vtap_source_packets_total{src="10.99.0.10",vni="100"}')"
expect_eq "prometheus: received by fd00:99::10" 2 \
	"$(query 'vtap_source_direction_packets_total{src="fd00:99::10",direction="to_source"}')"
expect_eq "prometheus: dropped as src_not_allowed" 3 \
	"$(query 'vtap_dropped_packets_total{reason="src_not_allowed"}')"
expect_eq "prometheus: seen = redirected + passed + dropped" 1 \
	"$(query 'sum(vtap_seen_packets_total) == bool (sum(vtap_redirected_packets_total) + sum(vtap_passed_packets_total) + sum(vtap_dropped_packets_total))')"
vxsend gen col 10.99.0.10,100,3,2,1,a >/dev/null
check "prometheus: the next packets scraped too" wait_value 'vtap_source_packets_total{src="10.99.0.10",vni="100"}' 12
