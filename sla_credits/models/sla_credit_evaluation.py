import logging
from datetime import date, datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.addons.sla_contract.engine.sla_math import format_rate
from odoo.exceptions import UserError
from odoo.tools import float_compare
from odoo.tools.misc import format_amount, format_date

from ..engine import credit_math
from .sla_credit import (
    FIGURE_FIELDS,
    KIND_ADJUSTMENT,
    KIND_CREDIT,
    LOCKED_STATES,
    STATE_APPLIED,
    STATE_APPROVED,
    STATE_COMPUTED,
)

_logger = logging.getLogger(__name__)

# Closed periods re-checked for late corrections at each evaluation.
CORRECTION_MONTHS = 12
# What a late correction can change about a closed month.
CORRECTED_FACTS = ("tickets", "tickets_within", "downtime_minutes", "excluded_minutes")

# The cycles a month counts for each contract, as sla.cycle decided them
# (sla_contract/engine/cycle_math.py): met or breached, in that month, for
# that contract. Whether the month bears penalties is the contract's, for
# the whole month (_grace_reason), by the same rule as the cycles' flag.
COMPLIANCE_SQL = """
    SELECT contract_id,
           COUNT(*),
           COUNT(*) FILTER (WHERE outcome = 'met')
      FROM sla_cycle
     WHERE report_date >= %(start)s AND report_date < %(end)s
       AND outcome IN ('met', 'breached')
       AND contract_id = ANY(%(contracts)s)
     GROUP BY contract_id
"""


def month_start(day):
    return date(day.year, day.month, 1)


def _percent(value):
    """A percent for people: 7.1133333 as 7.113, 5.000 as 5."""
    return credit_math.format_percent(
        credit_math.to_decimal(value).quantize(Decimal("0.001"))
    )


def _minutes(value):
    return float(value) if value is not None else 0.0


class SlaCreditEvaluation(models.AbstractModel):
    _name = "sla.credit.evaluation"
    _description = "SLA Credit Evaluation"

    # ------------------------------------------------------------------ entry points

    @api.model
    def _cron_evaluate(self):
        """Monthly job: last month's credits, and at a quarter's end its
        bonuses. Safe to re-run: closed credits are never rewritten."""
        # Months are UTC months, as the clocks' reporting dates.
        period = month_start(fields.Date.today()) - relativedelta(months=1)
        self._evaluate(self._contracts_for(period), period)

    @api.model
    def _contracts_for(self, period):
        end = period + relativedelta(months=1)
        return (
            self.env["contract.contract"]
            .sudo()
            .with_context(active_test=True)
            .search(
                [
                    ("contract_type", "=", "sale"),
                    ("sla_tier_id", "!=", False),
                    ("sla_date_start", "<", end),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", period),
                ]
            )
        )

    @api.model
    def _evaluate(self, contracts, period):
        """Credits of ``period`` (first day of a month) for ``contracts``,
        corrections of their closed months, and the quarter's bonuses when
        ``period`` ends one. Returns the credits of the period."""
        return self._evaluate_batch(contracts, period)[0]

    @api.model
    def _evaluate_batch(self, contracts, period):
        """:meth:`_evaluate`, returning ``(credits, {contract id: why it could
        not be evaluated})``. The reason is also kept on the contract, and
        its account manager told once."""
        period = month_start(period)
        contracts = contracts.sudo().filtered(
            lambda c: c.contract_type == "sale" and c.sla_tier_id
        )
        if not contracts:
            return self.env["sla.credit"], {}
        now = fields.Datetime.now()
        credit_recs, errors = self._evaluate_period(contracts, period, now)
        for contract_id, reason in self._evaluate_corrections(
            contracts, period, now
        ).items():
            errors.setdefault(contract_id, reason)
        if period.month % 3 == 0:
            self.env["sla.bonus"]._evaluate(
                contracts, period - relativedelta(months=2), now
            )
        contracts._sla_record_credit_errors(period, errors)
        return credit_recs, errors

    # ------------------------------------------------------------------ loaders

    @api.model
    def _load_compliance(self, contracts, start, end):
        """{contract id: (tickets, tickets within SLA)} in one query."""
        self.env["sla.cycle"].flush_model()
        self.env.cr.execute(
            COMPLIANCE_SQL,
            {"start": start, "end": end, "contracts": list(contracts.ids)},
        )
        return {cid: (total, within) for cid, total, within in self.env.cr.fetchall()}

    @api.model
    def _load_fees(self, contracts, start, end):
        """{contract id: the recurring amount for the month [start, end)}."""
        lines = (
            self.env["contract.line"]
            .sudo()
            .search_read(
                [
                    ("contract_id", "in", contracts.ids),
                    ("display_type", "=", False),
                    ("is_canceled", "=", False),
                    ("date_start", "<", end),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", start),
                ],
                [
                    "contract_id",
                    "price_subtotal",
                    "recurring_rule_type",
                    "recurring_interval",
                ],
            )
        )
        days = (end - start).days
        fees = {}
        for line in lines:
            cid = line["contract_id"][0]
            try:
                fee = credit_math.monthly_fee(
                    line["price_subtotal"],
                    line["recurring_rule_type"],
                    line["recurring_interval"] or 1,
                    days,
                )
            except ValueError as error:
                # The contract's figures fail alone, in _figures.
                fees[cid] = error
                continue
            if not isinstance(fees.get(cid), ValueError):
                fees[cid] = fees.get(cid, Decimal(0)) + fee
        return fees

    @api.model
    def _load_bands(self, contracts):
        """{contract id: bands, or the ValidationError saying why they cannot
        be used}: the contract's own, else its tier's, else the standard
        table."""
        band_model = self.env["sla.credit.band"]
        own = band_model._tables_of(contracts)
        tiers = band_model._tables_of(contracts.sla_tier_id)
        return {
            contract.id: own.get(contract.id)
            or tiers.get(contract.sla_tier_id.id)
            or credit_math.DEFAULT_BANDS
            for contract in contracts
        }

    # ------------------------------------------------------------------ figures

    @api.model
    def _figures(self, contracts, period, now):
        """``({contract id: credit values}, {contract id: why its figures
        cannot be computed})`` for the month starting ``period``: one
        contract's bad data never stops the others'."""
        end = period + relativedelta(months=1)
        start_dt = datetime.combine(period, datetime.min.time())
        end_dt = datetime.combine(end, datetime.min.time())
        compliance = self._load_compliance(contracts, period, end)
        incidents = self.env["sla.incident"]._load_for(contracts, start_dt, end_dt)
        fees = self._load_fees(contracts, period, end)
        bands = self._load_bands(contracts)
        result, errors = {}, {}
        for contract in contracts:
            try:
                result[contract.id] = self._contract_figures(
                    contract,
                    period,
                    end,
                    now,
                    compliance=compliance.get(contract.id, (0, 0)),
                    incidents=incidents.get(contract.id, []),
                    fee=fees.get(contract.id, Decimal(0)),
                    bands=bands.get(contract.id),
                )
            except (UserError, ValueError) as error:
                # ValidationError included: bad data, which the manager fixes
                errors[contract.id] = str(error)
                _logger.warning(
                    "SLA credits: %s for %s could not be computed: %s",
                    contract.display_name,
                    period,
                    error,
                )
            except Exception:
                errors[contract.id] = self.env._(
                    "An unexpected error, written to the server log."
                )
                _logger.exception(
                    "SLA credits: %s for %s could not be computed",
                    contract.display_name,
                    period,
                )
        return result, errors

    def _contract_figures(
        self, contract, period, end, now, *, compliance, incidents, fee, bands
    ):
        if isinstance(fee, ValueError):
            raise fee
        # The invoice line speaks the customer's language.
        speaking = self.with_context(lang=contract.partner_id.lang or self.env.lang)
        if bands is None:
            bands = self._load_bands(contract)[contract.id]
        if isinstance(bands, Exception):
            raise bands
        tickets, within = compliance
        currency = contract.currency_id or contract.company_id.currency_id
        tier = contract.sla_tier_id
        figures = credit_math.evaluate_month(
            tickets=tickets,
            within=within,
            bands=bands,
            incidents=incidents,
            month_start=datetime.combine(period, datetime.min.time()),
            month_end=datetime.combine(end, datetime.min.time()),
            now=now,
            guarantee=credit_math.to_decimal(tier.uptime_guarantee or 0),
            fee=fee,
            rounding=credit_math.to_decimal(currency.rounding),
            cap_percent=credit_math.to_decimal(contract.sla_credit_cap_percent),
            notice=timedelta(hours=contract.sla_notice_hours),
            allowance=timedelta(hours=contract.sla_maintenance_allowance_hours),
            per_started_hour=contract.sla_uptime_per_started_hour,
        )
        grace_reason = speaking._grace_reason(contract, period)
        band = figures.band
        credit = figures.credit
        values = {
            "contract_id": contract.id,
            "tier_id": tier.id,
            "currency_id": currency.id,
            "period_start": period,
            "period_end": end,
            "tickets": tickets,
            "tickets_within": within,
            "has_rate": figures.rate is not None,
            # stored as printed (cut, never rounded into the next band)
            "compliance_rate": float(format_rate(figures.rate or 0)),
            "band_label": self._band_label(band),
            "compliance_credit_percent": float(figures.compliance_credit),
            "right_to_terminate": bool(band and band.right_to_terminate),
            "month_minutes": float(figures.downtime.month_minutes),
            "downtime_minutes": float(figures.downtime.downtime_minutes),
            "excluded_minutes": float(figures.downtime.excluded_minutes),
            "allowed_minutes": _minutes(figures.allowed_minutes),
            "excess_minutes": _minutes(figures.excess_minutes),
            "uptime_percent": float(figures.uptime),
            "uptime_credit_percent": float(figures.uptime_credit),
            "fee": float(fee),
            "cap_percent": float(credit.cap_percent),
            "capped": credit.capped,
            "credit_percent": float(credit.percent),
            "amount": float(credit.amount),
            "grace": bool(grace_reason),
            "grace_reason": grace_reason or False,
        }
        values["description"] = speaking._describe(contract, values, figures, currency)
        return values

    def _grace_reason(self, contract, period):
        """Why the month bears no penalty, or None: the contract's rule for
        a month (contract._sla_penalties_apply), the one its cycles are
        flagged by."""
        if contract._sla_penalties_apply(period):
            return None
        if contract.sla_measurement_only:
            return self.env._("measurement-only mode")
        return self.env._(
            "grace period until %(date)s",
            date=format_date(self.env, contract.sla_penalty_date),
        )

    @api.model
    def _band_label(self, band):
        if not band:
            return False
        lower = credit_math.format_percent(band.lower)
        if band.upper == credit_math.HUNDRED:
            return f"{lower}%+"
        return f"{lower}-{credit_math.format_percent(band.upper)}%"

    def _describe(self, contract, values, figures, currency):
        month = format_date(self.env, values["period_start"], date_format="MMMM y")
        parts = []
        if values["has_rate"]:
            parts.append(
                self.env._(
                    "compliance %(rate).2f%% (%(within)s of %(tickets)s tickets "
                    "within SLA), band %(band)s: %(credit)s%%",
                    rate=values["compliance_rate"],
                    within=values["tickets_within"],
                    tickets=values["tickets"],
                    band=values["band_label"],
                    credit=_percent(figures.compliance_credit),
                )
            )
        else:
            parts.append(self.env._("no ticket closed or breached"))
        uptime = self.env._(
            "uptime %(uptime).3f%% (%(down).1f min down",
            uptime=values["uptime_percent"],
            down=values["downtime_minutes"],
        )
        if figures.allowed_minutes is not None:
            uptime += self.env._(
                ", %(allowed).1f min allowed, %(excess).1f min over",
                allowed=values["allowed_minutes"],
                excess=values["excess_minutes"],
            )
            if figures.rate_per_hour is not None and figures.excess_minutes:
                uptime += self.env._(
                    " at %(rate)s%% per hour: %(credit)s%%",
                    rate=_percent(figures.rate_per_hour),
                    credit=_percent(figures.uptime_credit),
                )
        parts.append(uptime + ")")
        total = self.env._(
            "%(percent)s%% of the %(fee)s fee",
            percent=_percent(figures.credit.percent),
            fee=format_amount(self.env, values["fee"], currency),
        )
        if values["capped"]:
            total += self.env._(
                ", capped at %(cap)s%%", cap=_percent(values["cap_percent"])
            )
        return self.env._(
            "Service credit %(contract)s, %(month)s: %(parts)s. Credit: %(total)s.",
            contract=contract.code or contract.name,
            month=month,
            parts="; ".join(parts),
            total=total,
        )

    # ------------------------------------------------------------------ writing

    @api.model
    def _evaluate_period(self, contracts, period, now):
        """``(the period's credits, {contract id: why it has none})``."""
        credit_model = self.env["sla.credit"].sudo()
        figures, errors = self._figures(contracts, period, now)
        existing = credit_model.search(
            [
                ("contract_id", "in", list(figures)),
                ("period_start", "=", period),
                ("kind", "=", KIND_CREDIT),
            ]
        )
        by_contract = {credit.contract_id.id: credit for credit in existing}
        to_create, changed = [], credit_model
        for contract_id, values in figures.items():
            credit = by_contract.get(contract_id)
            if not credit:
                to_create.append({**values, "kind": KIND_CREDIT, "computed_at": now})
            elif credit.state == STATE_COMPUTED and self._differs(credit, values):
                self._save(credit, {**values, "computed_at": now})
                changed |= credit
        created = self._create_each(to_create)
        credit_recs = (existing | created).exists()
        fresh = created | changed
        self._after_compute(fresh)
        return credit_recs, errors

    @api.model
    def _differs(self, credit, values):
        for name in FIGURE_FIELDS:
            old, new = credit[name], values[name]
            if isinstance(new, float):
                # Compared as stored: a Float with digits keeps only those.
                field = credit._fields[name]
                if field.type == "monetary":
                    precision = credit.currency_id.decimal_places
                else:
                    digits = field.get_digits(self.env)
                    precision = digits[1] if digits else 6
                if float_compare(old or 0.0, new, precision_digits=precision):
                    return True
            elif (old or False) != (new or False):
                return True
        return False

    @api.model
    def _save(self, credit, values):
        try:
            with self.env.cr.savepoint():
                credit.write(values)
        except Exception:
            _logger.exception(
                "SLA credits: %s could not be updated", credit.display_name
            )

    @api.model
    def _create_each(self, vals_list):
        """Create in one batch; on a conflict (another worker, a button) fall
        back to one by one, skipping what already exists."""
        credit_model = self.env["sla.credit"].sudo()
        if not vals_list:
            return credit_model
        try:
            with self.env.cr.savepoint():
                return credit_model.create(vals_list)
        except Exception:
            _logger.info("SLA credits: batch create failed, retrying one by one")
        created = credit_model
        for vals in vals_list:
            try:
                with self.env.cr.savepoint():
                    created |= credit_model.create(vals)
            except Exception:
                _logger.exception(
                    "SLA credits: credit of contract %s for %s not created",
                    vals["contract_id"],
                    vals["period_start"],
                )
        return created

    @api.model
    def _after_compute(self, credit_recs):
        """Auto-approval, and the right to terminate flagged once."""
        if not credit_recs:
            return
        auto = credit_recs.filtered(
            lambda c: (
                not c.grace
                and c.state == STATE_COMPUTED
                and c.contract_id.company_id.sla_credit_auto_approve
            )
        )
        if auto:
            auto.write(
                {
                    "decision": "approved",
                    "decided_at": fields.Datetime.now(),
                    "decided_by_id": self.env.ref("base.user_root").id,
                }
            )
            auto._refund_where_no_invoice_follows()
            auto._message_log_batch(
                bodies={
                    credit.id: self.env._("Approved automatically (company setting).")
                    for credit in auto
                }
            )
        terminating = credit_recs.filtered(
            lambda c: (
                c.right_to_terminate
                and not c.grace
                and not c.contract_id.sla_right_to_terminate
            )
        )
        if terminating:
            terminating.contract_id._sla_flag_right_to_terminate(terminating)

    # ------------------------------------------------------------------ corrections

    @api.model
    def _evaluate_corrections(self, contracts, period, now):
        """Closed credits of earlier months re-checked against today's clocks
        and incidents: a difference is booked as an adjustment in ``period``,
        never by rewriting the closed credit. Returns {contract id: why a
        closed month could not be re-checked}."""
        credit_model = self.env["sla.credit"].sudo()
        closed = credit_model.search(
            [
                ("contract_id", "in", contracts.ids),
                ("kind", "=", KIND_CREDIT),
                ("state", "in", (STATE_APPROVED, STATE_APPLIED)),
                ("grace", "=", False),
                ("period_start", "<", period),
                (
                    "period_start",
                    ">=",
                    period - relativedelta(months=CORRECTION_MONTHS),
                ),
            ]
        )
        if not closed:
            return {}
        # Another evaluation checking the same closed credits at the same time
        # (another month's run, a button) now fails on this row instead of
        # booking the same correction twice.
        self.env.cr.execute(
            "UPDATE sla_credit SET corrections_checked_at = %s WHERE id = ANY(%s)",
            [now, closed.ids],
        )
        closed.invalidate_recordset(["corrections_checked_at"])
        adjustments = credit_model.search(
            [("corrects_id", "in", closed.ids), ("kind", "=", KIND_ADJUSTMENT)]
        )
        errors = {}
        for month in sorted(set(closed.mapped("period_start"))):
            in_month = closed.filtered(lambda c, m=month: c.period_start == m)
            figures, month_errors = self._figures(in_month.contract_id, month, now)
            for contract_id, reason in month_errors.items():
                errors.setdefault(contract_id, reason)
            for credit in in_month:
                values = figures.get(credit.contract_id.id)
                if values is not None:
                    self._correct(credit, values, period, now, adjustments)
        return errors

    @api.model
    def _correct(self, credit, values, period, now, adjustments):
        mine = adjustments.filtered(lambda a: a.corrects_id == credit)
        if any(a.period_start == period and a.state in LOCKED_STATES for a in mine):
            return
        pending = mine.filtered(lambda a: a.state == STATE_COMPUTED)
        # An older pending adjustment is superseded by this period's: two
        # pending corrections of one credit could both be approved.
        pending.filtered(lambda a: a.period_start != period).unlink()
        current = pending.filtered(lambda a: a.period_start == period)
        # Only facts correct a closed month: its fee, cap and terms stay those
        # it was closed with, whatever the contract says today.
        facts_changed = any(
            float_compare(credit[name], values[name], precision_digits=2)
            for name in CORRECTED_FACTS
        )
        currency = credit.currency_id
        amount = float(
            credit_math.total_credit(
                credit.fee,
                values["compliance_credit_percent"],
                values["uptime_credit_percent"],
                credit_math.to_decimal(currency.rounding),
                credit.cap_percent,
            ).amount
        )
        paid = credit.amount + sum(
            mine.filtered(lambda a: a.state in (STATE_APPROVED, STATE_APPLIED)).mapped(
                "amount"
            )
        )
        delta = amount - paid if facts_changed or mine else 0.0
        waived = mine.filtered(lambda a: a.state == "waived")
        # The same correction, already offered and waived, is not offered again.
        if currency.is_zero(delta) or any(
            currency.compare_amounts(a.amount, delta) == 0 for a in waived
        ):
            current.unlink()
            return
        adjustment = {
            **values,
            "kind": KIND_ADJUSTMENT,
            "corrects_id": credit.id,
            "period_start": period,
            "period_end": period + relativedelta(months=1),
            "fee": credit.fee,
            "cap_percent": credit.cap_percent,
            "amount": delta,
            "grace": False,
            "grace_reason": False,
            "computed_at": now,
            "description": self._describe_correction(credit, values, paid, delta),
        }
        if current:
            if self._differs(current, adjustment):
                self._save(current, adjustment)
                self._after_compute(current)
        else:
            self._after_compute(self._create_each([adjustment]))

    def _describe_correction(self, credit, values, booked, delta):
        currency = credit.currency_id
        month = format_date(self.env, credit.period_start, date_format="MMMM y")
        return self.env._(
            "Adjustment %(contract)s: correction of the %(month)s service credit, "
            "closed at %(booked)s. Compliance %(old_rate).2f%% -> %(rate).2f%%, "
            "downtime %(old_down).1f -> %(down).1f min; the credit is now "
            "%(amount)s: a difference of %(delta)s.",
            contract=credit.contract_id.code or credit.contract_id.name,
            month=month,
            booked=format_amount(self.env, booked, currency),
            old_rate=credit.compliance_rate,
            rate=values["compliance_rate"],
            old_down=credit.downtime_minutes,
            down=values["downtime_minutes"],
            amount=format_amount(self.env, values["amount"], currency),
            delta=format_amount(self.env, delta, currency),
        )
