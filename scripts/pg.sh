#!/usr/bin/env bash
# A throwaway PostgreSQL cluster of this clone, on 127.0.0.1 and a free port,
# in .local/pg (or, see pg_dir in common.sh, in postgres's home when the clone
# is out of its reach). Never touches a system cluster. As root the server
# runs as the `postgres` system user, since PostgreSQL refuses to run as root.
#   pg.sh start | stop | status | port | dir | remove
source "$(dirname "$0")/common.sh"

PGDATA="$PGDIR/data"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || PGBIN=$(dirname "$(command -v initdb || echo /usr/bin/initdb)")

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        # from /, since the caller's directory may be closed to postgres
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

is_running() {
    [ -f "$PGDATA/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

init_cluster() {
    [ -f "$PGDATA/PG_VERSION" ] && return
    say "Creating a PostgreSQL cluster in $PGDIR"
    mkdir -p "$PGDIR/run"
    # which clone a cluster outside the clone belongs to
    echo "$ROOT" > "$PGDIR/clone"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres: "$PGDIR"
        runuser -u postgres -- test -w "$PGDIR" \
            || die "the postgres user cannot write $PGDIR; make the path to the repository traversable"
    fi
    as_owner "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
}

start() {
    init_cluster
    if is_running; then
        return
    fi
    local port
    port=$(free_port)
    echo "$port" > "$PGDIR/port"
    as_owner "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PGDIR/run -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
        start >/dev/null || { tail -n 20 "$PGDIR/server.log" >&2; die "PostgreSQL did not start"; }
    psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'" | grep -q 1 \
        || psql_admin -qc "CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
}

stop() {
    is_running && as_owner "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    return 0
}

# make clean: the cluster may live outside .local/, so it goes explicitly.
remove() {
    stop
    rm -rf "$PGDIR"
    rmdir "$(dirname "$PGDIR")" 2>/dev/null || true
}

psql_admin() {
    "$PGBIN/psql" -h 127.0.0.1 -p "$(cat "$PGDIR/port")" -U postgres -d postgres "$@"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) is_running && echo "running on 127.0.0.1:$(cat "$PGDIR/port") ($PGDIR)" || { echo "stopped"; exit 3; } ;;
    port) cat "$PGDIR/port" ;;
    dir) echo "$PGDIR" ;;
    remove) remove ;;
    *) die "usage: $0 start|stop|status|port|dir|remove" ;;
esac
