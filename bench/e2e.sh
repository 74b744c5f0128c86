#!/usr/bin/env bash
# bench e2e: time from the last instance received to the derived series acknowledged by Orthanc, per stage,
# for a 256x256 series of 24 slices at x2 (median of several runs). Needs Orthanc (Debian package orthanc).
#   ./sri-node bench e2e [runs]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
CLI_CP=${CLI_CP:?"run it as ./sri-node bench <name>: the launcher builds and sets the tools' class path"}
STACK_DIR="$PWD/target/bench-e2e"
rm -rf "$STACK_DIR"
. deploy/local-stack.sh
trap stack_stop EXIT
stack_start SRI_SERIES_IDLE_TIMEOUT=2s
[ -n "$PACS_HTTP" ] || { echo "bench e2e needs Orthanc: apt-get install orthanc" >&2; exit 2; }
echo "[sri-node] machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" >&2
java ${JAVA_OPTS:-} -cp "$CLI_CP" org.srinode.cli.Main bench-e2e --node "http://localhost:$NODE_HTTP" --dicom-port "$NODE_DICOM" \
  --pacs "$PACS_HTTP" --runs "${1:-5}" --output "$STACK_DIR/series" --node-pid "${STACK_PIDS[-1]}"
