from odoo import fields, models

from .helpdesk_ticket import SLA_CARD_FILTERS

QUEUE_ACTION = "sla_contract.helpdesk_ticket_action_sla_realtime"


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

    sla_default_tier_id = fields.Many2one(
        "sla.tier",
        string="Default SLA Tier",
        help="Applied to tickets of customers without an active SLA contract.",
    )
    sla_breached_count = fields.Integer(
        string="SLA Breached",
        compute="_compute_sla_counts",
        help="Open tickets with a clock past its deadline.",
    )
    sla_at_risk_count = fields.Integer(
        string="SLA At Risk",
        compute="_compute_sla_counts",
        help="Open tickets that used their tier's at-risk share of a target "
        "and have not breached yet.",
    )
    sla_due_today_count = fields.Integer(
        string="SLA Due Today",
        compute="_compute_sla_counts",
        help="Open tickets whose next deadline falls today, in your time zone.",
    )

    def _compute_sla_counts(self):
        Ticket = self.env["helpdesk.ticket"]
        counts = {}
        for card, domain in Ticket._get_sla_card_domains().items():
            groups = Ticket._read_group(
                [("team_id", "in", self.ids), *domain], ["team_id"], ["__count"]
            )
            counts[card] = {team.id: count for team, count in groups}
        for team in self:
            team.sla_breached_count = counts["breached"].get(team.id, 0)
            team.sla_at_risk_count = counts["at_risk"].get(team.id, 0)
            team.sla_due_today_count = counts["due_today"].get(team.id, 0)

    def write(self, vals):
        res = super().write(vals)
        if "sla_default_tier_id" in vals:
            # Open tickets measured on the team's tier follow it at once.
            self.env["helpdesk.ticket"]._sla_reapply_open(
                [("team_id", "in", self.ids), ("sla_contract_id", "=", False)]
            )
        return res

    def action_view_sla_queue(self):
        """The SLA queue of this team, filtered on the card clicked
        (context key `sla_card`: breached, at_risk or due_today)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(QUEUE_ACTION)
        context = {
            "search_default_group_sla_urgency": 1,
            "search_default_team_id": self.id,
            "default_team_id": self.id,
        }
        card_filter = SLA_CARD_FILTERS.get(self.env.context.get("sla_card"))
        if card_filter:
            context[f"search_default_{card_filter}"] = 1
        action["context"] = context
        return action
