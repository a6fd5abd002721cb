"""Run the SLA jobs the way the cron worker does, in virtual time.

The worker (odoo.service.server, `cron_thread`) wakes every SLEEP_INTERVAL
seconds, asks which jobs are ready (their `nextcall` or one of their trigger
rows is due), runs each one through `ir.cron._process_job`, which deletes the
trigger rows that are past. That code decides readiness with PostgreSQL's
`now()`, which a test cannot move with freezegun; inside the test's
transaction `now()` is shadowed by a function that reads the frozen instant,
so Odoo's own queries run unchanged. Everything is rolled back with the test.

Only the jobs given are run: the other crons of the database would become
due as well in virtual time, and are not what is tested.
"""

from contextlib import contextmanager
from datetime import timedelta

from freezegun import freeze_time

from odoo.service.server import SLEEP_INTERVAL

POLL = timedelta(seconds=SLEEP_INTERVAL)


class CronDriver:
    def __init__(self, case, xmlids):
        self.case = case
        self.env = case.env
        self.crons = self.env["ir.cron"].browse(
            [self.env.ref(xmlid).id for xmlid in xmlids]
        )
        self.cr = self.env.cr
        self.cr.execute(
            """CREATE FUNCTION public.now() RETURNS timestamptz
               LANGUAGE sql STABLE
               AS $$ SELECT current_setting('sla_test.now')::timestamptz $$"""
        )
        self.cr.execute("SET LOCAL search_path TO public, pg_catalog")
        self.runs = []

    def only_triggers(self, at):
        """Push the jobs' safety-net runs a year past `at`, so that only
        their trigger rows can start them."""
        self.crons.sudo().write({"nextcall": at + timedelta(days=365)})
        self.env.flush_all()

    @contextmanager
    def at(self, instant):
        """Python's clock and the database's both at `instant` (naive UTC)."""
        with freeze_time(instant):
            self.cr.execute(
                "SELECT set_config('sla_test.now', %s, true)",
                [f"{instant.isoformat(sep=' ')}+00"],
            )
            yield

    def triggers(self):
        """[(job xmlid, call_at)] of the jobs' pending trigger rows."""
        self.env.flush_all()
        self.cr.execute(
            """SELECT cron_id, call_at FROM ir_cron_trigger
                WHERE cron_id IN %s ORDER BY call_at""",
            [tuple(self.crons.ids)],
        )
        return self.cr.fetchall()

    def poll(self, instant):
        """One wake-up of the worker at `instant`: every ready job once, as
        `ir.cron._process_jobs` does. Returns the ids of the jobs run."""
        IrCron = self.env.registry["ir.cron"]
        ran = []
        with self.at(instant):
            self.env.flush_all()
            ready = [
                job["id"]
                for job in IrCron._get_all_ready_jobs(self.cr)
                if job["id"] in self.crons.ids
            ]
            registry = self.env.registry
            registry.enter_test_mode(self.cr)
            try:
                for job_id in ready:
                    cron_cr = registry.cursor()
                    job = IrCron._acquire_one_job(cron_cr, job_id)
                    if job:
                        IrCron._process_job(registry.db_name, cron_cr, job)
                        ran.append(job_id)
                    cron_cr.close()
            finally:
                registry.leave_test_mode()
            self.env.invalidate_all()
        self.runs.append((instant, ran))
        return ran

    def run_until(self, start, end, step=POLL, check=None):
        """Poll every `step` from `start` to `end`; `check(instant)` after
        each wake-up."""
        instant = start
        while instant <= end:
            self.poll(instant)
            if check:
                check(instant)
            instant += step
