#!/usr/bin/env bash
# bench scale (issue 14): enhancement throughput with 1 and 2 enhance-only workers, each pinned to one core, on one
# queue in a throw-away PostgreSQL 15 (Debian postgresql). Prints series per minute, their ratio and the queue waits.
#   ./sri-node bench scale [series]      (default 6 series of 256x256x24 at x2)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
CLI_CP=${CLI_CP:?"run it as ./sri-node bench <name>: the launcher builds and sets the tools' class path"}
PG_BIN=/usr/lib/postgresql/15/bin
[ -x "$PG_BIN/initdb" ] || { echo "bench scale needs PostgreSQL 15: apt-get install postgresql" >&2; exit 2; }
command -v taskset >/dev/null || { echo "bench scale needs taskset (util-linux)" >&2; exit 2; }
PG_DIR=$(mktemp -d /tmp/sri-bench-pg.XXXXXX)
chmod 755 "$PG_DIR"
PG_PORT=${SRI_BENCH_PG_PORT:-55432}
while (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; do PG_PORT=$((PG_PORT + 1)); done   # the first free port from there
as_pg() { if [ "$(id -u)" = 0 ]; then chown -R postgres "$PG_DIR"; runuser -u postgres -- "$@"; else "$@"; fi; }
pg_stop() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/db" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; }
trap pg_stop EXIT
as_pg "$PG_BIN/initdb" -D "$PG_DIR/db" -U postgres --auth=trust >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/db" -w -l "$PG_DIR/log" -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null
psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE sri"
echo "[sri-node] machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" >&2
java ${JAVA_OPTS:-} -cp "$CLI_CP" org.srinode.cli.Main bench-scale --db-url "jdbc:postgresql://127.0.0.1:$PG_PORT/sri" --db-user postgres \
  --series "${1:-6}" --output "$PWD/target/bench-scale"
