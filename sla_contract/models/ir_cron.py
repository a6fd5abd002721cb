from datetime import timedelta

from odoo import api, fields, models, modules

from ..tools.cron_alarm import ALARM

ALARM_PARAM = "sla_contract.cron_alarm"


class IrCron(models.Model):
    _inherit = "ir.cron"

    @api.model
    def _sla_wake(self, xmlid, at):
        """Make sure the job `xmlid` runs at `at` (naive UTC) at the latest.

        Only the earliest wake-up ahead is kept: a job woken earlier re-arms
        itself for what is due next, so jobs fed by every ticket event do not
        pile up one trigger row per event. A row already due does not count
        as ahead: it may be the one that started the run in progress, which
        Odoo deletes when that run ends, whatever the run saw.
        """
        if self.env.context.get("sla_demo_play"):
            # The demo's history plays every job at its instants itself;
            # asking the workers for instants of the past only queues runs.
            return
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            xmlid, raise_if_not_found=False
        )
        if not cron_id:
            return
        now = fields.Datetime.now()
        self.env.cr.execute(
            """SELECT min(call_at) FROM ir_cron_trigger
                WHERE cron_id = %s AND call_at > %s""",
            [cron_id, now],
        )
        pending = self.env.cr.fetchone()[0]
        # Rows are stored to the second, and a run ends by deleting the rows
        # older than its start: round up, and never ask for the past.
        at = _ceil_second(max(at, now))
        if pending and pending <= at:
            return
        # A trigger row is what ir.cron._trigger writes; inserting it directly
        # spares loading the cron. Workers see it at their next look, within
        # a minute; the alarm wakes them at the instant itself.
        self.env["ir.cron.trigger"].sudo().create({"cron_id": cron_id, "call_at": at})
        if self._sla_alarm_enabled():
            dbname = self.env.cr.dbname
            self.env.cr.postcommit.add(lambda: ALARM.ring_at(dbname, at))

    @api.model
    def _sla_alarm_enabled(self):
        # Off in tests (they drive the workers themselves), or when an
        # operator sets the parameter to 0, e.g. to rely on the rows alone.
        if modules.module.current_test:
            return False
        param = self.env["ir.config_parameter"].sudo().get_param(ALARM_PARAM, "1")
        return param.strip() not in ("0", "false", "False")


def _ceil_second(at):
    if at.microsecond:
        return at.replace(microsecond=0) + timedelta(seconds=1)
    return at
