import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

KIND_RESCHEDULE = "reschedule"
KIND_REAPPLY = "reapply"
KINDS = [
    (KIND_RESCHEDULE, "Reschedule open clocks"),
    (KIND_REAPPLY, "Re-apply the SLA to open tickets"),
]
UPDATE_CRON = "sla_contract.ir_cron_sla_update"
LIMIT_PARAM = "sla_contract.sync_update_limit"
# Up to this many clocks or tickets an edit moves them itself; beyond, the
# work runs in the background, in batches, so that the editor's request
# returns at once whatever the number of open tickets.
SYNC_LIMIT = 2000
BATCH = 1000


class SlaUpdate(models.Model):
    """An edit's work on open tickets, done in the background.

    An edit of support hours, holidays, a time zone, a tier's targets, a
    team's default tier or a contract's terms moves the open clocks it
    decides. Few of them are moved at once; many are queued here, one item
    per clock or ticket, and the job *SLA: apply edits to open tickets*
    takes them in batches, each batch in its own transaction: an item is
    deleted with the work it stands for, so a crash mid-way loses nothing and
    does nothing twice. Every clock ends exactly as the edit would have left
    it at once, as of the edit's instant.
    """

    _name = "sla.update"
    _description = "SLA Update of Open Tickets"
    _order = "id desc"

    name = fields.Char(string="Edit", required=True, readonly=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    at = fields.Datetime(
        string="Edited At",
        required=True,
        readonly=True,
        help="The instant the edit applies from: the open clocks are moved "
        "as of it, whenever the job reaches them.",
    )
    user_id = fields.Many2one("res.users", string="Edited By", readonly=True)
    total = fields.Integer(readonly=True)
    done = fields.Integer(readonly=True)
    progress = fields.Float(compute="_compute_progress")
    state = fields.Selection(
        [("pending", "Being applied"), ("done", "Applied")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    finished_at = fields.Datetime(readonly=True)

    @api.depends("total", "done")
    def _compute_progress(self):
        for update in self:
            update.progress = (
                100.0 * update.done / update.total if update.total else 100.0
            )

    # ------------------------------------------------------------------
    # queueing
    # ------------------------------------------------------------------

    @api.model
    def _sla_sync_limit(self):
        param = self.env["ir.config_parameter"].sudo().get_param(LIMIT_PARAM)
        try:
            return int(param) if param else SYNC_LIMIT
        except ValueError:
            return SYNC_LIMIT

    @api.model
    def _sla_enqueue(self, kind, ids, name, at):
        """Queue `ids` (clocks to reschedule, tickets to re-apply) as one
        update; returns it."""
        update = self.sudo().create(
            {
                "name": name,
                "kind": kind,
                "at": at,
                "user_id": self.env.uid,
                "total": len(ids),
            }
        )
        self.env.cr.execute(
            """INSERT INTO sla_update_item (update_id, res_id)
               SELECT %s, unnest(%s::int[])""",
            [update.id, list(ids)],
        )
        self.env.ref(UPDATE_CRON).sudo()._trigger()
        self.env.user._bus_send(
            "simple_notification",
            {
                "type": "info",
                "title": self.env._("SLA update"),
                "message": self.env._(
                    "%(count)s open tickets are being updated in the background "
                    "(%(edit)s).",
                    count=len(ids),
                    edit=name,
                ),
            },
        )
        return update

    @api.model
    def _sla_pending_ticket_ids(self, ticket_ids):
        """The tickets among `ticket_ids` whose clocks wait for an update
        (items are tickets to re-apply, else clocks)."""
        if not ticket_ids:
            return set()
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT i.res_id FROM sla_update_item i
                 JOIN sla_update u ON u.id = i.update_id
                WHERE u.kind = %(reapply)s AND i.res_id = ANY(%(tickets)s)
               UNION
               SELECT k.ticket_id FROM sla_update_item i
                 JOIN sla_update u ON u.id = i.update_id
                 JOIN sla_clock k ON k.id = i.res_id
                WHERE u.kind != %(reapply)s AND k.ticket_id = ANY(%(tickets)s)""",
            {"reapply": KIND_REAPPLY, "tickets": list(ticket_ids)},
        )
        return {row[0] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # the job
    # ------------------------------------------------------------------

    @api.model
    def _cron_apply(self, batch_size=None):
        """Apply one batch of the oldest pending update, and tell Odoo's
        cron how much is left, so that it runs again at once."""
        batch_size = batch_size or BATCH
        update = self.sudo().search([("state", "=", "pending")], order="id", limit=1)
        if not update:
            return
        done = update._sla_apply_batch(batch_size)
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT count(*) FROM sla_update_item i
                 JOIN sla_update u ON u.id = i.update_id
                WHERE u.state = 'pending'"""
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    def _sla_apply_batch(self, batch_size):
        """Take up to `batch_size` items of this update, apply them and
        delete them, in this transaction; returns how many."""
        self.ensure_one()
        self.env.cr.execute(
            """SELECT id, res_id FROM sla_update_item
                WHERE update_id = %s ORDER BY id LIMIT %s
                  FOR UPDATE SKIP LOCKED""",
            [self.id, batch_size],
        )
        rows = self.env.cr.fetchall()
        if not rows:
            self._sla_finish()
            return 0
        self._sla_apply_items([res_id for _id, res_id in rows])
        self.env.cr.execute(
            "DELETE FROM sla_update_item WHERE id = ANY(%s)",
            [[item_id for item_id, _res in rows]],
        )
        self.done += len(rows)
        if len(rows) < batch_size:
            self._sla_finish()
        return len(rows)

    def _sla_apply_items(self, ids):
        """The work of one batch: what the edit would have done at once to
        these clocks or tickets. Other addons add their kinds."""
        if self.kind == KIND_REAPPLY:
            tickets = self.env["helpdesk.ticket"].sudo().browse(ids).exists()
            tickets.filtered(lambda t: not t.closed)._sla_reapply_policy(self.at)
        elif self.kind == KIND_RESCHEDULE:
            clocks = self.env["sla.clock"].sudo().browse(ids).exists()
            clocks.filtered(lambda c: not c.stopped_at)._reschedule(self.at)

    def _sla_finish(self):
        self.env.cr.execute(
            "SELECT 1 FROM sla_update_item WHERE update_id = %s LIMIT 1", [self.id]
        )
        if not self.env.cr.fetchone():
            self.write({"state": "done", "finished_at": fields.Datetime.now()})


class SlaUpdateItem(models.Model):
    """One clock or ticket an update has still to move."""

    _name = "sla.update.item"
    _description = "SLA Update Item"
    _log_access = False

    update_id = fields.Many2one(
        "sla.update", required=True, ondelete="cascade", index=True
    )
    res_id = fields.Integer(required=True, index=True)
