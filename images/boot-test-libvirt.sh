#!/usr/bin/env bash
# Boots the image through libvirt as vm-node does: the domain XML comes from vm-node's own renderer
# (io.roam.vmnode.RenderDomainMain in the vm-node jar, without the Roam mark so that no vm-node
# takes the domain), is validated against libvirt's schema, defined and started; the serial log is
# checked as images/boot-test.sh does; then the domain is destroyed and undefined.
# Needs a running libvirtd (without systemd: `virtlogd -d && libvirtd -d`).
#
#   images/boot-test-libvirt.sh [--images-dir DIR] [--domain-type qemu|kvm] [--timeout S] [--uri URI]
#                               [--vm-node-jar JAR]
#
# JAR defaults to vm-node/target/vm-node.jar of this checkout, else /opt/roam/lib/vm-node.jar.
# DIR holds roam-guest.{qcow2,vmlinuz,initrd} (default /var/lib/roam/images/current, where the
# vm_node role rolls them out). Scratch files go to /var/lib/roam/vm-node/boot-test-<pid>/,
# removed after a successful run and kept after a failed one.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
IMAGES=/var/lib/roam/images/current
TYPE=qemu
TIMEOUT=900
URI=qemu:///system
JAR="$HERE/../vm-node/target/vm-node.jar"
[ -f "$JAR" ] || JAR=/opt/roam/lib/vm-node.jar
while [ $# -gt 0 ]; do
  case "$1" in
    --images-dir) IMAGES="$2" ;; --domain-type) TYPE="$2" ;; --timeout) TIMEOUT="$2" ;; --uri) URI="$2" ;; --vm-node-jar) JAR="$2" ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
log() { printf 'boot-test-libvirt: %s\n' "$*" >&2; }
need=()
command -v virsh >/dev/null || need+=(libvirt-clients)
command -v xmllint >/dev/null || need+=(libxml2-utils) # virt-xml-validate runs it
command -v qemu-img >/dev/null || need+=(qemu-utils)
if [ "${#need[@]}" -gt 0 ]; then
  log "installing ${need[*]}"; apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
IMAGES=$(readlink -f "$IMAGES")
[ -f "$JAR" ] || { log "no vm-node jar at $JAR (mvn -pl vm-node -am package, or --vm-node-jar)"; exit 2; }
NAME="roam-boot-test-$$"
RUN="/var/lib/roam/vm-node/boot-test-$$"
mkdir -p "$RUN"
chmod 0755 "$RUN"
SERIAL="$RUN/console.log"
PORT=$((20000 + $$ % 10000))
cleanup() {
  virsh -q -c "$URI" destroy "$NAME" >/dev/null 2>&1 || true
  virsh -q -c "$URI" undefine "$NAME" >/dev/null 2>&1 || true
}
trap cleanup EXIT
qemu-img create -q -f qcow2 -F qcow2 -b "$IMAGES/roam-guest.qcow2" "$RUN/disk.qcow2"
head -c 32 /dev/urandom | base64 >"$RUN/agent.secret"
"$HERE/make-seed.sh" --out "$RUN/seed.iso" --node-id libvirt-test-1 --cluster boot-test --zk 10.0.2.2:2181 \
  --grid roam --bind 0.0.0.0:7400 --advertise "127.0.0.1:$PORT" --secret-file "$RUN/agent.secret"
# vm-node's file names: disk.qcow2, seed.iso (here an ext4 seed; any filesystem will do), console.log.
java -cp "$JAR" io.roam.vmnode.RenderDomainMain --name "$NAME" --dir "$RUN" --domain-type "$TYPE" \
  --vcpus 2 --memory-mib 1536 --kernel "$IMAGES/roam-guest.vmlinuz" --initrd "$IMAGES/roam-guest.initrd" \
  --cmdline "root=/dev/vda rw console=ttyS0,115200 systemd.show_status=1" \
  --forward "$PORT:7400" --unmanaged >"$RUN/domain.xml"
virt-xml-validate "$RUN/domain.xml" domain
virsh -q -c "$URI" define "$RUN/domain.xml" >/dev/null
virsh -q -c "$URI" start "$NAME" >/dev/null
log "started $NAME ($TYPE) through $URI; serial log: $SERIAL"
seen() { [ -f "$SERIAL" ] && sed 's/\x1b\[[0-9;:]*m//g' "$SERIAL" | grep -aq -- "$1"; }
start=$(date +%s)
result=timeout
while [ $(($(date +%s) - start)) -lt "$TIMEOUT" ]; do
  if seen 'Started roam-agent.service' && { seen 'roam: roam-agent.service failed' || seen 'placeholder agent: ZooKeeper .* answers'; }; then
    result=agent-started; break
  fi
  if seen 'roam-seed: FAILED' || seen 'Kernel panic'; then result=failed; break; fi
  [ "$(virsh -c "$URI" domstate "$NAME" 2>/dev/null)" = running ] || { result=not-running; break; }
  sleep 2
done
log "result: $result after $(($(date +%s) - start))s"
sed 's/\x1b\[[0-9;:]*m//g' "$SERIAL" | grep -a -E 'roam-seed:|roam-agent|placeholder agent|===== roam|Kernel panic' | head -n 30 >&2 || true
if [ "$result" = agent-started ]; then rm -rf "$RUN"; else log "kept $RUN for inspection"; exit 1; fi
