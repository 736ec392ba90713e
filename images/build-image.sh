#!/usr/bin/env bash
# Builds the Roam guest image from Debian packages: Debian 13 (trixie), a headless JRE, criu 4.x,
# the cloud kernel with its initramfs, and the guest agent as a systemd service configured from
# a ROAM-SEED disk (see docs/operations/images.md). Run as root on Debian.
#
#   images/build-image.sh                        agent from guest-agent/target/guest-agent.jar
#   images/build-image.sh --agent-jar PATH       another agent jar
#   images/build-image.sh --placeholder-agent    a small stand-in agent (images/placeholder-agent/),
#                                                for testing the image before the real agent exists
#   --out DIR       where the image goes (default: $ROAM_IMAGE_CACHE/dist)
#   --size SIZE     virtual size of the root disk (default 4G)
#   --rebuild-tree  bootstrap the Debian tree again even if it is cached
#
# Output in DIR: roam-guest.qcow2, roam-guest.vmlinuz, roam-guest.initrd, one .sha256 beside each,
# SHA256SUMS and roam-guest.manifest. The bootstrapped tree is cached in $ROAM_IMAGE_CACHE
# (default /var/cache/roam/images) under a key made of the suite and the package list, so a
# second build only re-assembles the image.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CACHE="${ROAM_IMAGE_CACHE:-/var/cache/roam/images}"
OUT=""
SIZE=4G
SUITE=trixie
AGENT_JAR="$REPO/guest-agent/target/guest-agent.jar"
PLACEHOLDER=0
REBUILD=0
NAME=roam-guest

# Packages of the cached tree. The JRE is chosen inside the tree (the newest of JRE_CANDIDATES
# that the suite has). Changing this list changes the cache key.
DEBOOTSTRAP_INCLUDE=(systemd-sysv udev kmod iproute2 ca-certificates e2fsprogs util-linux procps)
PACKAGES=(linux-image-cloud-amd64 initramfs-tools criu dbus systemd-resolved less)
JRE_CANDIDATES=(openjdk-25-jre-headless openjdk-21-jre-headless)
TREE_FORMAT=1 # bump when the way the tree is made changes

log() { printf 'build-image: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --agent-jar) AGENT_JAR="$2"; shift 2 ;;
    --placeholder-agent) PLACEHOLDER=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    --rebuild-tree) REBUILD=1; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) die "unknown option: $1 (try --help)" ;;
  esac
done
OUT="${OUT:-$CACHE/dist}"

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot); try: sudo $0"
if [ "$PLACEHOLDER" -eq 0 ] && [ ! -f "$AGENT_JAR" ]; then
  die "no agent jar at $AGENT_JAR: build it with 'mvn -pl guest-agent -am package -DskipTests', or pass --agent-jar PATH or --placeholder-agent"
fi

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
if [ "$PLACEHOLDER" -eq 1 ] && ! command -v javac >/dev/null; then need+=(openjdk-17-jdk-headless); fi
if [ "${#need[@]}" -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The mirror is the one this machine's apt already uses.
apt_mirror() {
  local uri
  uri=$(grep -rhs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | grep '/debian/*$' | head -n1)
  [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1)
  printf '%s' "$uri"
}

key=$(printf '%s\n' "$TREE_FORMAT" "$SUITE" "${DEBOOTSTRAP_INCLUDE[*]}" "${PACKAGES[*]}" "${JRE_CANDIDATES[*]}" | sha256sum | cut -c1-12)
TREE="$CACHE/tree-$SUITE-$key"
mkdir -p "$CACHE" "$OUT"
started=$(date +%s)

# One build at a time per cache.
exec 9>"$CACHE/.lock"
flock -n 9 || { log "waiting for another build using $CACHE"; flock 9; }

MOUNTED=()
cleanup_mounts() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTED[$i]}" 2>/dev/null || true; done
  MOUNTED=()
}
trap cleanup_mounts EXIT
bind_mounts() { # $1: tree
  mount -t proc proc "$1/proc" && MOUNTED+=("$1/proc")
  mount -t sysfs sys "$1/sys" && MOUNTED+=("$1/sys")
  mount --bind /dev "$1/dev" && MOUNTED+=("$1/dev")
  mount --bind /dev/pts "$1/dev/pts" && MOUNTED+=("$1/dev/pts")
}

# ---- stage 1: the Debian tree (cached) ------------------------------------------------------
if [ "$REBUILD" -eq 1 ] || [ ! -f "$TREE/.complete" ]; then
  mirror=$(apt_mirror)
  [ -n "$mirror" ] || die "cannot find a Debian mirror in /etc/apt sources"
  t0=$(date +%s)
  log "bootstrapping Debian $SUITE into $TREE (once; several minutes)"
  rm -rf "$TREE.tmp" "$TREE"
  debootstrap --variant=minbase --include="$(IFS=,; echo "${DEBOOTSTRAP_INCLUDE[*]}")" \
    "$SUITE" "$TREE.tmp" "$mirror" >"$CACHE/debootstrap-$key.log" 2>&1 ||
    die "debootstrap failed; see $CACHE/debootstrap-$key.log"
  log "debootstrap done in $(($(date +%s) - t0)) s"
  bind_mounts "$TREE.tmp"
  # The same apt date checks as this machine (its mirror may be a dated snapshot).
  grep -rhs 'Check-Valid-Until\|Check-Date' /etc/apt/apt.conf.d/ >"$TREE.tmp/etc/apt/apt.conf.d/99roam-build" || true
  in_tree() { chroot "$TREE.tmp" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
  in_tree apt-get update -qq >>"$CACHE/debootstrap-$key.log" 2>&1 || die "apt-get update in the tree failed; see $CACHE/debootstrap-$key.log"
  jre=""
  for c in "${JRE_CANDIDATES[@]}"; do
    if in_tree apt-cache show "$c" >/dev/null 2>&1; then jre="$c"; break; fi
  done
  [ -n "$jre" ] || die "none of ${JRE_CANDIDATES[*]} is in $SUITE"
  log "installing ${PACKAGES[*]} $jre into the tree"
  t0=$(date +%s)
  in_tree apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" "$jre" >>"$CACHE/debootstrap-$key.log" 2>&1 ||
    die "package installation in the tree failed; see $CACHE/debootstrap-$key.log"
  log "packages installed in $(($(date +%s) - t0)) s"
  # The initramfs must find the virtio root disk whatever machine it is built on.
  printf 'virtio_pci\nvirtio_blk\nvirtio_net\next4\n' >>"$TREE.tmp/etc/initramfs-tools/modules"
  in_tree update-initramfs -u -k all >>"$CACHE/debootstrap-$key.log" 2>&1 || die "update-initramfs failed; see $CACHE/debootstrap-$key.log"
  in_tree apt-get clean
  rm -f "$TREE.tmp/etc/apt/apt.conf.d/99roam-build"
  rm -rf "$TREE.tmp/var/lib/apt/lists/"*
  cleanup_mounts
  ls "$TREE.tmp"/boot/vmlinuz-* "$TREE.tmp"/boot/initrd.img-* >/dev/null 2>&1 || die "no kernel or initrd in the tree"
  echo "$jre" >"$TREE.tmp/.roam-jre"
  touch "$TREE.tmp/.complete"
  mv "$TREE.tmp" "$TREE"
else
  log "using the cached tree $TREE"
fi

# ---- stage 2: assemble the image --------------------------------------------------------------
WORK="$CACHE/work"
rm -rf "$WORK"
mkdir -p "$WORK"
ROOT="$WORK/root"
cp -a "$TREE" "$ROOT"
rm -f "$ROOT/.complete"
jre=$(cat "$ROOT/.roam-jre")
rm -f "$ROOT/.roam-jre"

# The agent.
mkdir -p "$ROOT/opt/roam"
if [ "$PLACEHOLDER" -eq 1 ]; then
  log "building the placeholder agent (not the real guest agent)"
  mkdir -p "$WORK/placeholder/classes"
  javac --release 17 -d "$WORK/placeholder/classes" "$HERE/placeholder-agent/AgentMain.java"
  (cd "$WORK/placeholder/classes" && jar --create --file "$ROOT/opt/roam/guest-agent.jar" --main-class io.roam.agent.AgentMain .)
  agent_desc="placeholder (images/placeholder-agent)"
else
  install -m 0644 "$AGENT_JAR" "$ROOT/opt/roam/guest-agent.jar"
  agent_desc="$(basename "$AGENT_JAR")"
fi

# Units, scripts and small system settings.
install -m 0644 "$HERE"/guest/systemd/*.service "$ROOT/etc/systemd/system/"
mkdir -p "$ROOT/usr/local/lib/roam" "$ROOT/etc/systemd/network" "$ROOT/etc/roam" "$ROOT/var/lib/roam/agent"
install -m 0755 "$HERE"/guest/lib/* "$ROOT/usr/local/lib/roam/"
install -m 0644 "$HERE/guest/80-roam-dhcp.network" "$ROOT/etc/systemd/network/"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$ROOT/etc/fstab"
echo roam-node >"$ROOT/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 roam-node\n::1 localhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
: >"$ROOT/etc/machine-id" # each VM makes its own at first boot
rm -f "$ROOT/var/lib/dbus/machine-id"
ln -sf /usr/share/zoneinfo/Etc/UTC "$ROOT/etc/localtime"
echo 'LANG=C.UTF-8' >"$ROOT/etc/default/locale"
rm -f "$ROOT/etc/resolv.conf"
ln -s ../run/systemd/resolve/stub-resolv.conf "$ROOT/etc/resolv.conf"
# No interactive questions on a serial console at first boot.
ln -sf /dev/null "$ROOT/etc/systemd/system/systemd-firstboot.service"
for unit in roam-seed.service roam-growfs.service roam-selftest.service roam-agent.service systemd-networkd.service systemd-resolved.service; do
  systemctl --root="$ROOT" enable "$unit" >/dev/null 2>&1 || die "cannot enable $unit in the image"
done
kernel=$(ls "$ROOT"/boot/vmlinuz-* | sort -V | tail -n1)
initrd=$(ls "$ROOT"/boot/initrd.img-* | sort -V | tail -n1)
kver=${kernel##*/vmlinuz-}
criu_v=$(chroot "$ROOT" dpkg-query -W -f='${Version}' criu)
jre_v=$(chroot "$ROOT" dpkg-query -W -f='${Version}' "$jre")
cat >"$ROOT/opt/roam/IMAGE" <<EOF
suite=$SUITE
kernel=$kver
jre=$jre $jre_v
criu=$criu_v
agent=$agent_desc
built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF

# Filesystem straight from the directory (no loop device), then qcow2.
used_mib=$(du -sm "$ROOT" | cut -f1)
log "root tree is ${used_mib} MiB; making a $SIZE ext4 root filesystem"
truncate -s "$SIZE" "$WORK/root.raw"
mkfs.ext4 -q -F -L roam-root -d "$ROOT" "$WORK/root.raw"
qemu-img convert -c -O qcow2 "$WORK/root.raw" "$WORK/$NAME.qcow2"
install -m 0644 "$kernel" "$WORK/$NAME.vmlinuz"
install -m 0644 "$initrd" "$WORK/$NAME.initrd"
cp "$ROOT/opt/roam/IMAGE" "$WORK/$NAME.manifest"
(cd "$WORK" && for f in "$NAME.qcow2" "$NAME.vmlinuz" "$NAME.initrd"; do sha256sum "$f" >"$f.sha256"; done)
for f in "$NAME.qcow2" "$NAME.vmlinuz" "$NAME.initrd"; do
  mv -f "$WORK/$f" "$OUT/$f"
  mv -f "$WORK/$f.sha256" "$OUT/$f.sha256"
done
mv -f "$WORK/$NAME.manifest" "$OUT/$NAME.manifest"
(cd "$OUT" && cat "$NAME.qcow2.sha256" "$NAME.vmlinuz.sha256" "$NAME.initrd.sha256" >SHA256SUMS)
rm -rf "$WORK"

log "done in $(($(date +%s) - started)) s: $OUT/$NAME.qcow2 ($(du -m "$OUT/$NAME.qcow2" | cut -f1) MiB on disk, $SIZE virtual), kernel $kver, $jre $jre_v, criu $criu_v, agent: $agent_desc"
