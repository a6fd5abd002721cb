from odoo import api, fields, models

from ..engine import sla_math
from ..tools import lang_format

# The seed's contract sections that the configuration cannot fill: text on
# the tier (the template) and on the contract (its own wording).
AGREEMENT_TEXTS = [
    ("agreement_scope", "Scope of Services"),
    ("agreement_changes", "Change Management"),
    ("agreement_term", "Term and Renewal"),
    ("agreement_responsibilities", "Responsibilities"),
    ("agreement_governance", "Governance"),
]


class SlaTier(models.Model):  # pylint: disable=consider-merging-classes-inherited
    _inherit = "sla.tier"

    agreement_scope = fields.Html(string="Scope of Services", translate=True)
    agreement_changes = fields.Html(string="Change Management", translate=True)
    agreement_term = fields.Html(string="Term and Renewal", translate=True)
    agreement_responsibilities = fields.Html(string="Responsibilities", translate=True)
    agreement_governance = fields.Html(string="Governance", translate=True)


class ContractContract(models.Model):
    _inherit = "contract.contract"  # pylint: disable=consider-merging-classes-inherited

    sla_agreement_scope = fields.Html(
        string="Scope of Services",
        compute="_compute_sla_agreement_texts",
        store=True,
        readonly=False,
    )
    sla_agreement_changes = fields.Html(
        string="Change Management",
        compute="_compute_sla_agreement_texts",
        store=True,
        readonly=False,
    )
    sla_agreement_term = fields.Html(
        string="Term and Renewal",
        compute="_compute_sla_agreement_texts",
        store=True,
        readonly=False,
    )
    sla_agreement_responsibilities = fields.Html(
        string="Responsibilities",
        compute="_compute_sla_agreement_texts",
        store=True,
        readonly=False,
    )
    sla_agreement_governance = fields.Html(
        string="Governance",
        compute="_compute_sla_agreement_texts",
        store=True,
        readonly=False,
    )

    @api.depends("sla_tier_id")
    def _compute_sla_agreement_texts(self):
        # Pre-filled from the tier's template, then the contract's own words.
        for contract in self:
            tier = contract.sla_tier_id.with_context(
                lang=contract.partner_id.lang or self.env.lang
            )
            for name, _label in AGREEMENT_TEXTS:
                contract[f"sla_{name}"] = tier[name]

    def _sla_agreement_values(self):
        """What the service agreement states, read from the configuration the
        system enforces."""
        self.ensure_one()
        lang = self.partner_id.lang
        if lang and lang != self.env.lang:
            # the agreement is the customer's document, in his language
            return self.with_context(lang=lang)._sla_agreement_values()
        tier = self.sla_tier_id
        calendar = self.sla_calendar_id or tier.calendar_id
        cadences = dict(
            self._fields["sla_review_cadence"]._description_selection(self.env)
        )
        return {
            "support_hours": calendar.name or "-",
            "time_zone": calendar.tz or "UTC",
            "targets": [
                {
                    "priority": target.priority_id.display_name,
                    "definition": target.priority_id.definition or "",
                    "response": sla_math.format_minutes(target.response_minutes),
                    "resolution": sla_math.format_minutes(target.resolution_minutes),
                }
                for target in tier.target_ids.sorted("priority_sequence")
            ],
            "uptime": lang_format.localize(self.env, f"{tier.uptime_guarantee:g}")
            + "%",
            "review_cadence": cadences.get(self.sla_review_cadence, "-"),
            "prices": self.contract_line_ids.filtered(
                lambda line: not line.display_type
            ),
        }
