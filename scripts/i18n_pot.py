"""Translation templates (.pot) of the addons, exported as Odoo exports them.

One definition of "the template an addon should have", shared by
``scripts/i18n.sh`` (which writes the files) and ``tests/test_i18n.py``
(which fails when a committed template differs from a fresh export).

The export reads a database where the addons are installed with demo data:
the terms of views, reports, mail templates and data records come from the
database (``ir.ui.view.arch_db``...), those of Python and JavaScript from the
source files. A database older than the XML files gives a stale export: update
it (``-u``) first.

    python scripts/i18n_pot.py -c ODOO_CONF -d DB [--check] [ADDON...]
"""

import argparse
import difflib
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADDONS = ("sla_contract", "sla_escalation", "sla_credits", "sla_portal")
# Header lines that change at every export, or with the Odoo build that
# exports: never a reason for a template to count as stale.
VOLATILE = re.compile(
    r'^"(POT-Creation-Date|PO-Revision-Date|Project-Id-Version): .*\\n"\n',
    re.MULTILINE,
)
DATES = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"\n', re.MULTILINE)


def pot_path(addon):
    return ROOT / addon / "i18n" / f"{addon}.pot"


def export_pot(cr, addon):
    """The template of ``addon`` as text, without its dates."""
    from odoo.tools.translate import trans_export

    buffer = io.BytesIO()
    trans_export(None, [addon], buffer, "po", cr)
    return DATES.sub("", buffer.getvalue().decode())


def comparable(text):
    return VOLATILE.sub("", text)


def stale_diff(addon, fresh):
    """A unified diff when the committed template differs from ``fresh``,
    else an empty string."""
    path = pot_path(addon)
    committed = path.read_text() if path.exists() else ""
    if comparable(committed) == comparable(fresh):
        return ""
    return "".join(
        difflib.unified_diff(
            comparable(committed).splitlines(keepends=True),
            comparable(fresh).splitlines(keepends=True),
            f"{addon}/i18n/{addon}.pot (committed)",
            f"{addon}/i18n/{addon}.pot (fresh export)",
        )
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when a committed template is stale",
    )
    parser.add_argument("addons", nargs="*", default=list(ADDONS))
    args = parser.parse_args(argv)

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    stale = []
    with Registry(args.database).cursor() as cr:
        for addon in args.addons:
            fresh = export_pot(cr, addon)
            if args.check:
                if stale_diff(addon, fresh):
                    stale.append(addon)
                continue
            path = pot_path(addon)
            current = path.read_text() if path.exists() else ""
            # a new Odoo build alone does not rewrite the templates
            if comparable(fresh) != comparable(current) or DATES.search(current):
                path.parent.mkdir(exist_ok=True)
                path.write_text(fresh)
                print(f"{addon}/i18n/{addon}.pot updated")
            else:
                print(f"{addon}/i18n/{addon}.pot unchanged")
    if stale:
        print(
            "Stale translation templates: "
            + ", ".join(f"{a}/i18n/{a}.pot" for a in stale)
            + ". Run `make i18n`, then translate the new terms.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
