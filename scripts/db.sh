# Database helpers; sourced after common.sh once the cluster is up.
PSQL=(psql -h 127.0.0.1 -p "$(cat "$PGDIR/port")" -U "$PG_ROLE" -d postgres -v ON_ERROR_STOP=1 -qtA)
export PGPASSWORD=$PG_PASSWORD

db_exists() {
    [ "$("${PSQL[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]
}

db_has_modules() {
    local db=$1 mods=$2 n
    n=$(psql -h 127.0.0.1 -p "$(cat "$PGDIR/port")" -U "$PG_ROLE" -d "$db" -qtA -c \
        "SELECT count(*) FROM ir_module_module WHERE state = 'installed' AND name = ANY(string_to_array('$mods', ','))" 2>/dev/null || echo 0)
    [ "$n" = "$(echo "$mods" | tr ',' '\n' | wc -l)" ]
}

db_drop() {
    "${PSQL[@]}" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"
    rm -rf "$LOCAL/filestore/filestore/$1"
}
