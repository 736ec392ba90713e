#!/usr/bin/env bash
# Runs the whole test suite: formatting and layering checks, unit tests, and the integration
# tests against a real in-process ZooKeeper, real processes, real CRIU and the real local grid.
# Installs what it needs first (scripts/setup.sh; fast when already done). Run as root.
#
#   scripts/test.sh                 everything
#   scripts/test.sh -pl guest-agent -am   extra arguments go to Maven
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/setup.sh >/dev/null
export ROAM_CRIU="${ROAM_CRIU:-/var/cache/roam/bin/criu}"
# In CI, a missing CRIU or root must fail the CRIU tests rather than skip them.
exec mvn -B -ntp -Dstyle.color=never -Droam.requireCriu=true verify "$@"
