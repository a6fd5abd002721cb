import uuid

from odoo import Command, api, fields, models
from odoo.addons.sla_contract.engine import sla_math
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date

from ..engine import credit_math

# Beyond the seed's 4-8 hours a month, "maintenance" is an outage by another name.
MAX_MAINTENANCE_HOURS = 8.0
MAX_MAINTENANCE_HOURS_TEXT = "8"
CREDIT_SEQUENCE = 10_000
SLA_MANAGERS = "helpdesk_mgmt.group_helpdesk_manager"
# Internal terms and figures of the contract: a customer reading his own
# contract (portal, RPC) never gets them; every internal user who may read a
# contract may read what they come from.
INTERNAL = "base.group_user"


class ContractContract(models.Model):
    _inherit = "contract.contract"

    sla_credit_band_ids = fields.One2many(
        "sla.credit.band",
        "contract_id",
        string="Credit Bands (override)",
        copy=True,
        groups=INTERNAL,
        help="Leave empty to use the tier's bands.",
    )
    sla_notice_hours = fields.Float(
        string="Maintenance Notice (h)",
        default=48.0,
        tracking=True,
        help="Planned maintenance announced at least this long ahead is "
        "excluded from downtime, within the monthly allowance.",
    )
    sla_maintenance_allowance_hours = fields.Float(
        string="Maintenance Allowance (h/month)",
        default=4.0,
        tracking=True,
        help="Announced maintenance beyond this many hours a month counts as downtime.",
    )
    sla_credit_cap_percent = fields.Float(
        string="Credit Cap (% of fee)",
        default=100.0,
        tracking=True,
        help="A month's credits never exceed this share of its fee.",
    )
    sla_uptime_per_started_hour = fields.Boolean(
        string="Uptime Credit per Started Hour",
        tracking=True,
        help="Count every started hour over the allowed downtime as a whole "
        "hour, instead of pro rata per minute.",
    )
    sla_right_to_terminate = fields.Boolean(
        string="Right to Terminate",
        tracking=True,
        help="Set when a month's compliance fell in a band that gives the "
        "customer the right to terminate.",
    )
    sla_upstream_ids = fields.One2many(
        "sla.upstream.service",
        "contract_id",
        string="Upstream Services",
        copy=True,
        groups=INTERNAL,
    )
    sla_composite_availability = fields.Float(
        string="Composite Availability (%)",
        digits=(7, 4),
        compute="_compute_sla_composite_availability",
        groups=INTERNAL,
        help="The best availability the upstream services allow: the product "
        "of their SLAs.",
    )
    sla_guarantee_warning = fields.Char(
        compute="_compute_sla_composite_availability", groups=INTERNAL
    )
    sla_uptime_guarantee = fields.Float(
        related="sla_tier_id.uptime_guarantee", string="Uptime Guarantee (%)"
    )
    sla_service_ids = fields.One2many(
        "sla.monitored.service",
        "contract_id",
        string="Monitored Services",
        groups=INTERNAL,
    )
    sla_incident_ids = fields.One2many("sla.incident", "contract_id", groups=INTERNAL)
    # sla_portal lets the customer read his approved and applied credits
    sla_credit_ids = fields.One2many("sla.credit", "contract_id")
    sla_bonus_ids = fields.One2many("sla.bonus", "contract_id", groups=INTERNAL)
    sla_credit_count = fields.Integer(
        compute="_compute_sla_credit_counts", groups=INTERNAL
    )
    sla_incident_count = fields.Integer(
        compute="_compute_sla_credit_counts", groups=INTERNAL
    )
    sla_credit_error = fields.Text(
        string="Credits Not Computed",
        readonly=True,
        copy=False,
        groups=INTERNAL,
        help="Why the last evaluation could not compute this contract's "
        "service credits. Cleared once an evaluation can.",
    )
    sla_credit_error_period = fields.Date(
        string="Credits Not Computed For", readonly=True, copy=False, groups=INTERNAL
    )
    sla_credit_error_month = fields.Char(
        compute="_compute_sla_credit_error_month", groups=INTERNAL
    )

    @api.depends("sla_upstream_ids.availability", "sla_tier_id.uptime_guarantee")
    def _compute_sla_composite_availability(self):
        for contract in self:
            upstream = contract.sla_upstream_ids
            composite = credit_math.composite_availability(
                upstream.mapped("availability")
            )
            contract.sla_composite_availability = float(composite)
            guarantee = contract.sla_tier_id.uptime_guarantee
            promised = f"{guarantee:g}"
            contract.sla_guarantee_warning = (
                self.env._(
                    "The tier guarantees %(guarantee)s%% uptime, but the upstream "
                    "services together only promise %(composite).3f%%: only "
                    "guarantee what you control.",
                    guarantee=promised,
                    composite=float(composite),
                )
                if upstream and guarantee and guarantee > float(composite)
                else False
            )

    @api.depends("sla_credit_error_period")
    def _compute_sla_credit_error_month(self):
        for contract in self:
            period = contract.sla_credit_error_period
            contract.sla_credit_error_month = (
                format_date(self.env, period, date_format="MMMM y") if period else False
            )

    def _compute_sla_credit_counts(self):
        credit_groups = self.env["sla.credit"]._read_group(
            [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
        )
        incident_groups = self.env["sla.incident"]._read_group(
            [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
        )
        credit_recs = {contract.id: count for contract, count in credit_groups}
        incidents = {contract.id: count for contract, count in incident_groups}
        for contract in self:
            contract.sla_credit_count = credit_recs.get(contract.id, 0)
            contract.sla_incident_count = incidents.get(contract.id, 0)

    @api.constrains(
        "sla_notice_hours", "sla_maintenance_allowance_hours", "sla_credit_cap_percent"
    )
    def _check_sla_credit_terms(self):
        for contract in self:
            if contract.sla_notice_hours < 0:
                raise ValidationError(
                    self.env._(
                        "The maintenance notice of %(contract)s cannot be negative.",
                        contract=contract.display_name,
                    )
                )
            if (
                not 0
                <= contract.sla_maintenance_allowance_hours
                <= MAX_MAINTENANCE_HOURS
            ):
                raise ValidationError(
                    self.env._(
                        "The maintenance allowance of %(contract)s must be between "
                        "0 and %(max)s hours a month.",
                        contract=contract.display_name,
                        max=MAX_MAINTENANCE_HOURS_TEXT,
                    )
                )
            if not 0 <= contract.sla_credit_cap_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "The credit cap of %(contract)s must be between 0 and 100%% "
                        "of the fee.",
                        contract=contract.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        with self.env["sla.credit.band"]._sla_saving_tables():
            return super().create(vals_list)

    def write(self, vals):
        with self.env["sla.credit.band"]._sla_saving_tables():
            return super().write(vals)

    def _sla_credit_owner(self):
        """Who hears about this contract's credits: its account manager,
        else its responsible, else its helpdesk team's leader, else the
        company's first helpdesk manager."""
        self.ensure_one()
        user = self.sla_account_manager_id or self.user_id or self.sla_team_id.user_id
        if user:
            return user
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", self.env.ref(SLA_MANAGERS).id),
                    ("share", "=", False),
                    ("company_ids", "in", self.company_id.ids),
                ],
                order="id",
                limit=1,
            )
        ) or self.env.user

    def _sla_record_credit_errors(self, period, errors):
        """Keep on each contract why its credits of ``period`` could not be
        computed ({contract id: reason}), and give its account manager an
        activity once per reason, not at every run; clear the reason of the
        contracts that could be computed."""
        contracts = self.sudo().with_context(mail_notrack=True)
        computed = contracts.filtered(
            lambda c: c.id not in errors and c.sla_credit_error
        )
        computed.write({"sla_credit_error": False, "sla_credit_error_period": False})
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        month = format_date(self.env, period, date_format="MMMM y")
        activities = []
        for contract in contracts.filtered(lambda c: c.id in errors):
            reason = errors[contract.id]
            is_new = contract.sla_credit_error != reason
            contract.write(
                {"sla_credit_error": reason, "sla_credit_error_period": period}
            )
            if not is_new:
                continue
            activities.append(
                {
                    "res_model_id": model_id,
                    "res_id": contract.id,
                    "activity_type_id": activity_type.id,
                    "user_id": contract._sla_credit_owner().id,
                    "summary": self.env._("Service credits not computed"),
                    "note": self.env._(
                        "The service credits of %(month)s could not be computed: "
                        "%(reason)s Fix it, then compute the month again "
                        "(Compute credits on the contract).",
                        month=month,
                        reason=reason,
                    ),
                    "date_deadline": fields.Date.context_today(self),
                }
            )
        if activities:
            self.env["mail.activity"].sudo().with_context(
                mail_activity_quick_update=True
            ).create(activities)

    def _sla_flag_right_to_terminate(self, credit_recs):
        """Flag the contracts and give each account manager an activity."""
        # One batch for a thousand contracts: no tracking message each, and
        # no assignment e-mail per activity (the activities are the signal).
        contracts = self.sudo().with_context(mail_notrack=True)
        contracts.write({"sla_right_to_terminate": True})
        contracts._message_log_batch(
            bodies={
                contract.id: self.env._(
                    "A month's compliance gave the customer the right to terminate."
                )
                for contract in contracts
            }
        )
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        activities = []
        for credit in credit_recs:
            contract = credit.contract_id
            user = contract.sla_account_manager_id or contract.user_id or self.env.user
            month = format_date(self.env, credit.period_start, date_format="MMMM y")
            activities.append(
                {
                    "res_model_id": model_id,
                    "res_id": contract.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "summary": self.env._("Right to terminate: %(month)s", month=month),
                    "note": self.env._(
                        "Compliance was %(rate)s%% in %(month)s, in band "
                        "%(band)s: the customer may terminate the contract. "
                        "Call them before they do.",
                        rate=sla_math.format_rate(credit.compliance_rate),
                        month=month,
                        band=credit.band_label,
                    ),
                    "date_deadline": fields.Date.context_today(self),
                }
            )
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(activities)

    # ------------------------------------------------------------------ invoicing

    def _prepare_recurring_invoices_values(self, date_ref=False):
        # One query for every contract's approved credits, not one per invoice.
        credit_recs = self.env["sla.credit"]._invoiceable(self)
        by_contract = {}
        for credit in credit_recs:
            by_contract.setdefault(credit.contract_id.id, []).append(credit.id)
        return super(
            ContractContract,
            self.with_context(
                sla_invoiceable_credits=tuple(
                    (cid, tuple(ids)) for cid, ids in by_contract.items()
                )
            ),
        )._prepare_recurring_invoices_values(date_ref=date_ref)

    def _prepare_invoice(self, date_invoice, journal=None):
        vals = super()._prepare_invoice(date_invoice, journal=journal)
        if self.contract_type != "sale":
            return vals
        prepared = self.env.context.get("sla_invoiceable_credits")
        if prepared is None:
            credit_recs = self.env["sla.credit"]._invoiceable(self)
        else:
            credit_recs = (
                self.env["sla.credit"].sudo().browse(dict(prepared).get(self.id, ()))
            )
        credit_recs = credit_recs.filtered(lambda c: c.period_end <= date_invoice)
        if not credit_recs:
            return vals
        vals["invoice_line_ids"] += self._sla_credit_lines(credit_recs)
        # The customer's SLA page links to it; pages only read, so the
        # link's token is made here rather than when the page is shown.
        vals.setdefault("access_token", str(uuid.uuid4()))
        return vals

    def _sla_credit_lines(self, credit_recs, sign=-1):
        """Invoice line commands for ``credit_recs``; a credit takes back part
        of the fee, so it carries the fee's taxes."""
        self.ensure_one()
        fee_line = self.contract_line_ids.filtered(
            lambda line: not line.display_type and line.product_id
        )[:1]
        taxes = fee_line.product_id.taxes_id.filtered(
            lambda tax: tax.company_id == self.company_id
        )
        if self.fiscal_position_id:
            taxes = self.fiscal_position_id.map_tax(taxes)
        commands = []
        for sequence, credit in enumerate(credit_recs, start=CREDIT_SEQUENCE):
            line_vals = credit._prepare_invoice_line(sequence)
            line_vals["price_unit"] = sign * credit.amount
            if fee_line:
                line_vals["tax_ids"] = [Command.set(taxes.ids)]
            commands.append(Command.create(line_vals))
        return commands

    def _sla_has_next_invoice(self):
        self.ensure_one()
        if self.line_recurrence:
            # Each line keeps its own next date; the contract's is stale then.
            return any(
                line.recurring_next_date and not line.is_canceled
                for line in self.contract_line_ids
                if not line.display_type
            )
        next_date = self.recurring_next_date
        return bool(next_date) and not (self.date_end and next_date > self.date_end)

    def _sla_refund_credits(self, credit_recs):
        """A credit note for approved credits that no recurring invoice will
        carry any more: the contract has ended."""
        self.ensure_one()
        # The journal the contract's invoices go to, as OCA contract picks it.
        journal = self.journal_id
        if journal.type != "sale":
            journal = self.env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", self.company_id.id)],
                limit=1,
            )
        if not journal:
            raise UserError(
                self.env._(
                    "The company %(company)s has no sales journal for the credit "
                    "note of %(contract)s: create one (Invoicing > Configuration "
                    "> Journals).",
                    company=self.company_id.name,
                    contract=self.display_name,
                )
            )
        refund = (
            self.env["account.move"]
            .sudo()
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": self.invoice_partner_id.id,
                    "company_id": self.company_id.id,
                    "journal_id": journal.id,
                    "currency_id": self.currency_id.id,
                    "invoice_origin": self.name,
                    "ref": self.code,
                    "invoice_date": fields.Date.context_today(self),
                    "invoice_line_ids": self._sla_credit_lines(credit_recs, sign=1),
                }
            )
        )
        self.message_post(
            body=self.env._(
                "The contract has ended: its service credits go on credit note "
                "%(refund)s.",
                refund=refund._get_html_link(),
            )
        )
        return refund

    # ------------------------------------------------------------------ actions

    def action_sla_compute_credits(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Compute service credits"),
            "res_model": "sla.credit.compute.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_contract_ids": [Command.set(self.ids)]},
        }

    def action_view_sla_credits(self):
        return self._sla_credits_action("sla_credits.sla_credit_action")

    def action_view_sla_incidents(self):
        return self._sla_credits_action("sla_credits.sla_incident_action")

    def _sla_credits_action(self, xmlid):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"default_contract_id": self.id}
        return action
