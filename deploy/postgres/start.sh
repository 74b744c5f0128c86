#!/bin/sh
# First start: a cluster in $PGDATA with the role and database "sri" (password from POSTGRES_PASSWORD); then the server.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || { echo "sri-postgres: set POSTGRES_PASSWORD" >&2; exit 2; }
  initdb -D "$PGDATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 >/dev/null
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  # the password from the environment (psql's \getenv), not on a command line that ps would show
  psql -q -v ON_ERROR_STOP=1 -U postgres -d postgres <<'SQL'
\getenv pw POSTGRES_PASSWORD
CREATE ROLE sri LOGIN PASSWORD :'pw';
CREATE DATABASE sri OWNER sri;
SQL
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  echo "sri-postgres: database sri made" >&2
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
