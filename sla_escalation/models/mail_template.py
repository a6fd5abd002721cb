from odoo import api, models
from odoo.exceptions import UserError


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sla_escalation_message(self):
        # A rule that writes to customers would fail at its next threshold:
        # the manager deleting its template hears of it now, not the ticket.
        rules = (
            self.env["sla.escalation.rule"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("mail_template_id", "in", self.ids),
                    ("customer_message", "!=", "none"),
                ]
            )
        )
        if rules:
            raise UserError(
                self.env._(
                    "You cannot delete the template %(templates)s: the "
                    "escalation rules %(rules)s write to customers with it. "
                    "Give those rules another template, or no customer "
                    "message, first.",
                    templates=", ".join(rules.mail_template_id.mapped("name")),
                    rules=", ".join(rules.mapped("name")),
                )
            )
