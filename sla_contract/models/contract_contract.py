from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date

from ..engine import cycle_math
from .sla_tier import DEDICATED_CONTACTS

BASELINE_MONTHS = 6
# Who may read contract lines and modifications (OCA contract's access rights)
CONTRACT_LINE_READERS = "account.group_account_invoice,base.group_portal"
# Read with the contract look-up itself, since a ticket create needs them all.
SLA_POLICY_FIELDS = [
    "commercial_partner_id",
    "sla_tier_id",
    "sla_calendar_id",
    "sla_slo_percent",
    "sla_measurement_only",
    "sla_penalty_date",
]


class ContractContract(models.Model):
    _inherit = "contract.contract"

    sla_tier_id = fields.Many2one(
        "sla.tier", string="SLA Tier", tracking=True, check_company=True
    )
    sla_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Support Hours",
        compute="_compute_sla_calendar_id",
        store=True,
        readonly=False,
        tracking=True,
        help="Defaults to the tier's support hours.",
    )
    sla_team_id = fields.Many2one(
        "helpdesk.ticket.team", string="Helpdesk Team", tracking=True
    )
    sla_account_manager_id = fields.Many2one(
        "res.users", string="Account Manager", tracking=True
    )
    sla_dedicated_contact = fields.Selection(
        DEDICATED_CONTACTS,
        string="Dedicated Contacts",
        compute="_compute_sla_dedicated_contact",
        store=True,
        readonly=False,
    )
    sla_contact_user_ids = fields.Many2many(
        "res.users",
        "contract_sla_contact_user_rel",
        "contract_id",
        "user_id",
        string="Named Contacts",
        help="The named team, dedicated engineer or dedicated team members.",
    )
    sla_date_start = fields.Date(string="SLA Start", tracking=True)
    sla_measurement_only = fields.Boolean(
        string="Measurement Only",
        tracking=True,
        help="Baseline mode: clocks are measured and reported, penalties never "
        "apply. Start by measuring current performance before committing.",
    )
    sla_penalty_date = fields.Date(
        string="Penalties From",
        compute="_compute_sla_penalty_date",
        store=True,
        readonly=False,
        tracking=True,
        help="Breaches before this date are measured but carry no penalty; by "
        "default six months after the SLA start.",
    )
    sla_slo_percent = fields.Float(
        string="Internal SLO (% of SLA)",
        default=50.0,
        tracking=True,
        groups="base.group_user",
        help="The team's internal objective (SLO), tighter than the "
        "contractual target: 50% means a 4-hour SLA is worked as a 2-hour SLO. "
        "Clocks flag a missed SLO as an early warning; it carries no penalty "
        "and the customer never sees it.",
    )
    sla_ticket_count = fields.Integer(compute="_compute_sla_ticket_count")

    # Helpdesk users read contracts (this addon's access rights) and
    # customers their own (OCA contract's): every field of a contract must
    # then be readable by them, as a script reading it in full (odoorpc's
    # browse()) does, or be hidden from them. Harmless derived values are
    # computed as superuser; what comes from records they may not read
    # (contract lines, modifications, activities) is left to those who may.
    currency_id = fields.Many2one(compute_sudo=True)
    pricelist_id_domain = fields.Binary(compute_sudo=True)
    invoice_count = fields.Integer(compute_sudo=True)
    create_invoice_visibility = fields.Boolean(compute_sudo=True)
    contract_line_ids = fields.One2many(groups=CONTRACT_LINE_READERS)
    contract_line_fixed_ids = fields.One2many(groups=CONTRACT_LINE_READERS)
    modification_ids = fields.One2many(groups=CONTRACT_LINE_READERS)
    activity_exception_decoration = fields.Selection(groups="base.group_user")
    activity_exception_icon = fields.Char(groups="base.group_user")

    @api.depends("sla_tier_id")
    def _compute_sla_calendar_id(self):
        for contract in self:
            contract.sla_calendar_id = contract.sla_tier_id.calendar_id

    @api.depends("sla_tier_id")
    def _compute_sla_dedicated_contact(self):
        for contract in self:
            contract.sla_dedicated_contact = contract.sla_tier_id.dedicated_contact

    @api.depends("sla_date_start")
    def _compute_sla_penalty_date(self):
        for contract in self:
            start = contract.sla_date_start
            contract.sla_penalty_date = (
                start + relativedelta(months=BASELINE_MONTHS) if start else False
            )

    def _compute_sla_ticket_count(self):
        groups = self.env["helpdesk.ticket"]._read_group(
            [("sla_contract_id", "in", self.ids)], ["sla_contract_id"], ["__count"]
        )
        counts = {contract.id: count for contract, count in groups}
        for contract in self:
            contract.sla_ticket_count = counts.get(contract.id, 0)

    @api.constrains(
        "sla_slo_percent", "sla_penalty_date", "sla_date_start", "sla_tier_id"
    )
    def _check_sla(self):
        for contract in self.filtered("sla_tier_id"):
            if not 0 < contract.sla_slo_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "The internal SLO of %(contract)s must be between 1 and 100%% "
                        "of the SLA.",
                        contract=contract.display_name,
                    )
                )
            if not contract.sla_date_start:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s has an SLA tier but no SLA start date.",
                        contract=contract.display_name,
                    )
                )
            if (
                contract.sla_penalty_date
                and contract.sla_penalty_date < contract.sla_date_start
            ):
                raise ValidationError(
                    self.env._(
                        "Penalties of %(contract)s cannot start before its SLA.",
                        contract=contract.display_name,
                    )
                )

    @api.constrains("sla_tier_id", "contract_type")
    def _check_sla_contract_type(self):
        for contract in self.filtered("sla_tier_id"):
            if contract.contract_type != "sale":
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s is a supplier contract: SLA tiers "
                        "apply to customer contracts only, so its tier would never "
                        "be applied. Remove the SLA tier.",
                        contract=contract.display_name,
                    )
                )

    @api.constrains("sla_tier_id", "sla_calendar_id")
    def _check_sla_calendar(self):
        for contract in self.filtered("sla_tier_id"):
            calendar = contract.sla_calendar_id
            reason = calendar and calendar._sla_unusable_reason()
            if reason:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s cannot use these support hours. "
                        "%(reason)s",
                        contract=contract.display_name,
                        reason=reason,
                    )
                )

    @api.constrains("sla_tier_id", "sla_date_start", "date_start", "date_end")
    def _check_sla_dates(self):
        # The contract's own dates bound its SLA: the SLA ends with the
        # contract, and cannot start before the contract exists.
        for contract in self.filtered("sla_tier_id"):
            sla_start = contract.sla_date_start
            if not sla_start:
                continue
            if contract.date_start and sla_start < contract.date_start:
                raise ValidationError(
                    self.env._(
                        "The SLA of %(contract)s cannot start on %(sla_start)s, "
                        "before the contract itself starts (%(start)s).",
                        contract=contract.display_name,
                        sla_start=format_date(self.env, sla_start),
                        start=format_date(self.env, contract.date_start),
                    )
                )
            if contract.date_end and sla_start > contract.date_end:
                raise ValidationError(
                    self.env._(
                        "The SLA of %(contract)s cannot start on %(sla_start)s, "
                        "after the contract itself ends (%(end)s).",
                        contract=contract.display_name,
                        sla_start=format_date(self.env, sla_start),
                        end=format_date(self.env, contract.date_end),
                    )
                )

    @api.model
    def _get_sla_contract_domain(self, partner_ids, date, company_id=None):
        company = [("company_id", "in", [company_id, False])] if company_id else []
        return [
            *company,
            ("contract_type", "=", "sale"),
            ("sla_tier_id", "!=", False),
            ("commercial_partner_id", "in", partner_ids),
            ("sla_date_start", "<=", date),
            "|",
            ("date_start", "=", False),
            ("date_start", "<=", date),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", date),
        ]

    @api.model
    def _sla_contracts_for_partners(self, partner_ids, date, company_id=None):
        """{commercial partner id: the SLA contract its tickets in
        `company_id` get}.

        Several active SLA contracts: the best tier wins (lowest tier
        sequence), then the most recent SLA start, then the oldest contract.
        """
        # Ordering by the tier follows the tier's own order (sequence, id).
        ranked = self.search_fetch(
            self._get_sla_contract_domain(partner_ids, date, company_id),
            SLA_POLICY_FIELDS,
            order="sla_tier_id, sla_date_start desc, id",
        )
        result = {}
        for contract in ranked:
            result.setdefault(contract.commercial_partner_id.id, contract)
        return result

    def _sla_penalties_apply(self, day):
        """Whether the month holding `day` bears penalties (see
        engine/cycle_math.penalties_apply): the one rule of credits and of
        the cycles they count."""
        self.ensure_one()
        return cycle_math.penalties_apply(
            self.sla_measurement_only, self.sla_penalty_date, day
        )

    def _sla_measurement_only_on(self, at):
        """A cycle counted at `at` (a date or a datetime) is measured only,
        never charged; without a contract there is nothing to charge."""
        if not self:
            return False
        day = at.date() if hasattr(at, "date") else at
        return not self._sla_penalties_apply(day)

    @api.model_create_multi
    def create(self, vals_list):
        contracts = super().create(vals_list)
        contracts.filtered("sla_tier_id").sla_calendar_id._sla_mark_used()
        return contracts

    def write(self, vals):
        res = super().write(vals)
        if {"sla_penalty_date", "sla_measurement_only", "sla_date_start"} & set(vals):
            self._sla_refresh_cycles()
        if {"sla_tier_id", "sla_calendar_id"} & set(vals):
            self.filtered("sla_tier_id").sla_calendar_id._sla_mark_used()
        if {"sla_tier_id", "sla_calendar_id", "sla_slo_percent"} & set(vals):
            # Often edited by an accountant, who reads no ticket.
            self.env["helpdesk.ticket"]._sla_reapply_open(
                [("sla_contract_id", "in", self.ids)]
            )
        return res

    def _sla_frozen_until(self):
        """{contract id: first day of the first month still open}: months
        before it are closed, and what their cycles count as stays as it
        was. None: no month closed. Credits close months."""
        return {contract.id: None for contract in self}

    def _sla_refresh_cycles(self):
        """The cycles of open months, after an edit of the penalty terms."""
        frozen = self._sla_frozen_until()
        cycles = self.env["sla.cycle"].sudo()
        for contract in self:
            domain = [("contract_id", "=", contract.id)]
            if frozen.get(contract.id):
                domain += [
                    "|",
                    ("report_date", "=", False),
                    ("report_date", ">=", frozen[contract.id]),
                ]
            cycles |= cycles.search(domain)
        cycles._sla_recompute()

    def action_view_sla_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_mgmt.helpdesk_ticket_action"
        )
        action["domain"] = [("sla_contract_id", "=", self.id)]
        action["context"] = {}
        return action
