#!/usr/bin/env bash
# Detach benchmark (PERFORMANCE.md section 4): cluster c2 hosts K guests of c1, each holding
# M MiB (touched) and counting; `gridctl cluster detach c2 --wait` brings them home. Reports the
# time from request to DETACHED, one migration's time measured just before on the same grid, the
# bound (K x one migration) / parallelism + 1 s, and whether every guest runs at home, once, with
# continuous output. --parallel N is the detach's own number of migrations at once (passed to
# `gridctl cluster detach --parallel`); without it the manager's number (4) is used. The load
# average before and after the detach is printed beside the table, and so is the number of requests
# ZooKeeper received during it (its `srvr` counter: every client's reads, writes and pings), and how
# many of the machine's cores were busy during it on average (from /proc/stat, every process).
#
#   grid-manager/bench/detach-bench.sh [--guests 20] [--mib 32] [--port 8478] [--parallel N]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
K=20
MIB=32
PORT=8478
PARALLELISM=4 # the manager's migrations at once (Manager.MIGRATIONS_AT_ONCE)
PARALLEL_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --guests) K=$2; shift 2 ;;
    --mib) MIB=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --parallel) PARALLELISM=$2; PARALLEL_ARGS=(--parallel "$2"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "detach-bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "detach-bench: run as root" >&2; exit 1; }
WORK=$(mktemp -d /tmp/roam-detach.XXXXXX)
export ROAM_STATE_DIR=$WORK/grid
G="$ROOT/bin/gridctl"
trap '"$G" down >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
PROG='import sys, time
m = int(sys.argv[1]) << 20
buf = bytearray(m)
for i in range(0, m, 4096):
    buf[i] = 1
i = 0
while True:
    print(i, flush=True)
    i += 1
    time.sleep(0.1)'

up=$("$G" up --port "$PORT")
ZK=$(sed -n 's/^ *ZooKeeper: *//p' <<<"$up" | head -1)
# Requests ZooKeeper has received so far (four-letter word srvr).
zk_received() {
  python3 - "$ZK" <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
with socket.create_connection((host, int(port)), timeout=5) as s:
    s.sendall(b"srvr")
    data = b""
    while chunk := s.recv(4096):
        data += chunk
for line in data.decode().splitlines():
    if line.startswith("Received:"):
        print(line.split()[1])
PY
}
# c2 must be allowed to host all K guests (the default policy allows 16).
"$G" cluster policy c2 --accept-guests --max-guests "$K" >/dev/null
jobs=()
for k in $(seq 1 "$K"); do
  home=c1-n$((1 + k % 2))
  jobs+=("$("$G" run --node "$home" -- python3 -c "$PROG" "$MIB")")
done
sleep 2
# Make them guests of c2 (and time one migration on the way).
one=()
for k in $(seq 0 $((K - 1))); do
  out=$("$G" migrate --wait --json "${jobs[$k]}" "c2-n$((1 + k % 2))")
  one+=("$(python3 -c 'import json,sys; print(json.load(sys.stdin)["totalMillis"])' <<<"$out")")
done
one_ms=$(printf '%s\n' "${one[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')

# Busy and total jiffies of the whole machine so far (first line of /proc/stat).
cpu_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9; exit}' /proc/stat; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
read -r busy_before all_before < <(cpu_jiffies)
zk_before=$(zk_received)
start=$(date +%s%3N)
op=$("$G" cluster detach c2 --wait --json "${PARALLEL_ARGS[@]}")
end=$(date +%s%3N)
zk_after=$(zk_received)
read -r busy_after all_after < <(cpu_jiffies)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
busy=$(awk -v b=$((busy_after - busy_before)) -v a=$((all_after - all_before)) -v n="$(nproc)" \
  'BEGIN{printf "%.2f of %d", (a ? b / a * n : 0), n}')
took=$((end - start))
# The manager's own record: from the request's arrival to DETACHED (no client start-up, no
# polling).
op_ms=$(python3 -c 'import json,sys
from datetime import datetime
d = json.load(sys.stdin)
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
print(round((t(d["updatedAt"]) - t(d["createdAt"])).total_seconds() * 1000))' <<<"$op")
# Where the time went, from the jobs' last migrations (the detach's moves; agents' clocks, one
# machine): the moves' median length; how many ran at once on average from the first start to the
# last end (their lengths' sum over that span: N when no slot is ever idle; a slot frees at a
# move's commit, a little before its recorded end, so the next may start before it); from the
# request to the first move's start; from the last move's end to DETACHED (negative: DETACHED
# was recorded once the last move committed, before its end).
parts=$("$G" ps --json | python3 -c 'import json,sys
from datetime import datetime
op = json.loads(sys.argv[1])
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000
moves = sorted((t(m["startedAt"]), t(m["endedAt"])) for m in
               (j.get("lastMigration") for j in json.load(sys.stdin)["items"]) if m and m.get("endedAt"))
lengths = sorted(e - s for s, e in moves)
span = max(e for _, e in moves) - moves[0][0]
print("%d | %.2f | %d | %d" % (
    lengths[len(lengths) // 2],
    sum(lengths) / span if span > 0 else 0,
    moves[0][0] - t(op["createdAt"]),
    t(op["updatedAt"]) - max(e for _, e in moves)))' "$op")
bound=$((K * one_ms / PARALLELISM + 1000))

home=0; continuous=0
for j in "${jobs[@]}"; do
  rec=$("$G" ps --json | python3 -c "import json,sys; d=[x for x in json.load(sys.stdin)['items'] if x['id']=='$j'][0]; print(d['node']==d['home'] and d['state']=='RUNNING')")
  [ "$rec" = True ] && home=$((home + 1))
  "$G" kill "$j" >/dev/null; "$G" wait "$j" >/dev/null 2>&1 || true
  "$G" logs "$j" | awk 'NR-1!=$1{bad=1} END{exit bad}' && continuous=$((continuous + 1))
done
running=$("$G" ps --json --state running | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')

printf '| N (at once) | K | M (MiB) | one migration, median (ms) | bound (K x one / N + 1 s) (ms) | detach, client (ms) | detach, manager record (ms) | met | its moves, median (ms) | moves at once, mean | request to first move (ms) | last move to DETACHED (ms) | at home and running | continuous output | left running after kill | ZooKeeper requests during the detach | cores busy during the detach | load before / after |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
met=no; [ "$took" -le "$bound" ] && met=yes
[ "$took" -gt "$bound" ] && [ "$op_ms" -le "$bound" ] && met="manager record only"
printf '| %d | %d | %d | %d | %d | %d | %d | %s | %s | %d/%d | %d/%d | %s | %d | %s | %s / %s |\n' "$PARALLELISM" "$K" "$MIB" "$one_ms" "$bound" "$took" "$op_ms" "$met" "$parts" "$home" "$K" "$continuous" "$K" "$running" "$((zk_after - zk_before))" "$busy" "$load_before" "$load_after"
