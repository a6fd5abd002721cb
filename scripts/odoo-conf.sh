#!/usr/bin/env bash
# Writes an Odoo config for database $1 to .local/odoo-$1.conf and prints its path.
source "$(dirname "$0")/common.sh"
db=$1
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
src=$(cat "$LOCAL/odoo_src")
conf="$LOCAL/odoo-$db.conf"
mkdir -p "$LOCAL/filestore"
cat > "$conf" <<CONF
[options]
db_host = 127.0.0.1
db_port = $(cat "$PGDIR/port")
db_user = $PG_ROLE
db_password = $PG_PASSWORD
db_name = $db
dbfilter = ^$db\$
list_db = False
admin_passwd = admin
addons_path = $ROOT,$site/odoo/addons,$src/odoo/addons
data_dir = $LOCAL/filestore
http_port = $HTTP_PORT
http_interface = 127.0.0.1
max_cron_threads = 1
CONF
echo "$conf"
