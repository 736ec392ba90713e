#!/usr/bin/env bash
# Gossip age benchmark (PERFORMANCE.md section 3) on the local grid: real agents gossiping their
# load over UDP, one step a second. Starts a grid of C x K nodes whose agents send W entries per
# message, waits 10 N/W + 20 steps, then once a step reads every node's view (the manager's
# /api/v1/nodes/NODE/load, as 'gridctl node load' does) and averages the age, in steps, of every
# entry about another node. Prints a Markdown row: N, W, the measured mean age, the law
# (N-1)/W + a(W) of docs/performance.md, the simulator's figure for the same N and W, the ratios,
# and the load average before and after.
#
#   guest-agent/bench/gossip-age-bench.sh [--clusters 3] [--nodes-per-cluster 4] [--window 3]
#                                         [--samples 60] [--port 8593]
#
# Needs root (sandboxed nodes) and a built tree (bin/gridctl builds it). Stops its grid on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLUSTERS=3
PER=4
WINDOW=3
SAMPLES=60
PORT=8593
while [ $# -gt 0 ]; do
  case "$1" in
    --clusters) CLUSTERS=$2; shift 2 ;;
    --nodes-per-cluster) PER=$2; shift 2 ;;
    --window) WINDOW=$2; shift 2 ;;
    --samples) SAMPLES=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "gossip-age-bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$CLUSTERS" "$PER" "$WINDOW" "$SAMPLES" "$PORT"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "gossip-age-bench: '$v' is not a positive integer" >&2; exit 2; }
done
N=$((CLUSTERS * PER))
[ "$WINDOW" -lt "$N" ] || { echo "gossip-age-bench: --window must be below N = $N" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "gossip-age-bench: run as root" >&2; exit 1; }

WORK=$(mktemp -d /tmp/roam-gossip-age.XXXXXX)
export ROAM_STATE_DIR=$WORK/grid
G="$ROOT/bin/gridctl"
cleanup() {
  "$G" down >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
"$G" up --clusters "$CLUSTERS" --nodes-per-cluster "$PER" --port "$PORT" \
  --gossip-window "$WINDOW" >/dev/null
echo "grid of $N nodes (W = $WINDOW) up in $ROAM_STATE_DIR" >&2

SIM=$(java -cp "$ROOT/guest-agent/target/guest-agent.jar" io.roam.agent.sim.SimulatorMain age \
  --nodes "$N" --windows "$WINDOW" --seeds 3 --steps 500 | awk -F'|' -v n="$N" '$2+0 == n {print $4+0}')

python3 - "$ROAM_STATE_DIR/grid.json" "$N" "$WINDOW" "$SAMPLES" "${SIM:-nan}" "$LOAD_BEFORE" <<'PY'
import json, sys, time, urllib.request

info_file, n, w, samples, sim, load_before = sys.argv[1:7]
n, w, samples, sim = int(n), int(w), int(samples), float(sim)
info = json.load(open(info_file))
api, token = info["api"].rstrip("/"), info["token"]

def get(path):
    req = urllib.request.Request(api + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)

def law(n, w):
    # a(W): a push epidemic doubles the views holding a measurement each step, so a view's W - 1
    # freshest entries are 1 of age 0, 2 of age 1, 4 of age 2, ..., arriving a step older.
    total, k, left = 0, 1, w - 1
    while left > 0:
        take = min(left, 2 ** (k - 1))
        total += take * k
        left -= take
        k += 1
    return (n - 1) / w + total / w

nodes = []
deadline = time.time() + 120
while len(nodes) < n:
    body = get("/api/v1/nodes")
    items = body if isinstance(body, list) else body.get("nodes", body.get("items", []))
    nodes = sorted(x["id"] for x in items if x.get("state", "UP") in ("UP", "up", "ALIVE", "alive"))
    if len(nodes) >= n:
        break
    if time.time() > deadline:
        sys.exit("gossip-age-bench: only %d of %d nodes registered" % (len(nodes), n))
    time.sleep(1)

warm = 10 * n // w + 20
print("warming up for %d steps (1 s each)" % warm, file=sys.stderr)
time.sleep(warm)

ages, views, missing = 0, 0, 0
per_sample = []
start = time.time()
for s in range(samples):
    t0 = time.time()
    total, count = 0, 0
    for node in nodes:
        view = get("/api/v1/nodes/%s/load" % node)
        others = [e for e in view if e["node"] != node]
        missing += (n - 1) - len(others)
        total += sum(e["age"] for e in others)
        count += len(others)
    per_sample.append(total / count if count else float("nan"))
    ages += total
    views += count
    time.sleep(max(0.0, 1.0 - (time.time() - t0)))
elapsed = time.time() - start
mean = ages / views
expected = law(n, w)
load_after = open("/proc/loadavg").read().split()[:3]
print("sampled %d steps in %.0f s; per-sample mean age min %.2f max %.2f; entries missing from"
      " views: %d" % (samples, elapsed, min(per_sample), max(per_sample), missing), file=sys.stderr)
print("| N | W | samples | measured mean age (steps) | (N-1)/W + a(W) | measured / law | simulator"
      " | measured / simulator | load before | load after |")
print("|---|---|---|---|---|---|---|---|---|---|")
print("| %d | %d | %d | %.2f | %.2f | %.3f | %.2f | %.3f | %s | %s |" % (
    n, w, samples, mean, expected, mean / expected, sim, mean / sim if sim == sim else float("nan"),
    load_before, " ".join(load_after)))
PY
