"""Database and Odoo bootstrap shared by the ``bench/`` scripts.

PostgreSQL is reached on ``$PGHOST`` (default 127.0.0.1) and ``$PGPORT``
(default: the port of ``scripts/pg.sh``), as ``$PGUSER`` / ``$PGPASSWORD``
(default odoo/odoo). Databases are created through the project's Odoo
command line, then Odoo is loaded in-process on them.
"""

import os
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
ODOO_BIN = Path(sys.executable).with_name("odoo")
# the project's filestore (scripts/odoo-conf.sh), not the home directory
FILESTORE = ROOT / ".local" / "filestore"


def db_params():
    port = os.environ.get("PGPORT")
    if not port:
        port = subprocess.run(
            ["bash", str(ROOT / "scripts" / "pg.sh"), "port"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    return {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": port,
        "user": os.environ.get("PGUSER", "odoo"),
        "password": os.environ.get("PGPASSWORD", "odoo"),
    }


def is_installed(params, db, module):
    # an unreachable server raises here, rather than looking like a new database
    conn = psycopg2.connect(dbname="postgres", **params)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db])
            if not cr.fetchone():
                return False
    finally:
        conn.close()
    conn = psycopg2.connect(dbname=db, **params)
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT 1 FROM ir_module_module"
                " WHERE name = %s AND state = 'installed'",
                [module],
            )
            return bool(cr.fetchone())
    except psycopg2.Error:
        return False
    finally:
        conn.close()


def odoo_args(params, db, data_dir=None):
    import odoo

    # the suite and its OCA dependencies too, so a project database loads
    site = Path(sysconfig.get_paths()["purelib"]) / "odoo" / "addons"
    addons = [ROOT, site, Path(odoo.__file__).parent / "addons"]
    args = [
        "-d",
        db,
        "--db_host",
        params["host"],
        "--db_port",
        str(params["port"]),
        "--db_user",
        params["user"],
        "--db_password",
        params["password"],
        "--addons-path",
        ",".join(str(path) for path in addons if path.is_dir()),
    ]
    if data_dir is not None:
        args += ["--data-dir", str(data_dir)]
    return [*args, "--log-level", "warn"]


def ensure_db(params, db, module, update=False, data_dir=None):
    """Install `module` in `db` (created if missing), or update it if asked."""
    if not is_installed(params, db, module):
        action, what = "-i", f"creating database {db} with"
    elif update:
        action, what = "-u", f"updating in {db}"
    else:
        return
    print(f"{what} {module} ...", file=sys.stderr)
    subprocess.run(
        [
            str(ODOO_BIN),
            *odoo_args(params, db, data_dir),
            *(action, module, "--stop-after-init", "--without-demo=all"),
        ],
        check=True,
    )


def load_odoo(params, db, data_dir=None):
    """Configure the in-process Odoo as the command line would for `db`."""
    import odoo
    from odoo.tools import config

    config.parse_config(odoo_args(params, db, data_dir))
    odoo.service.server.load_server_wide_modules()


def drop_db(params, db):
    from odoo.modules.registry import Registry

    # the registry would otherwise keep serving a database that is gone
    Registry.delete(db)
    conn = psycopg2.connect(dbname="postgres", **params)
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    conn.close()


def filled_as_wanted(params, db, module, marker, shape):
    """True when `db` has `module` and was filled as `shape` says (the value
    stored under `marker`); a database filled differently is dropped, since a
    new one is faster than deleting hundreds of thousands of rows."""
    if not is_installed(params, db, module):
        return False
    conn = psycopg2.connect(dbname=db, **params)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [marker])
            row = cr.fetchone()
    finally:
        conn.close()
    if row and row[0] == shape:
        return True
    print(f"dropping {db}: filled differently", file=sys.stderr)
    conn = psycopg2.connect(dbname="postgres", **params)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        conn.close()
    return False


def mark_filled(cr, marker, shape):
    """Record how the database was filled, for `filled_as_wanted`."""
    cr.execute(
        "INSERT INTO ir_config_parameter (key, value, create_date, write_date)"
        " VALUES (%s, %s, now(), now())"
        " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [marker, shape],
    )


def xmlid(cr, name):
    """The database id of `module.name`, in plain SQL."""
    module, name = name.split(".")
    cr.execute(
        "SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s",
        [module, name],
    )
    return cr.fetchone()[0]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fill_cycles(cr):
    """Give the clocks a bench wrote with SQL their cycles, decided as
    sla.cycle decides them (sla_contract/engine/cycle_math.py): breached at
    the first breach, else what the resolution clock became; the deciding
    clock's contract; penalties by the month counted in. For bench fixtures
    only: the suite itself decides cycles in Python, at each transition."""
    cr.execute(
        """
        INSERT INTO sla_cycle (ticket_id, cycle, company_id, partner_id,
               contract_id, tier_id, ticket_priority, start_at, outcome,
               counted_at, report_date, measurement_only,
               create_date, write_date, create_uid, write_uid)
        SELECT u.ticket_id, u.cycle, u.company_id, u.partner_id, d.contract_id,
               d.tier_id, d.ticket_priority, u.start_at, v.outcome, v.counted_at,
               CASE WHEN v.outcome IN ('met', 'breached')
                    THEN v.counted_at::date END,
               COALESCE(k.sla_measurement_only OR (
                   k.sla_penalty_date IS NOT NULL
                   AND date_trunc('month', COALESCE(v.counted_at, u.start_at))
                       < k.sla_penalty_date), false),
               now(), now(), 1, 1
          FROM (SELECT ticket_id, cycle, MIN(company_id) AS company_id,
                       MIN(partner_id) AS partner_id, MIN(start_at) AS start_at,
                       (array_agg(id ORDER BY breached_at, metric DESC) FILTER (
                           WHERE state = 'breached' AND breached_at IS NOT NULL
                       ))[1] AS breach_clock,
                       MAX(id) FILTER (WHERE metric = 'resolution') AS res_clock
                  FROM sla_clock WHERE cycle_id IS NULL
                 GROUP BY ticket_id, cycle) u
          JOIN sla_clock d ON d.id = COALESCE(u.breach_clock, u.res_clock)
          LEFT JOIN contract_contract k ON k.id = d.contract_id
         CROSS JOIN LATERAL (
               SELECT CASE WHEN u.breach_clock IS NOT NULL THEN 'breached'
                           WHEN d.state IN ('met', 'cancelled') THEN d.state
                           ELSE 'open' END AS outcome,
                      CASE WHEN u.breach_clock IS NOT NULL THEN d.breached_at
                           WHEN d.state IN ('met', 'cancelled') THEN d.stopped_at
                      END AS counted_at
               ) v
        """
    )
    cr.execute(
        """
        UPDATE sla_clock k SET cycle_id = c.id, measurement_only = c.measurement_only
          FROM sla_cycle c
         WHERE k.cycle_id IS NULL AND c.ticket_id = k.ticket_id
           AND c.cycle = k.cycle
        """
    )


def insert_history_cycles(cr, number_like, tier, days_ago):
    """One stopped cycle per ticket numbered `number_like` (SQL LIKE) that
    has none yet, as sla.cycle decides them: breached at the deadline for one
    in ten, met an hour early for the others, the deadlines spread over the
    three years before `days_ago` days ago."""
    cr.execute(
        """
        INSERT INTO sla_cycle (ticket_id, cycle, company_id, partner_id,
               contract_id, tier_id, ticket_priority, start_at, outcome,
               counted_at, report_date, measurement_only,
               create_date, write_date, create_uid, write_uid)
        SELECT t.id, 1, 1, t.partner_id, t.sla_contract_id, %(tier)s,
               t.priority, d - interval '4 hours',
               CASE WHEN t.id %% 10 = 0 THEN 'breached' ELSE 'met' END,
               CASE WHEN t.id %% 10 = 0 THEN d ELSE d - interval '1 hour' END,
               (CASE WHEN t.id %% 10 = 0 THEN d ELSE d - interval '1 hour' END)::date,
               false, now(), now(), 1, 1
          FROM (SELECT id, priority, partner_id, sla_contract_id,
                       date_trunc('second', now() - %(days)s * interval '1 day'
                       - (id::bigint * 7919) %% 94608000 * interval '1 second') AS d
                  FROM helpdesk_ticket
                 WHERE number LIKE %(like)s
                   AND NOT EXISTS (SELECT 1 FROM sla_cycle y
                                    WHERE y.ticket_id = helpdesk_ticket.id)) t
        """,
        {"tier": tier, "days": days_ago, "like": number_like},
    )


def insert_history_clocks(cr, number_like, tier, calendar):
    """The response and resolution clocks of the stopped history cycles of
    the tickets numbered `number_like` (SQL LIKE), each as its cycle ended:
    4 h targets, met in 3 h or breached at 6 h. Cycles that have their
    clocks already are left alone, so that a fill can be resumed."""
    cr.execute(
        """
        INSERT INTO sla_clock (ticket_id, metric, cycle, cycle_id, company_id,
               partner_id, contract_id, tier_id, calendar_id, ticket_priority,
               target_minutes, slo_percent, at_risk_percent, start_at, deadline,
               state, stopped_at, breached_at, report_date, consumed_minutes,
               paused_minutes, compliance, measurement_only,
               create_date, write_date, create_uid, write_uid)
        SELECT c.ticket_id, m.metric, 1, c.id, 1, c.partner_id, c.contract_id,
               %(tier)s, %(calendar)s, c.ticket_priority, 240, 50, 75,
               c.start_at, c.start_at + interval '4 hours', c.outcome,
               CASE WHEN c.outcome = 'breached'
                    THEN c.start_at + interval '6 hours' ELSE c.counted_at END,
               CASE WHEN c.outcome = 'breached' THEN c.counted_at END,
               c.report_date,
               CASE WHEN c.outcome = 'breached' THEN 360 ELSE 180 END, 0,
               CASE WHEN c.outcome = 'breached' THEN 0 ELSE 100 END, false,
               now(), now(), 1, 1
          FROM sla_cycle c
          JOIN helpdesk_ticket t ON t.id = c.ticket_id AND t.number LIKE %(like)s
         CROSS JOIN (VALUES ('response'), ('resolution')) m(metric)
         WHERE NOT EXISTS (SELECT 1 FROM sla_clock k WHERE k.cycle_id = c.id)
        """,
        {"tier": tier, "calendar": calendar, "like": number_like},
    )
