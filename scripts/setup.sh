#!/usr/bin/env bash
# Installs what the local grid and the test suite need on a fresh Debian 12 machine.
# Idempotent and quick when everything is already in place. Run as root.
#
#   scripts/setup.sh            Debian packages + a CRIU >= 4 that passes `criu check`
#   scripts/setup.sh --e2e      also libvirtd, running (for the opt-in VM end-to-end test)
#   ROAM_CACHE=/path ...        where heavy artefacts are cached (default /var/cache/roam)
#
# CRIU: the distribution's criu is used when it is >= 4 and `criu check` passes; otherwise
# a minimal Debian 13 tree with criu 4.x is bootstrapped once into $ROAM_CACHE and run
# through its own dynamic loader (Debian 12's 3.17 fails on recent kernels).
set -euo pipefail

CACHE="${ROAM_CACHE:-/var/cache/roam}"
TREE="$CACHE/criu-trixie"
WRAPPER="$CACHE/bin/criu"
PACKAGES=(openjdk-17-jdk-headless maven debootstrap util-linux iproute2 procps psmisc stress-ng python3 curl)
# vm-node: libvirt client library (libvirt-java loads it through JNA), qemu-img for disk overlays,
# genisoimage (and its isoinfo) for seed disks, QEMU for the KVM probe and TCG guests, and
# libvirt's QEMU driver (run embedded, without libvirtd, by the opt-in LibvirtQemuTcgIT).
PACKAGES+=(libvirt0 qemu-utils genisoimage qemu-system-x86 libvirt-daemon-driver-qemu)
# REST API: wrk for the read benchmark (grid-manager/bench/rest-bench.sh); Chromium and its
# WebDriver for the web console's browser tests (run headless).
PACKAGES+=(wrk chromium chromium-driver)

log() { printf 'setup: %s\n' "$*" >&2; }

E2E=0
for arg in "$@"; do
  case "$arg" in
    --e2e) E2E=1 ;;
    *) log "unknown argument '$arg' (known: --e2e)"; exit 2 ;;
  esac
done
# The opt-in VM end-to-end test (VmGridIT) drives a real libvirtd; the default suite does not.
[ "$E2E" = 1 ] && PACKAGES+=(libvirt-daemon libvirt-clients libxml2-utils)

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (installs Debian packages and creates cgroups/namespaces); try: sudo $0"
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

criu_ok() { # $1: criu command; true when it is >= 4 and `criu check` passes
  local v
  v=$("$1" --version 2>/dev/null | sed -n 's/^Version: *\([0-9]*\).*/\1/p' | head -n1)
  [ -n "$v" ] && [ "$v" -ge 4 ] && "$1" check >/dev/null 2>&1
}

# The mirror debootstrap uses is the one this machine's apt already uses.
apt_mirror() {
  local uri
  uri=$(grep -rhs '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1)
  [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1)
  printf '%s' "$uri"
}

if [ -x "$WRAPPER" ] && criu_ok "$WRAPPER"; then
  log "criu: $WRAPPER ($("$WRAPPER" --version | head -n1)) already in place"
elif command -v criu >/dev/null 2>&1 && criu_ok "$(command -v criu)"; then
  mkdir -p "$CACHE/bin"
  ln -sf "$(command -v criu)" "$WRAPPER"
  log "criu: using the distribution's $(command -v criu)"
else
  if [ ! -f "$TREE/.complete" ]; then
    mirror=$(apt_mirror)
    [ -n "$mirror" ] || { log "cannot find a Debian mirror in /etc/apt sources"; exit 1; }
    log "criu: bootstrapping a minimal Debian 13 tree with criu 4 into $TREE (once, about 3 minutes)"
    rm -rf "$TREE.tmp"
    mkdir -p "$CACHE"
    debootstrap --variant=minbase --include=criu trixie "$TREE.tmp" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
      { log "debootstrap failed; see $CACHE/debootstrap.log"; exit 1; }
    rm -rf "$TREE"
    mv "$TREE.tmp" "$TREE"
    touch "$TREE/.complete"
  fi
  mkdir -p "$CACHE/bin"
  cat >"$WRAPPER" <<WRAP
#!/bin/sh
# criu from the Debian 13 tree, run through that tree's own loader and libraries.
exec "$TREE/lib64/ld-linux-x86-64.so.2" --library-path "$TREE/lib/x86_64-linux-gnu:$TREE/usr/lib/x86_64-linux-gnu" "$TREE/usr/sbin/criu" "\$@"
WRAP
  chmod +x "$WRAPPER"
  criu_ok "$WRAPPER" || { log "criu from $TREE does not pass 'criu check' on this kernel"; "$WRAPPER" check || true; exit 1; }
  log "criu: $WRAPPER ($("$WRAPPER" --version | head -n1))"
fi
echo "$WRAPPER"

if [ "$E2E" = 1 ]; then
  # libvirtd without systemd: its QEMU guests run as root, so the qemu user only has to exist.
  getent passwd libvirt-qemu >/dev/null || useradd --system --no-create-home --shell /usr/sbin/nologin libvirt-qemu
  conf=/etc/libvirt/qemu.conf
  grep -q '^user = "root"' "$conf" 2>/dev/null || printf 'user = "root"\ngroup = "root"\n' >>"$conf"
  pgrep -x virtlogd >/dev/null || virtlogd -d
  pgrep -x libvirtd >/dev/null || libvirtd -d
  for _ in $(seq 1 20); do
    virsh -c qemu:///system version >/dev/null 2>&1 && break
    sleep 0.5
  done
  virsh -c qemu:///system version >/dev/null 2>&1 || { log "libvirtd does not answer on qemu:///system"; exit 1; }
  log "e2e: libvirtd answers on qemu:///system"
fi
