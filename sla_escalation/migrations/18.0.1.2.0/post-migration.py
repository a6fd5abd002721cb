"""The ticket's escalation flag and rate were set by any firing, reminders to
the ticket's own agent included; they are now computed from the ticket's
escalations by the one rule of the escalation rate. Recompute them for the
tickets that have a firing or carried the old flag."""

from odoo import SUPERUSER_ID, api

BATCH = 5000


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute(
        """SELECT id FROM helpdesk_ticket WHERE sla_escalated
           UNION
           SELECT DISTINCT ticket_id FROM sla_escalation_event"""
    )
    ids = sorted(row[0] for row in cr.fetchall())
    Ticket = env["helpdesk.ticket"].with_context(active_test=False)
    fields = [
        Ticket._fields[name]
        for name in ("sla_escalations", "sla_escalated", "sla_escalation_rate")
    ]
    for start in range(0, len(ids), BATCH):
        tickets = Ticket.browse(ids[start : start + BATCH])
        for field in fields:
            env.add_to_compute(field, tickets)
        tickets.flush_recordset(
            ["sla_escalations", "sla_escalated", "sla_escalation_rate"]
        )
        env.invalidate_all()
