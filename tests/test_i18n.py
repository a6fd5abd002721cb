"""The committed translation templates are what Odoo exports today.

A view, report, mail template or ``_()`` string changed without ``make
i18n`` leaves its new wording out of every translation: customers would read
it in English. The export reads the test database ``make test`` has just
built (``SLA_REUSE_DB=update`` when reusing one after XML changes).
"""

import importlib.util
from pathlib import Path

import pytest

from odoo.modules.registry import Registry
from odoo.tools import config

# scripts/i18n_pot.py, the exporter `make i18n` writes the templates with
_spec = importlib.util.spec_from_file_location(
    "i18n_pot", Path(__file__).resolve().parents[1] / "scripts" / "i18n_pot.py"
)
i18n_pot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n_pot)


@pytest.mark.parametrize("addon", i18n_pot.ADDONS)
def test_translation_template_is_current(addon):
    with Registry(config["db_name"]).cursor() as cr:
        fresh = i18n_pot.export_pot(cr, addon)
    diff = i18n_pot.stale_diff(addon, fresh)
    assert not diff, (
        f"{addon}/i18n/{addon}.pot is stale: run `make i18n` and translate the "
        f"new terms in {addon}/i18n/*.po.\n{diff[:4000]}"
    )
