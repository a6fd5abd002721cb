from odoo import models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    def button_draft(self):
        # A cancelled invoice gave its credits back; one of them may be on a
        # newer invoice by now, and a credit is applied once.
        for line in self.filtered(lambda m: m.state == "cancel").line_ids.filtered(
            "sla_credit_id"
        ):
            live = line.sla_credit_id.sudo().invoice_line_ids.filtered(
                lambda other, line=line: (
                    other != line and other.parent_state in ("draft", "posted")
                )
            )
            if live:
                raise UserError(
                    self.env._(
                        "Service credit %(credit)s is already on invoice "
                        "%(invoice)s. Remove its line from %(this)s before "
                        "resetting it to draft.",
                        credit=line.sla_credit_id.display_name,
                        invoice=live[:1].move_id.display_name,
                        this=line.move_id.display_name,
                    )
                )
        return super().button_draft()

    def _reverse_moves(self, default_values_list=None, cancel=False):
        reverses = super()._reverse_moves(default_values_list, cancel=cancel)
        # Reversed in full (Odoo reconciles them): the customer got the credit
        # line back with the rest, so the credit goes on the next invoice. A
        # draft credit note may still be edited: its credits stay applied.
        if cancel:
            lines = self.line_ids.filtered("sla_credit_id")
            if lines:
                credit_recs = lines.sla_credit_id
                lines.write({"sla_credit_id": False})
                credit_recs._message_log_batch(
                    bodies={
                        credit.id: self.env._(
                            "Its invoice was reversed in full: the credit is "
                            "approved again and goes on the next invoice."
                        )
                        for credit in credit_recs
                    }
                )
        return reverses
