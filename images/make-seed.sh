#!/usr/bin/env bash
# Makes a node's seed disk: a small ext4 image labelled ROAM-SEED holding roam.env and
# agent.secret, read at boot by the guest's roam-seed.service. No mounting, no loop device.
#
#   images/make-seed.sh --out seed.img --node-id n1 --cluster lab-a --zk 10.0.2.2:2181 \
#       --grid roam --bind 0.0.0.0:7400 --advertise 127.0.0.1:17400 --secret-file agent.secret \
#       [--hostname NAME] [--java-opts '-Xmx512m'] [--migration-port 7071 --advertise-migration-port 17401]
#       [--host-loopback 10.0.2.2] [--zk-session-timeout-ms 40000] [--transfer-timeout-s 60]
set -euo pipefail
die() { printf 'make-seed: %s\n' "$*" >&2; exit 1; }
out="" node="" cluster="" zk="" grid="" bind="" adv="" secret="" hn="" jopts="" mport="" amport="" hostlo="" zkst="" tto=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2" ;; --node-id) node="$2" ;; --cluster) cluster="$2" ;; --zk) zk="$2" ;;
    --grid) grid="$2" ;; --bind) bind="$2" ;; --advertise) adv="$2" ;; --secret-file) secret="$2" ;;
    --hostname) hn="$2" ;; --java-opts) jopts="$2" ;;
    --migration-port) mport="$2" ;; --advertise-migration-port) amport="$2" ;;
    --host-loopback) hostlo="$2" ;; --zk-session-timeout-ms) zkst="$2" ;;
    --transfer-timeout-s) tto="$2" ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) die "unknown option: $1" ;;
  esac
  shift 2
done
for v in out node cluster zk grid bind adv secret; do [ -n "${!v}" ] || die "a required option is missing ($v; see --help)"; done
if [ -n "$tto" ]; then
  case "$tto" in *[!0-9]*) die "--transfer-timeout-s must be whole seconds, 1 to 3600: '$tto'" ;; esac
  [ "$tto" -ge 1 ] && [ "$tto" -le 3600 ] || die "--transfer-timeout-s must be whole seconds, 1 to 3600: '$tto'"
fi
[ -s "$secret" ] || die "secret file $secret is missing or empty"
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 (e2fsprogs) is needed"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
{
  echo "ROAM_NODE_ID=$node"
  echo "ROAM_CLUSTER=$cluster"
  echo "ROAM_ZK=$zk"
  echo "ROAM_GRID=$grid"
  echo "ROAM_BIND=$bind"
  echo "ROAM_ADVERTISE=$adv"
  [ -z "$hn" ] || echo "ROAM_HOSTNAME=$hn"
  [ -z "$jopts" ] || echo "ROAM_JAVA_OPTS=$jopts"
  [ -z "$mport" ] || echo "ROAM_MIGRATION_PORT=$mport"
  [ -z "$amport" ] || echo "ROAM_ADVERTISE_MIGRATION_PORT=$amport"
  [ -z "$hostlo" ] || echo "ROAM_HOST_LOOPBACK=$hostlo"
  [ -z "$zkst" ] || echo "ROAM_ZK_SESSION_TIMEOUT_MS=$zkst"
  [ -z "$tto" ] || echo "ROAM_TRANSFER_TIMEOUT_S=$tto"
} >"$dir/roam.env"
install -m 0600 "$secret" "$dir/agent.secret"
rm -f "$out"
truncate -s 4M "$out"
mkfs.ext4 -q -F -L ROAM-SEED -d "$dir" "$out"
chmod 0600 "$out"
