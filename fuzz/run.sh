#!/usr/bin/env bash
# ./sri-node fuzz [--minutes N] [--max-sequences N] [--seed S]: starts a throw-away node on free loopback
# ports (enhancement and FHIR off, forwarding into its outbox), runs fuzz/dimse_fuzz.py against it,
# stops it and prints the report (JSON, also in fuzz-output/report.json). Exit status 1 when any
# failure column (crashes, hangs, wrong_status, spool_left, acked_missing) is not zero.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${SRI_FUZZ_OUTPUT:-fuzz-output}
rm -rf "$OUT"; mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP=$(free_port); DICOM=$(free_port)
env SRI_DATA_DIR="$OUT/node" QUARKUS_HTTP_PORT=$HTTP QUARKUS_HTTP_HOST=127.0.0.1 SRI_HTTP_INSECURE=true SRI_DICOM_PORT=$DICOM SRI_DICOM_BIND_ADDRESS=127.0.0.1 \
  SRI_ENHANCE_ENABLED=false SRI_FHIR_ENABLED=false SRI_SPOOL_RESERVE_MB=64 SRI_SERIES_IDLE_TIMEOUT=2s \
  java ${SRI_JAVA_OPTS:--Xmx1g -XX:MaxDirectMemorySize=256m} -jar target/quarkus-app/quarkus-run.jar > "$OUT/node.log" 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null || true; wait $NODE 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$HTTP/q/health/ready" >/dev/null 2>&1 && break
  kill -0 $NODE 2>/dev/null || { tail -30 "$OUT/node.log" >&2; exit 1; }
  sleep 0.2
done
echo "[sri-node] fuzzing the node (pid $NODE, DICOM port $DICOM, log $OUT/node.log)" >&2
set +e
/usr/bin/python3 fuzz/dimse_fuzz.py --port "$DICOM" --spool "$OUT/node/spool" --pid "$NODE" --json "$OUT/report.json" "$@"
rc=$?
set -e
exit $rc
