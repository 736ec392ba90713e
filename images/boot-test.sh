#!/usr/bin/env bash
# Boots the built image once under QEMU with software emulation (TCG) and checks on the serial
# log that the guest read its seed and started the agent service, and that the agent's own output
# (or, on failure, the console report of why it stopped) reached the serial console.
#
#   images/boot-test.sh [--dir DIR] [--timeout SECONDS] [--zk HOST:PORT] [--listen-zk]
#
# DIR holds roam-guest.{qcow2,vmlinuz,initrd} (default /var/cache/roam/images/dist). The base
# image is not written: the guest runs on a qcow2 overlay in a scratch directory. Under user-mode
# networking the host's 127.0.0.1 is 10.0.2.2 in the guest; the default ZooKeeper address points
# there. Scratch files go to /tmp/roam-boot.*/, removed after a successful run.
# --listen-zk accepts TCP connections on the host's 127.0.0.1:2181 during the boot (a bare
# listener, not ZooKeeper), so the guest's path to the host can be seen to work.
# The kernel command line has roam.selftest: the guest prints `criu check` and `java -version`.
# Exit 0 when the root filesystem was grown, the self-test ran, and the agent service was started
# and its output or failure report was seen (a failing `criu check` is shown, not fatal).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=/var/cache/roam/images/dist
TIMEOUT=900
ZK=10.0.2.2:2181
LISTEN=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;; --timeout) TIMEOUT="$2"; shift 2 ;; --zk) ZK="$2"; shift 2 ;;
    --listen-zk) LISTEN=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
log() { printf 'boot-test: %s\n' "$*" >&2; }
command -v qemu-system-x86_64 >/dev/null || {
  log "installing qemu-system-x86"; apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null; }
(cd "$DIR" && sha256sum -c --quiet roam-guest.qcow2.sha256 roam-guest.vmlinuz.sha256 roam-guest.initrd.sha256)
RUN=$(mktemp -d /tmp/roam-boot.XXXXXX)
SERIAL="$RUN/serial.log"
qemu-img create -q -f qcow2 -F qcow2 -b "$DIR/roam-guest.qcow2" "$RUN/overlay.qcow2" 6G # larger than the base: the guest grows its root
head -c 32 /dev/urandom | base64 >"$RUN/agent.secret"
"$HERE/make-seed.sh" --out "$RUN/seed.img" --node-id boot-test-1 --cluster boot-test --zk "$ZK" \
  --grid roam --bind 0.0.0.0:7400 --advertise 127.0.0.1:17400 --secret-file "$RUN/agent.secret"
: >"$SERIAL"
lpid=""
if [ "$LISTEN" -eq 1 ]; then
  python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 2181)); s.listen(8); s.settimeout(float(sys.argv[1]))
while True:
    c, a = s.accept(); print("listener: connection from", a, flush=True); c.close()
' "$TIMEOUT" >"$RUN/listener.log" 2>&1 &
  lpid=$!
fi
log "booting under TCG (timeout ${TIMEOUT}s); serial log: $SERIAL"
start=$(date +%s)
timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -machine q35 -m 1536 -smp 2 -nographic \
  -kernel "$DIR/roam-guest.vmlinuz" -initrd "$DIR/roam-guest.initrd" \
  -append "root=/dev/vda rw console=ttyS0,115200 systemd.show_status=1 roam.selftest" \
  -drive file="$RUN/overlay.qcow2",format=qcow2,if=virtio \
  -drive file="$RUN/seed.img",format=raw,if=virtio,readonly=on \
  -netdev user,id=n0,hostfwd=tcp:127.0.0.1:17400-:7400 -device virtio-net-pci,netdev=n0 \
  -serial file:"$SERIAL" -monitor none </dev/null >"$RUN/qemu.out" 2>&1 &
qpid=$!
trap 'kill "$qpid" ${lpid:+"$lpid"} 2>/dev/null || true' EXIT
# systemd colours unit names on the console: match on the text without its escape sequences.
seen() { sed 's/\x1b\[[0-9;:]*m//g' "$SERIAL" | grep -aq -- "$1"; }
result=timeout
while kill -0 "$qpid" 2>/dev/null; do
  # Done when the agent was started and then either spoke or was reported as stopped.
  if seen 'roam-growfs: root filesystem' && seen 'roam-selftest: java:' && seen 'Started roam-agent.service' &&
    { seen 'roam: roam-agent.service failed' || seen 'placeholder agent: ZooKeeper .* answers'; }; then
    result=agent-started; break
  fi
  if seen 'Kernel panic'; then result=failed; break; fi
  # A seed failure is followed by its report on the console; wait for it (two minutes at most).
  if seen 'roam-seed: FAILED'; then
    result=failed
    seed_failed_at=${seed_failed_at:-$(date +%s)}
    if seen 'end of report for roam-seed.service' || [ $(($(date +%s) - seed_failed_at)) -gt 120 ]; then break; fi
  fi
  sleep 2
done
elapsed=$(($(date +%s) - start))
kill "$qpid" 2>/dev/null || true
wait "$qpid" 2>/dev/null || true
if [ -n "$lpid" ]; then kill "$lpid" 2>/dev/null || true; wait "$lpid" 2>/dev/null || true; cat "$RUN/listener.log" >&2; fi
log "result: $result after ${elapsed}s"
grep -a -E 'roam-seed:|roam-growfs|roam-selftest|roam-agent|placeholder agent|===== roam|Reached target.*Multi-User|Kernel panic' "$SERIAL" | sed 's/\x1b\[[0-9;:]*m//g' | head -n 60 >&2 || true
if [ "$result" = agent-started ]; then rm -rf "$RUN"; else log "kept $RUN (serial.log, overlay, seed) for inspection"; exit 1; fi
