#!/usr/bin/env bash
# The embedded PostGIS: a project-local PostgreSQL cluster in .contamap/ (gitignored),
# run by the system's PostgreSQL binaries as the postgres user, on its own port.
#   scripts/pgcluster.sh start   create the cluster when missing, start it, print nothing
#   scripts/pgcluster.sh url     print the cluster's DATABASE_URL
#   scripts/pgcluster.sh stop    stop the cluster
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${CONTAMAP_STATE_DIR:-$ROOT/.contamap}"
PGDATA="$STATE/pgdata"
PORT_FILE="$STATE/port"
SECRET_FILE="$STATE/db-password"
DB_USER=contamap
DB_NAME=contamap

die() { echo "contamap: $*" >&2; exit 1; }

# The cluster's port: chosen once (the first free one from 54329, or CONTAMAP_PG_PORT), then kept,
# so two checkouts on one machine each get their own.
port() {
  if [ ! -s "$PORT_FILE" ]; then
    local candidate="${CONTAMAP_PG_PORT:-54329}"
    while (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; do candidate=$((candidate + 1)); done
    echo "$candidate" > "$PORT_FILE"
  fi
  cat "$PORT_FILE"
}

pg_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ] && { pg_config --bindir; return; }
  die "no PostgreSQL server binaries found: install them with 'apt-get install postgresql postgresql-15-postgis-3', or set DATABASE_URL to a PostGIS database."
}

ensure_postgis() {
  local bindir="$1" sharedir version
  sharedir="$("$bindir/pg_config" --sharedir 2>/dev/null || echo "/usr/share/postgresql/$(basename "$(dirname "$bindir")")")"
  [ -f "$sharedir/extension/postgis.control" ] && return
  version="$(basename "$(dirname "$bindir")")"
  if [ "$(id -u)" -ne 0 ]; then
    die "PostGIS is not installed: run 'sudo apt-get install postgresql-$version-postgis-3', or set DATABASE_URL to a PostGIS database."
  fi
  echo "contamap: installing PostGIS (postgresql-$version-postgis-3) with apt-get" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$version-postgis-3" >&2
}

# Run a command as the cluster's owner: postgres when we are root, ourselves otherwise.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bindir
  bindir="$(pg_bindir)"
  ensure_postgis "$bindir"
  mkdir -p "$STATE"
  if [ ! -s "$SECRET_FILE" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$SECRET_FILE")
  fi
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "the user 'postgres' is missing: install the PostgreSQL server with 'apt-get install postgresql'."
    chown postgres "$STATE"
    chmod 700 "$STATE"
    chown postgres "$SECRET_FILE"
    as_owner test -x "$STATE" || die "the postgres user cannot reach $STATE: move the project to a folder it can read, or set DATABASE_URL."
  fi
  PORT="$(port)"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    echo "contamap: creating the embedded PostgreSQL cluster in $PGDATA" >&2
    as_owner "$bindir/initdb" -D "$PGDATA" -U "$DB_USER" --pwfile="$SECRET_FILE" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_owner "$bindir/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    as_owner "$bindir/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
      -o "-p $PORT -c listen_addresses=127.0.0.1 -k $PGDATA -c synchronous_commit=off" \
      start >/dev/null || { tail -n 20 "$PGDATA/server.log" >&2; die "the embedded PostgreSQL did not start (log above)."; }
  fi
  PGPASSWORD="$(cat "$SECRET_FILE")" "$bindir/psql" -h 127.0.0.1 -p "$PORT" -U "$DB_USER" -d postgres -tAq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 \
    || PGPASSWORD="$(cat "$SECRET_FILE")" "$bindir/createdb" -h 127.0.0.1 -p "$PORT" -U "$DB_USER" "$DB_NAME"
}

url() {
  [ -s "$SECRET_FILE" ] || die "the embedded cluster does not exist yet: run 'make db'."
  echo "postgresql+psycopg://$DB_USER:$(cat "$SECRET_FILE")@127.0.0.1:$(port)/$DB_NAME"
}

stop() {
  [ -f "$PGDATA/PG_VERSION" ] || return 0
  as_owner "$(pg_bindir)/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  url) url ;;
  stop) stop ;;
  *) die "usage: scripts/pgcluster.sh start|url|stop" ;;
esac
