#!/usr/bin/env bash
# The embedded PostGIS: a project-local PostgreSQL cluster in .contamap/ (gitignored),
# run by the system's PostgreSQL binaries as the postgres user, on its own port.
#   scripts/pgcluster.sh start   create the cluster when missing, start it, print nothing
#   scripts/pgcluster.sh url     print the cluster's DATABASE_URL
#   scripts/pgcluster.sh stop    stop the cluster
#   scripts/pgcluster.sh destroy stop the cluster and remove its state folder, wherever it is
#   scripts/pgcluster.sh dir     print the state folder (.contamap/ or /var/lib/contamap/<hash>)
# As root it installs what is missing with apt: the PostgreSQL server, then PostGIS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DB_USER=contamap
DB_NAME=contamap

die() { echo "contamap: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the cluster's owner: postgres when we are root, ourselves otherwise.
as_owner() {
  if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# The state folder: .contamap/ in the project, unless the postgres user cannot reach the
# project (a checkout under /root, say); then a folder of its own named after the project.
state_dir() {
  if [ -n "${CONTAMAP_STATE_DIR:-}" ]; then echo "$CONTAMAP_STATE_DIR"; return; fi
  if ! is_root || ! id postgres >/dev/null 2>&1 || (cd / && runuser -u postgres -- test -x "$ROOT"); then
    echo "$ROOT/.contamap"
  else
    echo "/var/lib/contamap/$(echo -n "$ROOT" | sha256sum | cut -c1-12)"
  fi
}

apt_install() {
  is_root && command -v apt-get >/dev/null || return 1
  echo "contamap: installing $* with apt-get" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

pg_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  return 1
}

# PostgreSQL's buffer cache: a quarter of the memory, between its default 128 MB and 1 GB. At
# 128 MB an import of 100,000 zones wrote back pages it would read again (59 s against 61-65 s).
shared_buffers() {
  local kb
  kb="$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo 2>/dev/null || true)"
  kb=$(( ${kb:-0} / 4 ))
  (( kb > 1048576 )) && kb=1048576
  (( kb < 131072 )) && kb=131072
  echo "$(( kb / 1024 ))MB"
}

ensure_server() {
  pg_bindir >/dev/null && return
  apt_install postgresql || die "the PostgreSQL server is not installed: run 'sudo apt-get install postgresql postgresql-15-postgis-3', or set DATABASE_URL to a PostGIS database."
  pg_bindir >/dev/null || die "the PostgreSQL server binaries were not found after installing postgresql."
}

ensure_postgis() {
  local bindir="$1" version
  version="$(basename "$(dirname "$bindir")")"
  [ -f "/usr/share/postgresql/$version/extension/postgis.control" ] && return
  apt_install "postgresql-$version-postgis-3" || die "PostGIS is not installed: run 'sudo apt-get install postgresql-$version-postgis-3', or set DATABASE_URL to a PostGIS database."
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The first free port from 54329 (or CONTAMAP_PG_PORT); kept in the state folder.
choose_port() {
  local candidate="${CONTAMAP_PG_PORT:-54329}"
  while port_taken "$candidate"; do candidate=$((candidate + 1)); done
  echo "$candidate" > "$STATE/port"
}

running() { as_owner "$1/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

start() {
  ensure_server
  local bindir
  bindir="$(pg_bindir)"
  ensure_postgis "$bindir"
  mkdir -p "$STATE"
  [ -s "$STATE/db-password" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$STATE/db-password")
  if is_root; then
    chown postgres "$STATE" "$STATE/db-password"
    chmod 700 "$STATE"
  fi
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    echo "contamap: creating the embedded PostgreSQL cluster in $PGDATA" >&2
    as_owner "$bindir/initdb" -D "$PGDATA" -U "$DB_USER" --pwfile="$STATE/db-password" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! running "$bindir"; then
    if [ ! -s "$STATE/port" ] || port_taken "$(cat "$STATE/port")"; then choose_port; fi
    # TCP on loopback only, no Unix socket (its path would depend on the project's). 200
    # connections: make bench serves three Contamap processes (35 each at most) and tipg at once.
    as_owner "$bindir/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
      -o "-p $(cat "$STATE/port") -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c synchronous_commit=off -c max_connections=200 -c shared_buffers=$(shared_buffers)" \
      start >/dev/null || { tail -n 20 "$PGDATA/server.log" >&2; die "the embedded PostgreSQL did not start (log above)."; }
  fi
  local psql=(env PGPASSWORD="$(cat "$STATE/db-password")" "$bindir/psql" -h 127.0.0.1 -p "$(cat "$STATE/port")" -U "$DB_USER")
  "${psql[@]}" -d postgres -tAq -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 \
    || "${psql[@]}" -d postgres -q -c "CREATE DATABASE $DB_NAME"
}

url() {
  [ -s "$STATE/db-password" ] && [ -s "$STATE/port" ] || die "the embedded cluster does not exist yet: run 'make db'."
  echo "postgresql+psycopg://$DB_USER:$(cat "$STATE/db-password")@127.0.0.1:$(cat "$STATE/port")/$DB_NAME"
}

stop() {
  [ -f "$PGDATA/PG_VERSION" ] || return 0
  local bindir
  bindir="$(pg_bindir)" || return 0
  as_owner "$bindir/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
}

# Stop the cluster and remove what it keeps (data, port, password), whether in .contamap/ or
# in its folder under /var/lib/contamap; only its own files, whatever CONTAMAP_STATE_DIR says.
destroy() {
  stop
  rm -rf "$PGDATA" "$STATE/port" "$STATE/db-password"
  rmdir "$STATE" 2>/dev/null || true
  local parent
  parent="$(dirname "$STATE")"
  # /var/lib/contamap itself goes too once no other checkout keeps a cluster there.
  if [ "$parent" = /var/lib/contamap ]; then rmdir "$parent" 2>/dev/null || true; fi
}

STATE="$(state_dir)"
PGDATA="$STATE/pgdata"

case "${1:-}" in
  start) start ;;
  url) url ;;
  stop) stop ;;
  destroy) destroy ;;
  dir) echo "$STATE" ;;
  *) die "usage: scripts/pgcluster.sh start|url|stop|destroy|dir" ;;
esac
