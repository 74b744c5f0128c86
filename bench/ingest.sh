#!/usr/bin/env bash
# C-STORE ingest benchmark: the same storescu client sends the same series, with 1 and with N concurrent
# senders, into sri-node, dcmtk storescp and Orthanc, one after the other, on this machine.
# Usage: ./sri-node bench ingest [series-folder] [senders]   (default: the 170-file Philips T1 series, 4)
set -euo pipefail
cd "$(dirname "$0")/.."
SERIES=${1:-../shared/data/dicom/github-neurolabusc-dcm_qa_philips_enh/cl_1301}
SENDERS=${2:-4}
[ -d "$SERIES" ] || { echo "series folder not found: $SERIES (give one as the first argument)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/sri-bench-ingest.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
N=$(find "$SERIES" -maxdepth 1 -type f | wc -l)
BYTES=$(find "$SERIES" -maxdepth 1 -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 300); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "not up: $1" >&2; exit 1; }
wait_dicom() { for _ in $(seq 1 300); do echoscu -aec "$2" 127.0.0.1 "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "not up: $2" >&2; exit 1; }

send() {  # port aet senders -> seconds
  local port=$1 aet=$2 k=$3 t0 t1
  t0=$(date +%s.%N)
  for i in $(seq 1 "$k"); do storescu -aet "BENCH$i" -aec "$aet" +sd 127.0.0.1 "$port" "$SERIES" >"$WORK/send-$i.log" 2>&1 & done
  wait $(jobs -p | tail -n "$k")
  t1=$(date +%s.%N)
  if grep -l "E: " "$WORK"/send-*.log >/dev/null 2>&1; then echo "a sender reported errors: $(grep -h 'E: ' "$WORK"/send-*.log | head -3)" >&2; exit 1; fi
  echo "$t0 $t1" | awk '{printf "%.2f", $2-$1}'
}

declare -A RESULT
run_target() {  # name port aet
  local name=$1 port=$2 aet=$3
  send "$port" "$aet" 1 >/dev/null   # warm-up round, not timed (JIT, caches)
  for k in 1 "$SENDERS"; do
    local s; s=$(send "$port" "$aet" "$k")
    RESULT["$name,$k"]=$s
    printf '%-10s senders=%d  %6.2f s  %7.1f instances/s  %6.1f MB/s\n' "$name" "$k" "$s" \
      "$(echo "$N $k $s" | awk '{print $1*$2/$3}')" "$(echo "$BYTES $k $s" | awk '{print $1*$2/$3/1e6}')"
  done
}

echo "series: $SERIES ($N files, $((BYTES / 1000000)) MB); machine: $(nproc) cores; $(date -u +%FT%TZ)"

# sri-node (folder destination; series complete long after the benchmark so only ingest is timed)
P=$(free_port); H=$(free_port)
SRI_DATA_DIR="$WORK/node" SRI_DICOM_PORT=$P QUARKUS_HTTP_PORT=$H QUARKUS_HTTP_HOST=127.0.0.1 SRI_HTTP_INSECURE=true SRI_SERIES_IDLE_TIMEOUT=10m SRI_SPOOL_RESERVE_MB=64 \
  java ${NODE_JAVA_OPTS:-} -jar target/quarkus-app/quarkus-run.jar >"$WORK/node.log" 2>&1 &
NODE=$!
wait_http "http://127.0.0.1:$H/q/health/ready"
run_target sri-node "$P" SRI_NODE
# the node's memory while it received (the launcher's heap and direct-memory limits: NODE_JAVA_OPTS)
NODE_RSS="sri-node peak RSS (VmHWM) while receiving: $(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$NODE/status) MB (${NODE_JAVA_OPTS:-JVM defaults})"
kill $NODE; wait $NODE 2>/dev/null || true

# dcmtk storescp (serves one association at a time)
P=$(free_port); mkdir -p "$WORK/storescp"
storescp -aet STORESCP -od "$WORK/storescp" "$P" >"$WORK/storescp.log" 2>&1 &
SCP=$!
wait_dicom "$P" STORESCP
run_target storescp "$P" STORESCP
kill $SCP; wait $SCP 2>/dev/null || true

# Orthanc (Debian package, default storage settings)
P=$(free_port); H=$(free_port); mkdir -p "$WORK/orthanc"
cat >"$WORK/orthanc.json" <<JSON
{"Name":"bench","StorageDirectory":"$WORK/orthanc","IndexDirectory":"$WORK/orthanc","DicomAet":"ORTHANC",
 "DicomPort":$P,"HttpPort":$H,"RemoteAccessAllowed":false,"AuthenticationEnabled":false,"Plugins":[]}
JSON
Orthanc "$WORK/orthanc.json" >"$WORK/orthanc.log" 2>&1 &
ORT=$!
wait_http "http://127.0.0.1:$H/system"
run_target orthanc "$P" ORTHANC
kill $ORT; wait $ORT 2>/dev/null || true

echo
for k in 1 "$SENDERS"; do
  printf 'senders=%d: sri-node / storescp time ratio %.2f, sri-node / Orthanc time ratio %.2f (below 1: sri-node faster)\n' "$k" \
    "$(echo "${RESULT[sri-node,$k]} ${RESULT[storescp,$k]}" | awk '{print $1/$2}')" \
    "$(echo "${RESULT[sri-node,$k]} ${RESULT[orthanc,$k]}" | awk '{print $1/$2}')"
done
echo "$NODE_RSS"
