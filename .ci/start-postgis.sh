#!/usr/bin/env bash
# Start a throw-away PostgreSQL 15 + PostGIS cluster for the tests and print its URL.
#
#   url="$(bash .ci/start-postgis.sh [PORT])"      # default port 55432
#
# The cluster lives in a fresh temp folder, listens on 127.0.0.1 only, trusts local
# connections (a test server, never a deployment), and has one database "renewal_test"
# with the postgis extension. As root it runs as the "postgres" user. Stop it with
#   pg_ctl -D "$PGDATA" stop    (the folder is printed on stderr)
set -euo pipefail

port="${1:-55432}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "start-postgis: no PostgreSQL server binaries under /usr/lib/postgresql" >&2
    exit 1
fi

as_db_user() {
    if [ "$(id -u)" -eq 0 ]; then
        su postgres -s /bin/bash -c "$*"
    else
        bash -c "$*"
    fi
}

# already running on this port (a previous run, or a developer's own cluster): reuse it
if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" 2>/dev/null; then
    echo "start-postgis: a server already listens on port $port; reusing it" >&2
else
    dir="$(mktemp -d /tmp/renewal-pg.XXXXXX)"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
    as_db_user "'$bin/initdb' -D '$dir/data' -U postgres -A trust -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1"
    as_db_user "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
        -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=off -c max_connections=60\" start >/dev/null"
    echo "start-postgis: cluster in $dir/data on 127.0.0.1:$port (log $dir/server.log)" >&2
fi

psql=("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -q)
if ! "${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='renewal_test'" | grep -q 1; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE renewal_test"
fi
"${psql[@]}" -d renewal_test -c "CREATE EXTENSION IF NOT EXISTS postgis"
echo "postgresql://postgres@127.0.0.1:$port/renewal_test"
