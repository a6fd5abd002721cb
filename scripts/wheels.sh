#!/usr/bin/env bash
# The addons as integrators install them: one wheel per addon, built by whool
# from its pyproject.toml (version and Odoo dependencies read from the
# manifest), installed with pip into a virtualenv that holds Odoo and nothing
# of this repository.
#   scripts/wheels.sh build     wheels into .local/wheels (or $SLA_WHEEL_DIR)
#   scripts/wheels.sh install   build, then install them into .local/wheel-venv
#                               with their OCA dependencies from PyPI; prints
#                               that virtualenv's path on the last line
# The virtualenv's Odoo and its requirements are kept between runs (rebuilt
# when they change); every odoo-addon-* distribution is removed before each
# install, so the wheels' own dependencies bring in the OCA addons each time.
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/bootstrap.sh"
ODOO_SRC=$(cat "$LOCAL/odoo_src")
WHEEL_DIR=${SLA_WHEEL_DIR:-$LOCAL/wheels}
WHEEL_VENV="$LOCAL/wheel-venv"
log="$LOCAL/wheels.log"
: > "$log"

pip_in() {
    local python=$1; shift
    "$python" -m pip --disable-pip-version-check "$@" >>"$log" 2>&1 \
        || { grep -v "is ignored: it is neither" "$log" | tail -n 40 >&2; die "pip failed (full log: $log)"; }
}

build() {
    rm -rf "$WHEEL_DIR" && mkdir -p "$WHEEL_DIR"
    say "Building the addons' wheels into $WHEEL_DIR"
    local addon dirs=()
    for addon in ${ADDONS//,/ }; do
        dirs+=("$ROOT/$addon")
    done
    pip_in "$VENV/bin/python" wheel --no-deps --wheel-dir "$WHEEL_DIR" \
        --build-constraint "$ROOT/scripts/wheel-build-constraints.txt" "${dirs[@]}"
    ls "$WHEEL_DIR" >&2
}

fresh_venv() {
    local bc=(--build-constraint "$ROOT/scripts/build-constraints.txt")
    local want
    want=$(cat "$ODOO_SRC/requirements.txt" "$ODOO_SRC/odoo/release.py" \
        "$ROOT/scripts/build-constraints.txt" | sha256sum | cut -d' ' -f1)
    want="$want $ODOO_SRC"
    if [ "$(cat "$WHEEL_VENV/.sla-stamp" 2>/dev/null)" != "$want" ]; then
        say "Creating $WHEEL_VENV: Odoo from $ODOO_SRC and its requirements, none of our addons"
        rm -rf "$WHEEL_VENV"
        "$(command -v python3.11 || command -v python3)" -m venv "$WHEEL_VENV"
        pip_in "$WHEEL_VENV/bin/python" install -q "pip>=26"
        pip_in "$WHEEL_VENV/bin/python" install -q "${bc[@]}" -r "$ODOO_SRC/requirements.txt"
        # compat: the addon wheels create site-packages/odoo/addons (see bootstrap.sh)
        pip_in "$WHEEL_VENV/bin/python" install -q "${bc[@]}" --no-deps \
            --config-settings editable_mode=compat -e "$ODOO_SRC"
        echo "$want" > "$WHEEL_VENV/.sla-stamp"
    fi
    local installed
    installed=$("$WHEEL_VENV/bin/python" -m pip --disable-pip-version-check list \
        --format=freeze 2>/dev/null | grep -i '^odoo[-_]addon' | cut -d= -f1 || true)
    if [ -n "$installed" ]; then
        # shellcheck disable=SC2086
        pip_in "$WHEEL_VENV/bin/python" uninstall -q -y $installed
    fi
}

install() {
    build
    fresh_venv
    say "Installing the wheels into $WHEEL_VENV; their OCA dependencies come from PyPI"
    # requirements.txt pins the OCA addons' versions; the wheels say which.
    pip_in "$WHEEL_VENV/bin/python" install -q -c "$ROOT/requirements.txt" "$WHEEL_DIR"/*.whl
    "$WHEEL_VENV/bin/python" -m pip --disable-pip-version-check list 2>/dev/null \
        | grep -i '^odoo[-_]addon' >&2
    echo "$WHEEL_VENV"
}

case "${1:-}" in
    build) build ;;
    install) install ;;
    *) die "usage: $0 build|install" ;;
esac
