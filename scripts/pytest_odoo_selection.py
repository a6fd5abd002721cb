"""pytest plugin: collect third-party addons' tests as Odoo's runner would.

``make test`` also runs the OCA suites we build on. pytest collects every
``test_*`` method it finds, including those a test module only imports or
inherits (OCA's ``test_js`` imports Odoo's whole ``WebSuite``), and tests
tagged out of the standard run. Odoo's runner runs none of them, so they
are deselected here for addons outside this repository.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ours(item):
    # the addons of this repository keep pytest's own selection
    path = Path(item.path).resolve()
    return any(
        (part / "__manifest__.py").exists()
        for part in path.parents
        if part.parent == ROOT
    )


def _odoo_runs(item):
    from odoo.tests import BaseCase

    cls = getattr(item, "cls", None)
    if cls is None or not issubclass(cls, BaseCase):
        return True
    if getattr(cls, "allow_inherited_tests_method", False):
        defined_here = True
    else:
        defined_here = item.originalname in cls.__dict__
    imported = cls.__module__ != item.module.__name__
    tags = getattr(cls, "test_tags", None) or {"standard"}
    return defined_here and not imported and "standard" in tags


def pytest_collection_modifyitems(config, items):
    keep, drop = [], []
    for item in items:
        if _ours(item) or _odoo_runs(item):
            keep.append(item)
        else:
            drop.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
