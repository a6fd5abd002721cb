"""Fill the cluster database for the load test, and write the users' file.

On the database of ``scripts/cluster.sh`` (``sla_cluster``, the demo), with
SQL for volume and the ORM for what must be exactly as the suite makes it:

* ``--open`` open tickets (default 100,000) on the demo's SLA contracts,
  two running clocks each, measured on the 24/7 calendar so that SQL can
  place their instants: started lately, each at most 40 % into its response
  target and none reaching an escalation threshold before the run ends (their
  next escalation instant is stored, as the suite stores it). Assigned to the
  load agents, spread over the priorities whose response target is long
  enough for that;
* ``--stopped`` stopped clocks (default 1,000,000): closed tickets of the
  last 36 months with two stopped clocks each (one in ten breached) and
  their cycles, on 100 history customers with a contract each, as
  ``bench/reports.py`` fills its database (their figures then reconcile by
  construction);
* a fresh set of *watched* tickets for each run, created through the ORM on
  a tier of their own (24/7, response target the run's length, resolution
  twice that), backdated so that their response thresholds (50, 75, 100 %),
  their deadline and their resolution's 50 % fall inside the run: the
  escalation and breach jobs have real work, and ``run.py`` counts every
  firing due on them;
* the users: ``--agents`` helpdesk agents, ``--customers`` portal users
  attached to the demo customers, one helpdesk manager, and a monitored
  service with a fresh webhook token for Alertmanager.

Open tickets and stopped clocks are topped up to the numbers asked (a
database filled for a larger run keeps its rows). Prints the path of the
JSON file for ``locustfile.py``.

Usage::

    .venv/bin/python bench/load/loader.py --config FILE --duration 600
        [--open 100000] [--stopped 1000000] [--watched 1000]
"""

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import odoo_db

HISTORY_CUSTOMERS = 100
PASSWORD = "load-test"
AGENT_LOGIN = "load.agent.%02d"
PORTAL_LOGIN = "load.portal.%03d"
MANAGER_LOGIN = "load.manager"
OPEN_PREFIX = "LOAD-"
HISTORY_PREFIX = "LOADH-"
WATCHED_PREFIX = "LOADW"
WATCH_TIER = "Load test (watched)"
WATCH_CUSTOMER = "Load Watch Ltd"
ALERT_VALUE = "load-test"
# the manager's edit toggles a response target between its value and +1
EDIT_BASE_KEY = "sla_load.edit_base"


def cluster_params():
    """PostgreSQL of scripts/cluster.sh: its primary's port."""
    port = (odoo_db.ROOT / ".local" / "cluster" / "pg-primary.port").read_text()
    return {
        "host": "127.0.0.1",
        "port": port.strip(),
        "user": "odoo",
        "password": "odoo",
    }


# ----------------------------------------------------------------------
# users, through the ORM
# ----------------------------------------------------------------------


def _users(env, agents, customers, contracts):
    Users = env["res.users"].with_context(no_reset_password=True, tracking_disable=True)
    helpdesk_user = env.ref("helpdesk_mgmt.group_helpdesk_user")
    manager_group = env.ref("helpdesk_mgmt.group_helpdesk_manager")
    portal_group = env.ref("base.group_portal")

    def ensure(login, name, groups, partner=None):
        user = Users.with_context(active_test=False).search([("login", "=", login)])
        if user:
            user.active = True
            return user
        vals = {
            "login": login,
            "name": name,
            "password": PASSWORD,
            "email": f"{login}@example.com",
            "groups_id": [(6, 0, groups.ids)],
            "tz": "UTC",
        }
        if partner:
            vals["partner_id"] = partner.id
        return Users.create(vals)

    agent_users = [
        ensure(
            AGENT_LOGIN % n,
            f"Load Agent {n:02d}",
            helpdesk_user | env.ref("base.group_user"),
        )
        for n in range(1, agents + 1)
    ]
    manager = ensure(
        MANAGER_LOGIN, "Load Manager", manager_group | env.ref("base.group_user")
    )
    portal = []
    for n in range(1, customers + 1):
        contract = contracts[n % len(contracts)]
        login = PORTAL_LOGIN % n
        user = Users.with_context(active_test=False).search([("login", "=", login)])
        if not user:
            contact = env["res.partner"].create(
                {
                    "name": f"Load Contact {n:03d}",
                    "parent_id": contract.partner_id.commercial_partner_id.id,
                    "email": f"{login}@example.com",
                }
            )
            user = ensure(login, contact.name, portal_group, contact)
        else:
            user.active = True
        company = user.partner_id.commercial_partner_id
        own = contracts.filtered(
            lambda c, company=company: c.partner_id.commercial_partner_id == company
        )
        portal.append((login, PASSWORD, own[:1].id))
    return agent_users, manager, portal


def _alert_token(env, contract):
    Service = env["sla.monitored.service"].with_context(active_test=False)
    service = Service.search(
        [("contract_id", "=", contract.id), ("alert_value", "=", ALERT_VALUE)]
    )
    if not service:
        service = Service.create(
            {
                "name": "Load test probe",
                "contract_id": contract.id,
                "alert_label": "service",
                "alert_value": ALERT_VALUE,
            }
        )
    service.active = True
    return service._sla_issue_token()


def _edit_target(env, tier):
    """The target line the manager edits, and the value he writes."""
    target = tier.target_ids.sorted(lambda t: -t.response_minutes)[:1]
    param = env["ir.config_parameter"].sudo()
    base = float(param.get_param(EDIT_BASE_KEY, 0) or 0)
    key = f"{target.id}:"
    stored = param.get_param(EDIT_BASE_KEY + ".target")
    if stored != key or not base:
        base = target.response_value
        param.set_param(EDIT_BASE_KEY, base)
        param.set_param(EDIT_BASE_KEY + ".target", key)
    new = base + 1 if target.response_value == base else base
    return {"id": target.id, "tier": tier.name, "new_value": new}


# ----------------------------------------------------------------------
# volume, with SQL
# ----------------------------------------------------------------------


def _min_threshold(cr, metric):
    cr.execute(
        "SELECT min(threshold_percent) FROM sla_escalation_rule"
        " WHERE active AND metric = %s",
        [metric],
    )
    return cr.fetchone()[0]


def _combos(cr, contracts, calendar_24_7, horizon_minutes):
    """(contract, partner, tier, priority, response, resolution, slo, at
    risk, sla_priority) for each demo contract and each priority whose
    response target leaves the run free of escalation thresholds."""
    cr.execute(
        """
        SELECT c.id, c.partner_id, c.sla_tier_id, p.ticket_priority,
               t.response_minutes, t.resolution_minutes,
               COALESCE(NULLIF(c.sla_slo_percent, 0), 100), r.at_risk_percent,
               p.id
          FROM contract_contract c
          JOIN sla_tier r ON r.id = c.sla_tier_id
          JOIN sla_tier_target t ON t.tier_id = c.sla_tier_id
          JOIN sla_priority p ON p.id = t.priority_id AND p.active
         WHERE c.id = ANY(%s) AND t.response_minutes * 0.5 >= %s
         ORDER BY c.id, p.ticket_priority
        """,
        [contracts, horizon_minutes],
    )
    return cr.fetchall()


def _fill_open(cr, count, contracts, agents, horizon_minutes, *, stage_new):
    cr.execute(
        "SELECT count(*) FROM helpdesk_ticket WHERE number LIKE %s", [OPEN_PREFIX + "%"]
    )
    have = cr.fetchone()[0]
    missing = count - have
    if missing <= 0:
        return have
    calendar = odoo_db.xmlid(cr, "sla_contract.resource_calendar_24_7")
    combos = _combos(cr, contracts, calendar, horizon_minutes)
    if not combos:
        raise SystemExit("no demo contract has a response target long enough")
    print(
        f"adding {missing:,} open tickets over {len(combos)} contract/priority pairs",
        file=sys.stderr,
    )
    first_response = _min_threshold(cr, "response") or 50
    first_resolution = _min_threshold(cr, "resolution") or 50
    cr.execute(
        """
        CREATE TEMP TABLE load_combo (n int, contract int, partner int, tier int,
            priority varchar, response int, resolution int, slo float,
            at_risk float, sla_priority int) ON COMMIT DROP
        """
    )
    cr.execute(
        "INSERT INTO load_combo SELECT row_number() OVER () - 1, * FROM unnest("
        "%s::int[], %s::int[], %s::int[], %s::varchar[], %s::int[], %s::int[],"
        " %s::float[], %s::float[], %s::int[])",
        [list(column) for column in zip(*combos, strict=True)],
    )
    values = {
        "from": have + 1,
        "to": count,
        "combos": len(combos),
        "agents": agents,
        "stage": stage_new,
        "calendar": calendar,
        "horizon": horizon_minutes,
        "r50": first_response,
        "s50": first_resolution,
    }
    # elapsed: up to 40 % of the response target, and never so far that its
    # first threshold falls before the run ends (the horizon)
    cr.execute(
        """
        CREATE TEMP TABLE load_new ON COMMIT DROP AS
        SELECT g, c.*,
               (%(agents)s::int[])[1 + g %% cardinality(%(agents)s::int[])] AS agent,
               date_trunc('second', now() at time zone 'UTC')
               - LEAST(c.response * 0.4, c.response * %(r50)s / 100.0 - %(horizon)s)
                 * ((g::bigint * 7919) %% 1000) / 1000.0
                 * interval '1 minute' AS start_at
          FROM generate_series(%(from)s, %(to)s) g
          JOIN load_combo c ON c.n = g %% %(combos)s
        """,
        values,
    )
    cr.execute(
        """
        INSERT INTO helpdesk_ticket (number, name, description, company_id,
               partner_id, commercial_partner_id, sla_contract_id, sla_tier_id,
               sla_priority_id, stage_id, priority, active, user_id,
               sla_next_deadline, sla_at_risk_at, sla_state, sla_breached,
               sla_paused, sla_urgency, rating_status, unattended, access_token,
               last_stage_update, sla_escalations, sla_escalated,
               create_date, write_date, create_uid, write_uid)
        SELECT 'LOAD-' || g, 'Load ticket ' || g, '<p>load test</p>', 1,
               partner, partner, contract, tier, sla_priority, %(stage)s,
               priority, true, agent,
               start_at + response * interval '1 minute',
               start_at + response * at_risk / 100.0 * interval '1 minute',
               'running', false, false, '3_on_track', 'no_rating', false,
               gen_random_uuid()::text, start_at, 0, false,
               start_at, start_at, 1, 1
          FROM load_new
        """,
        values,
    )
    cr.execute(
        """
        INSERT INTO sla_clock (ticket_id, metric, cycle, company_id, partner_id,
               contract_id, tier_id, calendar_id, ticket_priority,
               target_minutes, slo_percent, at_risk_percent, start_at,
               deadline, slo_deadline, at_risk_at, state, consumed_minutes,
               paused_minutes, sla_escalation_at, create_date, write_date,
               create_uid, write_uid)
        SELECT t.id, m.metric, 1, 1, n.partner, n.contract, n.tier,
               %(calendar)s, n.priority, m.target, n.slo, n.at_risk, n.start_at,
               n.start_at + m.target * interval '1 minute',
               n.start_at + m.target * n.slo / 100.0 * interval '1 minute',
               n.start_at + m.target * n.at_risk / 100.0 * interval '1 minute',
               'running', 0, 0,
               n.start_at + m.target * m.first / 100.0 * interval '1 minute',
               n.start_at, n.start_at, 1, 1
          FROM load_new n
          JOIN helpdesk_ticket t ON t.number = 'LOAD-' || n.g
         CROSS JOIN LATERAL (VALUES ('response', n.response, %(r50)s::float),
                                    ('resolution', n.resolution, %(s50)s::float))
               m(metric, target, first)
        """,
        values,
    )
    cr.execute("DROP TABLE load_new")
    cr.execute("DROP TABLE load_combo")
    return count


def _history_contracts(cr, tier, calendar):
    cr.execute(
        "SELECT array_agg(id ORDER BY id) FROM contract_contract"
        " WHERE name LIKE 'Load history support %%'"
    )
    contracts = cr.fetchone()[0]
    if contracts:
        return contracts
    cr.execute(
        """
        WITH p AS (
            INSERT INTO res_partner (name, is_company, active, company_id,
                   autopost_bills, create_date, write_date)
            SELECT 'Load History ' || g, true, true, 1, 'ask', now(), now()
              FROM generate_series(1, %s) g
            RETURNING id)
        SELECT array_agg(id ORDER BY id) FROM p
        """,
        [HISTORY_CUSTOMERS],
    )
    customers = cr.fetchone()[0]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
        [customers],
    )
    cr.execute(
        """
        INSERT INTO contract_contract (name, partner_id, commercial_partner_id,
               company_id, date, date_start, contract_type, active,
               sla_tier_id, sla_calendar_id, sla_date_start, sla_penalty_date,
               create_date, write_date, create_uid, write_uid)
        SELECT 'Load history support ' || p, p, p, 1, '2020-01-01',
               '2020-01-01', 'sale', true, %s, %s, '2020-01-01', '2020-01-01',
               now(), now(), 1, 1
          FROM unnest(%s::int[]) p
        """,
        [tier, calendar, customers],
    )
    return _history_contracts(cr, tier, calendar)


def _fill_stopped(cr, count, stage_done):
    """Closed tickets with two stopped clocks each, as bench/reports.py
    fills its history."""
    cr.execute(
        "SELECT count(*) FROM helpdesk_ticket WHERE number LIKE %s",
        [HISTORY_PREFIX + "%"],
    )
    have = cr.fetchone()[0]
    want = count // 2
    if want <= have:
        return have * 2
    print(f"adding {2 * (want - have):,} stopped clocks", file=sys.stderr)
    tier = odoo_db.xmlid(cr, "sla_contract.sla_tier_gold")
    cr.execute("SELECT calendar_id FROM sla_tier WHERE id = %s", [tier])
    calendar = cr.fetchone()[0]
    contracts = _history_contracts(cr, tier, calendar)
    cr.execute(
        "SELECT array_agg(partner_id ORDER BY id) FROM contract_contract"
        " WHERE id = ANY(%s)",
        [contracts],
    )
    customers = cr.fetchone()[0]
    values = {
        "customers": customers,
        "contracts": contracts,
        "n": len(contracts),
        "tier": tier,
        "calendar": calendar,
        "stage": stage_done,
        "from": have + 1,
        "to": want,
    }
    cr.execute(
        """
        INSERT INTO helpdesk_ticket (number, name, description, company_id,
               partner_id, commercial_partner_id, sla_contract_id, sla_tier_id,
               stage_id, priority, active, rating_status, create_date,
               write_date, create_uid, write_uid)
        SELECT 'LOADH-' || g, 'History ticket ' || g, '<p>load test</p>', 1,
               (%(customers)s::int[])[1 + g %% %(n)s],
               (%(customers)s::int[])[1 + g %% %(n)s],
               (%(contracts)s::int[])[1 + g %% %(n)s], %(tier)s,
               %(stage)s, (g %% 4)::text, true, 'no_rating', now(), now(), 1, 1
          FROM generate_series(%(from)s, %(to)s) g
        """,
        values,
    )
    odoo_db.insert_history_cycles(cr, "LOADH-%", values["tier"], 40)
    odoo_db.insert_history_clocks(cr, "LOADH-%", values["tier"], values["calendar"])
    return want * 2


def _date_history(cr):
    """History tickets as if created when their first clock started: the
    tier what-if (reconciled by bench/reconcile.py) picks tickets by their
    creation date."""
    cr.execute(
        """
        UPDATE helpdesk_ticket t SET create_date = c.start_at
          FROM sla_cycle c
         WHERE c.ticket_id = t.id AND t.number LIKE 'LOADH-%%'
           AND t.create_date <> c.start_at
        """
    )


# ----------------------------------------------------------------------
# the watched tickets, through the ORM
# ----------------------------------------------------------------------


def _watch_tier(env, minutes):
    Tier = env["sla.tier"].with_context(active_test=False)
    tier = Tier.search([("name", "=", WATCH_TIER)], limit=1)
    targets = [
        {
            "priority_id": priority.id,
            "response_value": minutes,
            "response_unit": "minutes",
            "resolution_value": 2 * minutes,
            "resolution_unit": "minutes",
        }
        for priority in env["sla.priority"].search([])
    ]
    if not tier:
        tier = Tier.create(
            {
                "name": WATCH_TIER,
                "calendar_id": env.ref("sla_contract.resource_calendar_24_7").id,
                "target_ids": [(0, 0, vals) for vals in targets],
            }
        )
    else:
        tier.active = True
        for line in tier.target_ids:
            if line.response_value != minutes:
                line.write({"resolution_value": 2 * minutes})
                line.write({"response_value": minutes})
    return tier


def _watch_contract(env, tier, template):
    partner = env["res.partner"].search([("name", "=", WATCH_CUSTOMER)], limit=1)
    if not partner:
        partner = env["res.partner"].create(
            {"name": WATCH_CUSTOMER, "is_company": True}
        )
    contract = env["contract.contract"].search(
        [("partner_id", "=", partner.id), ("sla_tier_id", "=", tier.id)], limit=1
    )
    if not contract:
        contract = template.copy(
            {
                "name": "Load watch support",
                "partner_id": partner.id,
                "sla_tier_id": tier.id,
                "sla_calendar_id": tier.calendar_id.id,
            }
        )
    return contract


def _watched(env, count, minutes, start, *, run_id, agents):
    """`count` tickets whose response thresholds fall inside the run that
    starts at `start`: each started half a target before a point of the
    run's first 40 %."""
    tier = _watch_tier(env, minutes)
    contracts = env["contract.contract"].search(
        [
            ("sla_tier_id", "!=", False),
            ("contract_type", "=", "sale"),
            ("sla_tier_id", "!=", tier.id),
            ("name", "not like", "Load history"),
        ],
        limit=1,
    )
    contract = _watch_contract(env, tier, contracts)
    Ticket = env["helpdesk.ticket"].with_context(
        tracking_disable=True, mail_notrack=True, mail_create_nolog=True
    )
    for n in range(count):
        offset = timedelta(minutes=minutes * (-0.5 + 0.4 * n / max(count, 1)))
        Ticket.with_context(sla_now=start + offset).create(
            {
                "number": f"{WATCHED_PREFIX}{run_id}-{n + 1}",
                "name": f"Watched ticket {n + 1}",
                "description": "<p>load test, left to the jobs</p>",
                "partner_id": contract.partner_id.id,
                "sla_contract_id": contract.id,
                "priority": "1",
                "user_id": agents[n % len(agents)],
            }
        )
    return tier, contract


# ----------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--db", default="sla_cluster")
    parser.add_argument("--duration", type=int, default=600, help="seconds")
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--stopped", type=int, default=1_000_000)
    parser.add_argument(
        "--watched", type=int, default=0, help="default: 1 %% of --open"
    )
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--customers", type=int, default=200)
    return parser.parse_args()


def main():
    args = parse_args()
    params = cluster_params()
    started = time.monotonic()
    watched = args.watched or max(1, args.open // 100)
    # the watched targets: the run's length, whole minutes
    minutes = max(2, round(args.duration / 60))
    # no loaded ticket may reach its first threshold before the run ends
    # (loading itself takes minutes)
    horizon = minutes + 60

    odoo_db.load_odoo(
        params, args.db, data_dir=odoo_db.ROOT / ".local" / "cluster" / "filestore"
    )
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    with Registry(args.db).cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        contracts = env["contract.contract"].search(
            [
                ("sla_tier_id", "!=", False),
                ("contract_type", "=", "sale"),
                ("name", "not like", "Load "),
                ("partner_id.name", "!=", WATCH_CUSTOMER),
            ],
            order="id",
        )
        agents, manager, portal = _users(env, args.agents, args.customers, contracts)
        token = _alert_token(env, contracts[0])
        cr.commit()
        stage_new = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new").id
        stage_done = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done").id
        open_count = _fill_open(
            cr,
            args.open,
            contracts.ids,
            [u.id for u in agents],
            horizon,
            stage_new=stage_new,
        )
        stopped = _fill_stopped(cr, args.stopped, stage_done)
        _date_history(cr)
        odoo_db.fill_cycles(cr)
        cr.commit()
        env.invalidate_all()
        # the tier the manager edits: the one with the most loaded tickets
        cr.execute(
            "SELECT sla_tier_id FROM helpdesk_ticket WHERE number LIKE %s"
            " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            [OPEN_PREFIX + "%"],
        )
        edit = _edit_target(env, env["sla.tier"].browse(cr.fetchone()[0]))
        cr.commit()
        # the run starts once the watched tickets are made (about 20 per s)
        start = time.time() + watched / 20 + 15
        run_start = datetime.fromtimestamp(start, UTC).replace(
            microsecond=0, tzinfo=None
        )
        run_id = run_start.strftime("%m%d%H%M%S")
        tier, _contract = _watched(
            env,
            watched,
            minutes,
            run_start,
            run_id=run_id,
            agents=[u.id for u in agents],
        )
        cr.commit()
        stages = env["helpdesk.ticket.stage"].search([])
        config = {
            "db": args.db,
            "run_id": run_id,
            "run_start": start,
            "agents_count": args.agents,
            "customers_count": args.customers,
            "agents": [(u.login, PASSWORD) for u in agents],
            "manager": (manager.login, PASSWORD),
            "portal": portal,
            "customers": contracts.partner_id.commercial_partner_id.ids,
            "stages_open": stages.filtered(lambda s: not s.closed).ids,
            "stages_closed": stages.filtered("closed").ids,
            "alert_token": token,
            "alert_label": "service",
            "alert_value": ALERT_VALUE,
            "edit_target": edit,
            "edit_at": start + args.duration * 0.4,
            "watched_prefix": WATCHED_PREFIX,
            "watched_run_prefix": f"{WATCHED_PREFIX}{run_id}-",
            "watched_count": watched,
            "watched_tier": tier.id,
            "watched_minutes": minutes,
            "open_tickets": open_count,
            "stopped_clocks": stopped,
        }
    conn = __import__("psycopg2").connect(dbname=args.db, **params)
    conn.autocommit = True
    with conn.cursor() as cr:
        for table in ("sla_clock", "sla_cycle", "helpdesk_ticket"):
            cr.execute(f"VACUUM ANALYZE {table}")
    conn.close()
    Path(args.config).write_text(json.dumps(config, indent=1), encoding="utf-8")
    print(
        f"loaded in {time.monotonic() - started:.0f} s: {open_count:,} open tickets,"
        f" {stopped:,} stopped clocks, {watched} watched tickets ({minutes} min"
        f" targets), {len(agents)} agents, {len(portal)} portal users",
        file=sys.stderr,
    )
    print(args.config)


if __name__ == "__main__":
    main()
