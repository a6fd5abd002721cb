#!/usr/bin/env bash
# Prepares everything both README commands need: system packages, the Odoo
# source tree, the virtualenv and its pinned packages. Safe to re-run: each
# step checks whether it is already done.
source "$(dirname "$0")/common.sh"

APT_PACKAGES=(postgresql libpq-dev libldap2-dev libsasl2-dev chromium wkhtmltopdf poppler-utils nginx)

ensure_system_packages() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        say "Installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        die "missing system packages: ${missing[*]}
Install them, for example: sudo apt-get install ${missing[*]}"
    fi
}

ensure_odoo_source() {
    if [ -f "$ODOO_SRC/odoo/release.py" ]; then
        return
    fi
    local cache="$LOCAL/odoo-18.0"
    if [ ! -f "$cache/odoo/release.py" ]; then
        say "No Odoo source at $ODOO_SRC; downloading the official 18.0 nightly"
        local tarball="$LOCAL/odoo-18.0.tar.gz"
        curl -fL --retry 3 -o "$tarball" "$ODOO_NIGHTLY_URL" \
            || die "could not download Odoo 18.0. Set ODOO_SRC to an unpacked Odoo 18.0 source tree (see README)."
        rm -rf "$cache.tmp" && mkdir -p "$cache.tmp"
        tar -xzf "$tarball" -C "$cache.tmp" --strip-components=1
        mv "$cache.tmp" "$cache" && rm -f "$tarball"
    fi
    ODOO_SRC="$cache"
}

# pip's own chatter goes to a log; shown only when a step fails.
pip_logged() {
    local log=$1; shift
    "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@" >>"$log" 2>&1 \
        || { grep -v "is ignored: it is neither" "$log" | tail -n 40 >&2; die "pip failed (full log: $log)"; }
}

ensure_venv() {
    local stamp="$VENV/.sla-stamp" want
    want=$(cat "$ROOT/requirements.txt" "$ROOT/requirements-dev.txt" \
        "$ROOT/scripts/build-constraints.txt" "$ODOO_SRC/requirements.txt" \
        "$ODOO_SRC/odoo/release.py" "$ROOT/scripts/bootstrap.sh" | sha256sum | cut -d' ' -f1)
    want="$want $ODOO_SRC"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "Creating the virtualenv in .venv"
        local py
        py=$(command -v python3.11 || command -v python3)
        "$py" -m venv "$VENV"
    fi
    local log="$LOCAL/pip.log"
    local pip=(pip_logged "$log")
    : > "$log"
    say "Installing Python packages (Odoo from $ODOO_SRC, OCA addons, test tools)"
    "${pip[@]}" install "pip>=26"
    # pip 26 no longer applies PIP_CONSTRAINT to build environments.
    local bc=(--build-constraint "$ROOT/scripts/build-constraints.txt")
    "${pip[@]}" install "${bc[@]}" -r "$ODOO_SRC/requirements.txt"
    # compat mode: the OCA wheels create site-packages/odoo/addons, and a
    # strict editable install would then resolve `odoo` to that empty namespace.
    "${pip[@]}" install "${bc[@]}" --no-deps --config-settings editable_mode=compat -e "$ODOO_SRC"
    "${pip[@]}" install "${bc[@]}" -r "$ROOT/requirements.txt" -r "$ROOT/requirements-dev.txt"
    # The websocket worker (`odoo gevent`, started by prefork servers) loads
    # gevent's plugins through pkg_resources; the venv's own setuptools is too
    # old to find zope.interface under its normalized dist-info name, and the
    # worker dies at start, over and over.
    "${pip[@]}" install "setuptools>=70,<81"
    "$VENV/bin/python" -c "import odoo.cli, odoo.release; assert odoo.release.version_info[0] == 18" \
        || die "the virtualenv does not import Odoo 18 correctly"
    echo "$want" > "$stamp"
}

ensure_system_packages
ensure_odoo_source
ensure_venv
echo "$ODOO_SRC" > "$LOCAL/odoo_src"
