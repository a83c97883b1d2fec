#!/usr/bin/env bash
# Install the advisor with its test extras and run the whole test suite.
#
# The suite talks to real peers. DCMTK's storescp and Orthanc 1.10 cannot be
# told to listen on loopback only, so the suite runs in a private network
# namespace where loopback is the only interface (unshare, from util-linux);
# the tests that start those peers refuse to run anywhere else.
#
#   bash scripts/run_tests.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check ".[test]"

namespace=()
if [ "$(id -u)" -eq 0 ]; then
  namespace=(unshare --net)
else
  namespace=(unshare --net --map-root-user)
fi
exec "${namespace[@]}" bash -c 'ip link set lo up && exec .venv/bin/python -m pytest "$@"' pytest "$@"
