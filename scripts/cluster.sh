#!/usr/bin/env bash
# A production topology on this machine, for load tests and for trying a
# deployment (docs/deploy.md):
#   - a PostgreSQL primary and a streaming replica (pg_basebackup -R), two
#     throwaway clusters in .local/cluster/;
#   - two Odoo servers in prefork mode (HTTP workers and the gevent
#     websocket worker), cron threads off, read-only work on the replica;
#   - one cron-only Odoo server (no HTTP);
#   - nginx in front: pages to both servers, /websocket to their gevent
#     workers (without nginx, the servers' own URLs are printed);
#   - the demo database, created on the primary.
#   scripts/cluster.sh start | stop | status
# Settings (environment): SLA_CLUSTER_DB (default sla_cluster),
# SLA_CLUSTER_WORKERS (HTTP workers per server, default 2),
# SLA_CLUSTER_PORT (nginx, default 8080).
source "$(dirname "$0")/common.sh"

DIR="$LOCAL/cluster"
DB=${SLA_CLUSTER_DB:-sla_cluster}
WORKERS=${SLA_CLUSTER_WORKERS:-2}
FRONT_PORT=${SLA_CLUSTER_PORT:-8080}
SERVERS=(a b)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
mkdir -p "$DIR"

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A port chosen once and kept, so that URLs stay the same between runs.
port_of() {
    local file="$DIR/$1.port"
    [ -f "$file" ] || free_port > "$file"
    cat "$file"
}

# The clusters live where the postgres user can reach them (see pg_dir).
pg_home() {
    local home
    home=$(getent passwd postgres 2>/dev/null | cut -d: -f6)
    if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$DIR" 2>/dev/null; then
        echo "${home:-/var/lib/postgresql}/sla-clusters/$(basename "$ROOT")-$(printf %s "$ROOT" | sha256sum | cut -c1-12)-topology"
    else
        echo "$DIR/pg"
    fi
}
PGHOME=$(pg_home)

pg_running() {
    [ -f "$PGHOME/$1/postmaster.pid" ] \
        && as_postgres "$PGBIN/pg_ctl" -D "$PGHOME/$1" status >/dev/null 2>&1
}

pg_start() {
    local name=$1 port
    port=$(port_of "pg-$name")
    pg_running "$name" && return
    as_postgres "$PGBIN/pg_ctl" -D "$PGHOME/$name" -l "$PGHOME/$name.log" -w -t 120 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PGHOME/run -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_level=replica -c max_wal_senders=10 -c hot_standby=on -c max_connections=300" \
        start >/dev/null || { tail -n 20 "$PGHOME/$name.log" >&2; die "PostgreSQL $name did not start"; }
}

start_databases() {
    mkdir -p "$PGHOME/run"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$PGHOME"
    if [ ! -f "$PGHOME/primary/PG_VERSION" ]; then
        say "Creating the primary PostgreSQL cluster in $PGHOME/primary"
        as_postgres "$PGBIN/initdb" -D "$PGHOME/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    pg_start primary
    local primary
    primary=$(port_of pg-primary)
    "$PGBIN/psql" -h 127.0.0.1 -p "$primary" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'" | grep -q 1 \
        || "$PGBIN/psql" -h 127.0.0.1 -p "$primary" -U postgres -d postgres -qc \
            "CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
    if [ ! -f "$PGHOME/replica/PG_VERSION" ]; then
        say "Creating the streaming replica (pg_basebackup -R)"
        as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres \
            -D "$PGHOME/replica" -R -X stream -c fast
    fi
    pg_start replica
}

odoo_conf() {
    local name=$1 conf="$DIR/odoo-$1.conf"
    local site src
    site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    src=$(cat "$LOCAL/odoo_src")
    cat > "$conf" <<CONF
[options]
db_host = 127.0.0.1
db_port = $(port_of pg-primary)
db_replica_host = 127.0.0.1
db_replica_port = $(port_of pg-replica)
db_user = $PG_ROLE
db_password = $PG_PASSWORD
db_name = $DB
dbfilter = ^$DB\$
list_db = False
admin_passwd = admin
addons_path = $ROOT,$site/odoo/addons,$src/odoo/addons
data_dir = $DIR/filestore
proxy_mode = True
http_interface = 127.0.0.1
logfile = $DIR/odoo-$name.log
pidfile = $DIR/odoo-$name.pid
CONF
    echo "$conf"
}

create_database() {
    local conf
    conf=$(odoo_conf setup)
    if "$PGBIN/psql" -h 127.0.0.1 -p "$(port_of pg-primary)" -U postgres -d "$DB" -tAc \
        "SELECT 1 FROM ir_module_module WHERE name = 'sla_portal' AND state = 'installed'" 2>/dev/null | grep -q 1; then
        say "Updating the addons in $DB"
        "$VENV/bin/odoo" -c "$conf" -u "$ADDONS" --stop-after-init --log-level=warn >/dev/null
    else
        say "Creating database $DB with the four addons and demo data"
        "$VENV/bin/odoo" -c "$conf" -i "$ADDONS" --stop-after-init --log-level=warn >/dev/null
    fi
}

odoo_running() {
    local pid="$DIR/odoo-$1.pid"
    [ -f "$pid" ] && kill -0 "$(cat "$pid")" 2>/dev/null
}

start_odoo() {
    local name=$1 conf
    odoo_running "$name" && return
    conf=$(odoo_conf "$name")
    if [ "$name" = cron ]; then
        setsid "$VENV/bin/odoo" -c "$conf" --no-http --workers 0 --max-cron-threads 2 \
            </dev/null >/dev/null 2>&1 &
    else
        setsid "$VENV/bin/odoo" -c "$conf" --workers "$WORKERS" --max-cron-threads 0 \
            --http-port "$(port_of "http-$name")" --gevent-port "$(port_of "ws-$name")" \
            </dev/null >/dev/null 2>&1 &
    fi
    for _ in $(seq 60); do
        odoo_running "$name" && return
        sleep 1
    done
    die "Odoo server $name did not start (see $DIR/odoo-$name.log)"
}

start_front() {
    command -v nginx >/dev/null || { say "nginx not installed: no front; use a server's URL"; return; }
    local conf="$DIR/nginx.conf"
    cat > "$conf" <<NGINX
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $DIR/nginx-body;
    proxy_temp_path $DIR/nginx-proxy;
    upstream odoo { $(for s in "${SERVERS[@]}"; do printf 'server 127.0.0.1:%s; ' "$(port_of "http-$s")"; done) }
    upstream odoo_ws { $(for s in "${SERVERS[@]}"; do printf 'server 127.0.0.1:%s; ' "$(port_of "ws-$s")"; done) }
    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
    server {
        listen 127.0.0.1:$FRONT_PORT;
        client_max_body_size 64m;
        proxy_read_timeout 720s;
        proxy_set_header Host \$http_host;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_set_header X-Forwarded-Host \$http_host;
        location /websocket {
            proxy_pass http://odoo_ws;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
        }
        location / { proxy_pass http://odoo; }
    }
}
NGINX
    if [ -f "$DIR/nginx.pid" ] && kill -0 "$(cat "$DIR/nginx.pid")" 2>/dev/null; then
        nginx -c "$conf" -s reload
    else
        nginx -c "$conf"
    fi
}

start() {
    "$ROOT/scripts/bootstrap.sh"
    start_databases
    create_database
    for name in "${SERVERS[@]}" cron; do
        start_odoo "$name"
    done
    start_front
    status
}

stop() {
    [ -f "$DIR/nginx.pid" ] && kill "$(cat "$DIR/nginx.pid")" 2>/dev/null || true
    for name in "${SERVERS[@]}" cron; do
        if odoo_running "$name"; then
            kill "$(cat "$DIR/odoo-$name.pid")" 2>/dev/null || true
        fi
    done
    sleep 2
    for name in replica primary; do
        pg_running "$name" && as_postgres "$PGBIN/pg_ctl" -D "$PGHOME/$name" -m fast -w stop >/dev/null
    done
    return 0
}

status() {
    local name
    for name in primary replica; do
        if pg_running "$name"; then
            echo "PostgreSQL $name: 127.0.0.1:$(port_of "pg-$name")"
        else
            echo "PostgreSQL $name: stopped"
        fi
    done
    for name in "${SERVERS[@]}"; do
        if odoo_running "$name"; then
            echo "Odoo $name ($WORKERS workers): http://127.0.0.1:$(port_of "http-$name")  websocket :$(port_of "ws-$name")"
        else
            echo "Odoo $name: stopped"
        fi
    done
    odoo_running cron && echo "Odoo cron-only server: running" || echo "Odoo cron-only server: stopped"
    if [ -f "$DIR/nginx.pid" ] && kill -0 "$(cat "$DIR/nginx.pid")" 2>/dev/null; then
        echo "Front (nginx): http://127.0.0.1:$FRONT_PORT  database $DB, admin / admin"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) die "usage: $0 start|stop|status" ;;
esac
