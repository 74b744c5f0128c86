# Sourced by ./sri-node demo and bench/e2e.sh: a throw-away Orthanc and node on local ports.
# Needs: STACK_DIR (absolute); sets NODE_HTTP, NODE_DICOM, PACS_HTTP (empty without Orthanc).

NODE_HTTP=${SRI_DEMO_HTTP_PORT:-8090}
NODE_DICOM=${SRI_DEMO_DICOM_PORT:-11190}
ORTHANC_HTTP=${SRI_DEMO_ORTHANC_HTTP_PORT:-8052}
ORTHANC_DICOM=${SRI_DEMO_ORTHANC_DICOM_PORT:-4252}
PACS_HTTP=""
STACK_PIDS=()

stack_stop() {
  for p in "${STACK_PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
  done
  STACK_PIDS=()
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_http() {   # url seconds what
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.2
  done
  echo "[sri-node] $3 did not come up at $1 within $2 s" >&2
  return 1
}

stack_start() {   # extra node environment as NAME=value arguments
  mkdir -p "$STACK_DIR"
  for p in $NODE_HTTP $NODE_DICOM; do
    port_free "$p" || { echo "[sri-node] port $p is taken: set SRI_DEMO_HTTP_PORT / SRI_DEMO_DICOM_PORT" >&2; return 1; }
  done
  local forward="bean:folderDestination?method=store"
  if command -v Orthanc >/dev/null && port_free "$ORTHANC_HTTP" && port_free "$ORTHANC_DICOM"; then
    mkdir -p "$STACK_DIR/orthanc/db"
    cat > "$STACK_DIR/orthanc/orthanc.json" <<JSON
{"Name": "sri-demo-pacs", "StorageDirectory": "$STACK_DIR/orthanc/db", "IndexDirectory": "$STACK_DIR/orthanc/db",
 "DicomAet": "ORTHANC", "DicomPort": $ORTHANC_DICOM, "HttpPort": $ORTHANC_HTTP, "RemoteAccessAllowed": false,
 "AuthenticationEnabled": false, "Plugins": [], "OverwriteInstances": true, "DicomCheckCalledAet": false, "StableAge": 1}
JSON
    Orthanc "$STACK_DIR/orthanc/orthanc.json" > "$STACK_DIR/orthanc/orthanc.log" 2>&1 &
    STACK_PIDS+=($!)
    wait_http "http://127.0.0.1:$ORTHANC_HTTP/system" 30 Orthanc || return 1
    PACS_HTTP="http://localhost:$ORTHANC_HTTP"
    forward="dimse:scu?host=127.0.0.1&port=$ORTHANC_DICOM&calledAeTitle=ORTHANC&aeTitle=SRI_NODE"
    echo "[sri-node] PACS: Orthanc at $PACS_HTTP (DICOM port $ORTHANC_DICOM)" >&2
  else
    echo "[sri-node] PACS: no Orthanc here, the node stores into its outbox folder $STACK_DIR/node/outbox" >&2
  fi
  # a login for this throw-away node: admin with a fresh random password, used by the demo/bench tools
  # (SRI_API_*) and by the node itself to publish into its FHIR sandbox (SRI_FHIR_*); written for the user
  SRI_API_USER=admin
  SRI_API_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
  export SRI_API_USER SRI_API_PASSWORD
  (umask 077; echo "$SRI_API_PASSWORD" > "$STACK_DIR/admin-password")
  # the passwords go through the environment, not a command line (ps would show them)
  ( export SRI_ADMIN_PASSWORD="$SRI_API_PASSWORD" SRI_FHIR_PASSWORD="$SRI_API_PASSWORD"
    exec env SRI_DATA_DIR="$STACK_DIR/node" QUARKUS_HTTP_PORT=$NODE_HTTP QUARKUS_HTTP_HOST=127.0.0.1 SRI_HTTP_INSECURE=true SRI_DICOM_PORT=$NODE_DICOM SRI_DICOM_BIND_ADDRESS=127.0.0.1 \
      SRI_FHIR_SANDBOX=true SRI_FHIR_USERNAME=admin \
      SRI_FORWARD_URI="$forward" "$@" java ${NODE_JAVA_OPTS:-} ${JAVA_OPTS:-} -jar target/quarkus-app/quarkus-run.jar ) > "$STACK_DIR/node.log" 2>&1 &
  STACK_PIDS+=($!)
  wait_http "http://127.0.0.1:$NODE_HTTP/q/health/ready" 120 "the node (model loading)" || { tail -20 "$STACK_DIR/node.log" >&2; return 1; }
  echo "[sri-node] node: AE SRI_NODE on port $NODE_DICOM, web page http://localhost:$NODE_HTTP/ (user admin, password in $STACK_DIR/admin-password; log $STACK_DIR/node.log)" >&2
}
