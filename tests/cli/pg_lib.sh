# Throwaway PostgreSQL 15 cluster for the catalogue's tests and benchmark
# (sourced): initdb as an unprivileged user in a temp dir, a Unix socket in
# that dir, no TCP. pg_start sets PGT (the dir), PG_SOCK and PG_URL_BASE
# ("postgresql:///DB?host=...&user=artadmin" without the database: use
# pg_url DB), or returns 1 with PG_WHY set. pg_stop stops it and removes PGT.
# SPDX-License-Identifier: Apache-2.0
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PGT=
pg_as() { # run as the cluster's owner
  if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; else "$@"; fi
}
pg_start() {
  PG_WHY=
  [ -x "$PG_BIN/initdb" ] || { PG_WHY="$PG_BIN/initdb not found (postgresql-15)"; return 1; }
  PGT=$(mktemp -d /tmp/art-pg-XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then
    id nobody >/dev/null 2>&1 || { PG_WHY="no unprivileged user 'nobody' to run the server"; return 1; }
    chown nobody:nogroup "$PGT"
  fi
  chmod 700 "$PGT"
  if ! pg_as "$PG_BIN/initdb" -D "$PGT/data" -U artadmin -A trust -E UTF8 \
        --locale=C.UTF-8 >"$PGT/initdb.log" 2>&1; then
    PG_WHY="initdb failed: $(tail -n 3 "$PGT/initdb.log" | tr '\n' ' ')"; return 1
  fi
  if ! pg_as "$PG_BIN/pg_ctl" -D "$PGT/data" -l "$PGT/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$PGT' -c max_connections=40 -c fsync=${PG_FSYNC:-on}" \
        start >/dev/null 2>&1; then
    PG_WHY="the server did not start: $(tail -n 3 "$PGT/server.log" 2>/dev/null | tr '\n' ' ')"; return 1
  fi
  PG_SOCK=$PGT
  return 0
}
pg_url() { echo "postgresql:///$1?host=$PG_SOCK&user=${2:-artadmin}"; }
pg_psql() { # pg_psql DB [USER] -- psql args...
  local db=$1 user=${2:-artadmin}; shift 2
  psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -U "$user" -d "$db" "$@"
}
pg_stop() {
  [ -n "$PGT" ] || return 0
  if [ -f "$PGT/data/postmaster.pid" ]; then
    pg_as "$PG_BIN/pg_ctl" -D "$PGT/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PGT"
  PGT=
}
