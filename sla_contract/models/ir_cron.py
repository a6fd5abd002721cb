from odoo import api, models


class IrCron(models.Model):
    _inherit = "ir.cron"

    @api.model
    def _sla_wake(self, xmlid, at):
        """Make sure the job `xmlid` runs at `at` (naive UTC) at the latest.

        Only the earliest wake-up is kept ahead: a job woken earlier re-arms
        itself for what is due next, so jobs fed by every ticket event do not
        pile up one trigger row per event.
        """
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            xmlid, raise_if_not_found=False
        )
        if not cron_id:
            return
        self.env.cr.execute(
            "SELECT min(call_at) FROM ir_cron_trigger WHERE cron_id = %s", [cron_id]
        )
        pending = self.env.cr.fetchone()[0]
        if pending and pending <= at:
            return
        # A trigger row is what ir.cron._trigger writes; inserting it directly
        # spares loading the cron, and a future instant needs no notification.
        self.env["ir.cron.trigger"].sudo().create({"cron_id": cron_id, "call_at": at})
