#!/usr/bin/env bash
# README "i18n": regenerate each addon's translation template
# (<addon>/i18n/<addon>.pot) from the test database, then merge every
# translation (<addon>/i18n/<lang>.po) with it: new terms appear untranslated
# (or "fuzzy", with a guess to review), removed terms become obsolete.
#   scripts/i18n.sh           updates the test database (-u) first
#   SLA_REUSE_DB=1 scripts/i18n.sh   exports from the test database as it is
# The test database is the one `make test` builds (four addons + demo data);
# it is created here when missing.
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/bootstrap.sh"
command -v msgmerge >/dev/null || die "msgmerge is missing: install gettext"
"$ROOT/scripts/pg.sh" status >/dev/null && pg_was_up=1 || pg_was_up=
"$ROOT/scripts/pg.sh" start
[ -n "$pg_was_up" ] || trap '"$ROOT/scripts/pg.sh" stop' EXIT
source "$ROOT/scripts/db.sh"
conf=$("$ROOT/scripts/odoo-conf.sh" "$TEST_DB")

if ! db_has_modules "$TEST_DB" "$ADDONS"; then
    say "Creating the test database $TEST_DB with the four addons and demo data"
    db_drop "$TEST_DB"
    "$VENV/bin/odoo" -c "$conf" -d "$TEST_DB" -i "$ADDONS" --stop-after-init --log-level=warn
elif [ -z "${SLA_REUSE_DB:-}" ]; then
    # the templates read views and data from the database: it must hold
    # the XML files as they are now
    say "Updating the addons in $TEST_DB"
    "$VENV/bin/odoo" -c "$conf" -d "$TEST_DB" -u "$ADDONS" --stop-after-init --log-level=warn
fi

say "Exporting the translation templates"
"$VENV/bin/python" "$ROOT/scripts/i18n_pot.py" -c "$conf" -d "$TEST_DB" ${ADDONS//,/ }

say "Merging the translations"
for addon in ${ADDONS//,/ }; do
    for po in "$ROOT/$addon"/i18n/*.po; do
        [ -e "$po" ] || continue
        msgmerge --quiet --update --backup=none --no-wrap "$po" "$ROOT/$addon/i18n/$addon.pot"
        # a term gone from the template leaves nothing behind
        msgattrib --no-obsolete --no-wrap -o "$po" "$po"
        msgfmt --check -o /dev/null "$po"
        stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$po" 2>&1)
        echo "  ${po#"$ROOT"/}: $stats"
    done
done
