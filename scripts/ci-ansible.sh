#!/usr/bin/env bash
# Checks the ansible playbooks and roles on this machine. Run as root.
#   1. installs ansible and ansible-lint (Debian packages) if they are missing;
#   2. ansible-playbook --syntax-check and ansible-lint (production profile) on every playbook;
#   3. runs the grid_manager and vm_node roles against this machine (ansible/local.yml,
#      connection local) twice and fails unless the second run reports changed=0 and failed=0;
#   4. checks what the roles installed (files, checksums, systemd units), then rolls out an image
#      whose .sha256 is wrong and fails unless that run fails and leaves 'current' alone;
#   5. with ROAM_CI_ZOOKEEPER=1, also the zookeeper role (one local member), twice, and the
#      server it configured must answer on 127.0.0.1:2181.
# Jars: the real ones when built (grid-manager/target/grid-manager.jar, vm-node/target/vm-node.jar),
# otherwise small placeholder jars. Image: small placeholder files with their .sha256, unless
# ROAM_CI_IMAGE_DIR names a directory made by images/build-image.sh.
# Services are not started here unless this machine runs systemd (see docs/operations/deploy.md).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
ANSIBLE_DIR="$REPO/ansible"
log() { printf 'ci-ansible: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
started=$(date +%s)

[ "$(id -u)" -eq 0 ] || fail "must run as root (the roles install packages and write /etc)"

need=()
command -v ansible-playbook >/dev/null 2>&1 || need+=(ansible)
command -v ansible-lint >/dev/null 2>&1 || need+=(ansible-lint)
if [ "${#need[@]}" -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
log "$(ansible-playbook --version | sed -n 1p)"

cd "$ANSIBLE_DIR"
export ANSIBLE_CONFIG="$ANSIBLE_DIR/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

# 1. Syntax of every playbook (top-level *.yml that are plays).
for pb in "$ANSIBLE_DIR"/*.yml; do
  log "syntax check: ${pb#"$REPO"/}"
  ansible-playbook -i inventory/example/hosts.yml --syntax-check "$pb" >/dev/null
done

# Lint: ansible-lint's strictest profile over every playbook and the roles they use.
log "ansible-lint --profile production"
if ! lint_out=$(ansible-lint --profile production --nocolor "$ANSIBLE_DIR"/*.yml 2>&1); then
  printf '%s\n' "$lint_out" >&2
  fail "ansible-lint"
fi

# 2. Artefacts to roll out.
WORK=$(mktemp -d /tmp/roam-ci-ansible.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
jar_or_placeholder() { # $1: real jar, $2: main class, $3: placeholder path
  if [ -s "$1" ]; then echo "$1"; return; fi
  python3 - "$3" "$2" <<'PY'
import sys, zipfile
# Fixed dates: the same placeholder bytes on every run.
when = (2000, 1, 1, 0, 0, 0)
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr(zipfile.ZipInfo("META-INF/MANIFEST.MF", when), "Manifest-Version: 1.0\nMain-Class: %s\n" % sys.argv[2])
    z.writestr(zipfile.ZipInfo("PLACEHOLDER", when), "placeholder jar for the ansible idempotence check\n")
PY
  echo "$3"
}
MANAGER_JAR=$(jar_or_placeholder "$REPO/grid-manager/target/grid-manager.jar" io.roam.manager.ManagerMain "$WORK/grid-manager.jar")
VMNODE_JAR=$(jar_or_placeholder "$REPO/vm-node/target/vm-node.jar" io.roam.vmnode.VmNodeMain "$WORK/vm-node.jar")
log "grid-manager jar: $MANAGER_JAR"
log "vm-node jar: $VMNODE_JAR"
if [ -n "${ROAM_CI_IMAGE_DIR:-}" ]; then
  IMAGE_DIR="$ROAM_CI_IMAGE_DIR"
else
  IMAGE_DIR="$WORK/image"
  mkdir -p "$IMAGE_DIR"
  for f in roam-guest.qcow2 roam-guest.vmlinuz roam-guest.initrd; do
    printf 'placeholder %s\n' "$f" >"$IMAGE_DIR/$f" # same bytes every run: one image directory
    (cd "$IMAGE_DIR" && sha256sum "$f" >"$f.sha256")
  done
fi
log "image: $IMAGE_DIR"

# inventory/local puts everything under /var/tmp/roam-ci and names the units roam-ci-*: start
# from nothing, so that the first run really installs and the second must change nothing.
CI_ROOT=/var/tmp/roam-ci
STATE=$CI_ROOT/state
UNITS=(roam-ci-grid-manager roam-ci-vm-node)
rm -rf "$CI_ROOT"
for u in "${UNITS[@]}"; do rm -f "/etc/systemd/system/$u.service"; done
# Fixed secrets: the same bytes on every run.
mkdir -p "$WORK/secrets"
printf 'ci-agent-secret\n' >"$WORK/secrets/agent.secret"
printf '%s\n' "$(printf 'ci-admin-token' | sha256sum | cut -d' ' -f1)" >"$WORK/secrets/admin-tokens.sha256"
VARS=(-e "roam_manager_jar_src=$MANAGER_JAR" -e "roam_vm_node_jar_src=$VMNODE_JAR" -e "roam_image_src_dir=$IMAGE_DIR"
  -e "roam_agent_secret_src=$WORK/secrets/agent.secret" -e "roam_admin_token_hashes_src=$WORK/secrets/admin-tokens.sha256")

run_local() { # $1: log file; other args: extra ansible-playbook args
  local out="$1"; shift
  ansible-playbook -i inventory/local/hosts.yml local.yml "${VARS[@]}" "$@" >"$out" 2>&1
}
recap() { # $1: log file, $2: field -> value for localhost
  sed -n 's/^localhost *: .*\b'"$2"'=\([0-9]*\).*/\1/p' "$1" | tail -n1
}

# 3. Twice; the second run must change nothing.
for n in 1 2; do
  log "run $n of ansible/local.yml"
  if ! run_local "$WORK/run$n.log"; then
    tail -n 40 "$WORK/run$n.log" >&2
    fail "run $n of the roles failed"
  fi
  grep -E '^localhost *:' "$WORK/run$n.log" | sed 's/^/ci-ansible:   /' >&2
done
changed=$(recap "$WORK/run2.log" changed)
failed=$(recap "$WORK/run2.log" failed)
[ -n "$changed" ] && [ -n "$failed" ] || fail "no PLAY RECAP for localhost in the second run"
if [ "$changed" != 0 ] || [ "$failed" != 0 ]; then
  grep -E '^changed:' "$WORK/run2.log" >&2 || true
  fail "second run: changed=$changed failed=$failed (changed=0 failed=0 required)"
fi
log "second run: changed=0 failed=0"

# 4. What the roles left behind.
cmp -s "$MANAGER_JAR" "$CI_ROOT/opt/lib/grid-manager.jar" || fail "$CI_ROOT/opt/lib/grid-manager.jar differs from $MANAGER_JAR"
cmp -s "$VMNODE_JAR" "$CI_ROOT/opt/lib/vm-node.jar" || fail "$CI_ROOT/opt/lib/vm-node.jar differs from $VMNODE_JAR"
grep -qx 'ROAM_ZK=127.0.0.1:2181' "$CI_ROOT/etc/grid-manager.env" || fail "grid-manager.env lacks ROAM_ZK"
for kv in ROAM_AGENT_TIMEOUT=20 ROAM_NODE_LOSS_GRACE=45 ROAM_PARALLEL_MOVES=4; do
  grep -qx "$kv" "$CI_ROOT/etc/grid-manager.env" || fail "grid-manager.env lacks $kv (the role's default)"
done
grep -qx 'ROAM_DOMAIN_TYPE=qemu' "$CI_ROOT/etc/vm-node.env" || fail "vm-node.env lacks ROAM_DOMAIN_TYPE=qemu"
grep -qx 'ROAM_FORWARD_ADDRESS=127.0.0.1' "$CI_ROOT/etc/vm-node.env" || fail "vm-node.env lacks ROAM_FORWARD_ADDRESS=127.0.0.1"
grep -qx 'ROAM_GUEST_TRANSFER_TIMEOUT=PT60S' "$CI_ROOT/etc/vm-node.env" || fail "vm-node.env lacks ROAM_GUEST_TRANSFER_TIMEOUT=PT60S (the role's default)"
grep -q "^ExecStart=/usr/bin/java .* -jar $CI_ROOT/opt/lib/vm-node.jar --zk \${ROAM_ZK} .*--domain-type \${ROAM_DOMAIN_TYPE} .*--agent-secret-file \${ROAM_AGENT_SECRET_FILE} --forward-address \${ROAM_FORWARD_ADDRESS} --guest-transfer-timeout \${ROAM_GUEST_TRANSFER_TIMEOUT}" "/etc/systemd/system/roam-ci-vm-node.service" ||
  fail "roam-ci-vm-node.service does not run the rolled-out jar with its options"
grep -q "^ExecStart=/usr/bin/java .* -jar $CI_ROOT/opt/lib/grid-manager.jar serve --zk \${ROAM_ZK} .*--http-host \${ROAM_HTTP_HOST} .*--agent-secret-file \${ROAM_AGENT_SECRET_FILE} --agent-timeout \${ROAM_AGENT_TIMEOUT} --node-loss-grace \${ROAM_NODE_LOSS_GRACE} --parallel-moves \${ROAM_PARALLEL_MOVES}" "/etc/systemd/system/roam-ci-grid-manager.service" ||
  fail "roam-ci-grid-manager.service does not run 'serve' with its options"
cmp -s "$WORK/secrets/agent.secret" "$CI_ROOT/etc/vm-node.agent.secret" || fail "vm-node's agent secret differs from the one given"
cmp -s "$WORK/secrets/agent.secret" "$CI_ROOT/etc/grid-manager.agent.secret" || fail "the manager's agent secret differs from the one given"
[ "$(stat -c %a "$CI_ROOT/etc/vm-node.agent.secret")" = 600 ] || fail "vm-node's agent secret is not mode 0600"
current=$(readlink "$STATE/images/current") || fail "$STATE/images/current is missing"
(cd "$IMAGE_DIR" && for f in roam-guest.qcow2 roam-guest.vmlinuz roam-guest.initrd; do
  [ "$(cut -d' ' -f1 "$f.sha256")" = "$(sha256sum <"$STATE/images/$current/$f" | cut -d' ' -f1)" ] || exit 1
done) || fail "the rolled-out image in $STATE/images/$current does not match $IMAGE_DIR"
log "rolled-out files match (image in $STATE/images/$current)"
if command -v systemd-analyze >/dev/null 2>&1; then
  # Checks the units' syntax and that their programs exist; works without a running systemd.
  for u in "${UNITS[@]}"; do
    if ! out=$(systemd-analyze verify "/etc/systemd/system/$u.service" 2>&1); then
      printf '%s\n' "$out" >&2
      fail "systemd-analyze verify $u.service"
    fi
    if printf '%s\n' "$out" | grep -q "$u.service"; then printf '%s\n' "$out" >&2; fail "systemd-analyze reports on $u.service"; fi
  done
  log "systemd-analyze verify: units are valid"
fi

# 5. A wrong checksum must stop the roll-out and leave 'current' alone.
# A new image (so a new image directory) whose kernel was changed after its .sha256 was written.
BAD="$WORK/bad-image"
mkdir -p "$BAD"
for f in roam-guest.qcow2 roam-guest.vmlinuz roam-guest.initrd; do
  printf 'another image, %s, %s\n' "$f" "$(date +%s%N)" >"$BAD/$f"
  (cd "$BAD" && sha256sum "$f" >"$f.sha256")
done
printf 'tampered\n' >>"$BAD/roam-guest.vmlinuz"
dirs_before=$(ls "$STATE/images")
if run_local "$WORK/run-bad.log"  -e "roam_image_src_dir=$BAD"; then
  fail "a roll-out with a wrong checksum succeeded"
fi
grep -q 'failed verification' "$WORK/run-bad.log" || { tail -n 30 "$WORK/run-bad.log" >&2; fail "the bad roll-out failed for another reason"; }
[ "$(readlink "$STATE/images/current")" = "$current" ] || fail "'current' moved after a failed roll-out"
if ls -d "$STATE"/images/*.incoming >/dev/null 2>&1; then fail "a staging directory was left behind"; fi
[ "$(ls "$STATE/images")" = "$dirs_before" ] || fail "the failed roll-out left files in $STATE/images: $(ls "$STATE/images" | tr '\n' ' ')"
log "a tampered image is refused and 'current' stays at $current"

# 6. Optional (ROAM_CI_ZOOKEEPER=1): the zookeeper role on this machine as a one-member
# ensemble, twice, then the server started through the package's init script must answer
# 'ruok' and 'srvr' on 127.0.0.1:2181 (which must be free), and is stopped again.
if [ "${ROAM_CI_ZOOKEEPER:-0}" = 1 ]; then
  for n in 1 2; do
    log "run $n of ansible/zookeeper.yml (local, one member)"
    ansible-playbook -i inventory/local-zookeeper/hosts.yml zookeeper.yml >"$WORK/zk$n.log" 2>&1 ||
      { tail -n 40 "$WORK/zk$n.log" >&2; fail "run $n of the zookeeper role failed"; }
    grep -E '^localhost *:' "$WORK/zk$n.log" | sed 's/^/ci-ansible:   /' >&2
  done
  [ "$(recap "$WORK/zk2.log" changed)" = 0 ] || fail "second run of the zookeeper role changed something"
  zk_say() { python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",2181),3); s.sendall(sys.argv[1].encode()); s.shutdown(socket.SHUT_WR); print(s.makefile().read())' "$1" 2>/dev/null; }
  if zk_say ruok >/dev/null; then fail "something already listens on 127.0.0.1:2181"; fi
  /etc/init.d/zookeeper start >/dev/null
  ok=""
  for _ in $(seq 1 30); do
    if [ "$(zk_say ruok)" = imok ]; then ok=1; break; fi
    sleep 1
  done
  mode=$(zk_say srvr | sed -n 's/^Mode: //p')
  /etc/init.d/zookeeper stop >/dev/null || true
  [ -n "$ok" ] || fail "ZooKeeper configured by the role did not answer ruok within 30 s (see /var/log/zookeeper)"
  [ "$mode" = standalone ] || fail "ZooKeeper answered, in mode '$mode' (standalone expected with one member)"
  log "zookeeper role: idempotent; the server it configured answered imok (mode $mode)"
fi

rm -rf "$CI_ROOT"
for u in "${UNITS[@]}"; do rm -f "/etc/systemd/system/$u.service"; done
log "passed in $(($(date +%s) - started)) s"
