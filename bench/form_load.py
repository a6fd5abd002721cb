"""Benchmark what the live SLA badge adds to the ticket form's load time.

Times, in one run and on the same tickets, what the web client asks for when
it opens a ticket form: ``get_views`` for the form, then ``web_read`` of the
fields of that form, each load in a fresh environment (as a new request).
Two agents with the same rights load the same tickets; a view extension
gives the badge (``sla_badge``) to a group only one of them is in, so the
two forms differ by the widget alone.
Loads alternate between the two agents so that machine drift cancels out;
the figure is the median over all loads, after a warm-up.

Usage::

    .venv/bin/python bench/form_load.py [--tickets 20] [--loads 400] [--drop]

The database ``sla_bench_ours`` is created through the project's Odoo command
line if missing, and ``sla_contract`` updated in it otherwise. Everything the
benchmark creates is rolled back. Exits non-zero when the badge adds more
than 10% or when a check fails.
"""

import argparse
import shutil
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_db

DB = "sla_bench_ours"
BAR = 1.10
PRIORITIES = ["3", "2", "1", "0"]
GOLD = "sla_contract.sla_tier_gold"
BADGE_GROUP = "__bench__.group_form_badge"
ONLY_WITH_GROUP_ARCH = f"""
<data>
    <field name="sla_badge" position="attributes">
        <attribute name="groups">{BADGE_GROUP}</attribute>
    </field>
</data>
"""


def _fixture(env, tickets):
    """Two agents, one seeing the form without the badge; Gold tickets."""
    group_user = env.ref("helpdesk_mgmt.group_helpdesk_user")
    badge_group = env["res.groups"].create({"name": "Bench: form with SLA badge"})
    module, name = BADGE_GROUP.split(".")
    env["ir.model.data"].create(
        {
            "module": module,
            "name": name,
            "model": "res.groups",
            "res_id": badge_group.id,
        }
    )
    env["ir.ui.view"].create(
        {
            "name": "bench helpdesk.ticket.form: SLA badge for one group",
            "model": "helpdesk.ticket",
            "inherit_id": env.ref("sla_contract.helpdesk_ticket_view_form").id,
            "arch": ONLY_WITH_GROUP_ARCH,
        }
    )
    agents = {}
    for key, groups in (("badge", group_user | badge_group), ("bare", group_user)):
        agents[key] = env["res.users"].create(
            {
                "name": f"Bench agent {key}",
                "login": f"bench_form_agent_{key}",
                "tz": "Europe/Brussels",
                "groups_id": [(6, 0, groups.ids)],
            }
        )
    partner = env["res.partner"].create({"name": "Bench Customer", "is_company": True})
    env["contract.contract"].create(
        {
            "name": "Bench Gold support",
            "partner_id": partner.id,
            "contract_type": "sale",
            "sla_tier_id": env.ref(GOLD).id,
            "date_start": date.today() - timedelta(days=365),
            "sla_date_start": date.today() - timedelta(days=365),
        }
    )
    team = env["helpdesk.ticket.team"].create(
        {"name": "Bench team", "user_ids": [(6, 0, [a.id for a in agents.values()])]}
    )
    records = env["helpdesk.ticket"].create(
        [
            {
                "name": f"Bench ticket {i}",
                "description": "<p>The printer is on fire.</p>",
                "partner_id": partner.id,
                "team_id": team.id,
                "priority": PRIORITIES[i % len(PRIORITIES)],
            }
            for i in range(tickets)
        ]
    )
    env.flush_all()
    return agents, records


def _spec(arch, fields):
    """The web_read specification the web client builds from a form arch."""
    spec = {}
    root = etree.fromstring(arch)
    for node in root.iter("field"):
        # fields of an x2many's own subview belong to that field's spec
        if any(a.tag == "field" for a in node.iterancestors()):
            continue
        name = node.get("name")
        field = fields.get(name, {})
        if field.get("type") in ("one2many", "many2many"):
            sub = {
                child.get("name"): {}
                for child in node.iter("field")
                if child is not node
            }
            spec[name] = {"fields": sub or {"display_name": {}}}
        elif field.get("type") == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def _load(env, uid, ticket_id):
    """One form opening, with nothing cached but what outlives a request."""
    env.invalidate_all()
    user = env["res.users"].browse(uid)
    env = env(user=uid, context=user.context_get())
    env.invalidate_all()
    start = time.perf_counter()
    views = env["helpdesk.ticket"].get_views([[False, "form"]], {})
    form = views["views"]["form"]
    fields = views["models"]["helpdesk.ticket"]["fields"]
    spec = _spec(form["arch"], fields)
    values = env["helpdesk.ticket"].browse(ticket_id).web_read(spec)
    return time.perf_counter() - start, values[0]


def run(env, agents, tickets, loads):
    times = {key: [] for key in agents}
    order = list(agents)
    for index in range(loads):
        ticket_id = tickets[index % len(tickets)]
        # alternate who goes first, so neither always gets a warmer cache
        for key in order if index % 2 else reversed(order):
            elapsed, values = _load(env, agents[key], ticket_id)
            if index < len(tickets):  # warm-up
                _check(key, values)
                continue
            times[key].append(elapsed)
    return times


def _check(key, values):
    has_badge = "sla_badge" in values
    if has_badge != (key == "badge"):
        raise SystemExit(f"check failed: {key} form has sla_badge={has_badge}")
    if has_badge and len(values["sla_badge"]["clocks"]) != 2:
        raise SystemExit("check failed: the badge should carry two clocks")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=20)
    parser.add_argument("--loads", type=int, default=400)
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()

    params = odoo_db.db_params()
    odoo_db.ensure_db(
        params, DB, "sla_contract", update=True, data_dir=odoo_db.FILESTORE
    )
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    odoo_db.load_odoo(params, DB, data_dir=odoo_db.FILESTORE)
    cr = Registry(DB).cursor()
    try:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        env = env(context=dict(env.context, tracking_disable=True))
        users, records = _fixture(env, args.tickets)
        agents = {key: user.id for key, user in users.items()}
        times = run(env, agents, records.ids, args.loads + args.tickets)
    finally:
        cr.rollback()
        cr.close()
    if args.drop:
        odoo_db.drop_db(params, DB)
        shutil.rmtree(config.filestore(DB), ignore_errors=True)

    median = {key: statistics.median(values) * 1000 for key, values in times.items()}
    ratio = median["badge"] / median["bare"]
    print(f"ticket form load, {args.loads} loads each, median:")
    print(f"  without the SLA badge {median['bare']:7.2f} ms")
    print(f"  with the SLA badge    {median['badge']:7.2f} ms")
    print(f"  ratio {ratio:.3f} (bar <= {BAR:.2f})")
    return 0 if ratio <= BAR else 1


if __name__ == "__main__":
    sys.exit(main())
