import logging
from collections import defaultdict, namedtuple
from datetime import date, datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.addons.sla_contract.engine import sla_math
from odoo.addons.sla_contract.tools import lang_format
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
    bands_from_json,
    bands_to_json,
)

_logger = logging.getLogger(__name__)

# Closed periods re-checked for late corrections at each evaluation.
CORRECTION_MONTHS = 12
# Months the monthly job catches up when it missed runs, last month included.
CATCH_UP_MONTHS = 12
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


# What a month is priced on: today's contract for a month being evaluated,
# the stored terms for a closed month being corrected.
Terms = namedtuple(
    "Terms",
    "tier bands guarantee notice_hours allowance_hours per_started_hour fee "
    "cap_percent",
)


def month_start(day):
    return date(day.year, day.month, 1)


def _months(first, last):
    month = first
    while month <= last:
        yield month
        month += relativedelta(months=1)


def _rate(value):
    """A compliance rate as printed: cut, never rounded across a band."""
    return f"{sla_math.format_rate(value)}%"


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
        """Monthly job: last month's credits, every earlier month a missed
        run left out, and at a quarter's end its bonuses. Safe to re-run:
        closed credits are never rewritten."""
        # Months are UTC months, as the clocks' reporting dates.
        last = month_start(fields.Date.today()) - relativedelta(months=1)
        plan = self._months_to_evaluate(last)
        contract_model = self.env["contract.contract"].sudo()
        evaluated, failed, stuck = contract_model, {}, set()
        for period in sorted(plan):
            # A contract's months are evaluated in order: after a month that
            # got no credit, its later months wait, so that the next run
            # starts again from that month.
            contracts = plan[period].filtered(lambda c: c.id not in stuck)
            if not contracts:
                continue
            try:
                with self.env.cr.savepoint():
                    credit_recs, errors = self._evaluate_batch(
                        contracts, period, record_errors=False
                    )
            except Exception:
                _logger.exception("SLA credits: the month %s was not evaluated", period)
                reason = self.env._("An unexpected error, written to the server log.")
                credit_recs = self.env["sla.credit"]
                errors = dict.fromkeys(contracts.ids, reason)
            evaluated |= contracts
            stuck.update((contracts - credit_recs.contract_id).ids)
            for contract_id, reason in errors.items():
                failed.setdefault(contract_id, (period, reason))
        evaluated.filtered(lambda c: c.id not in failed)._sla_record_credit_errors(
            last, {}
        )
        by_period = defaultdict(dict)
        for contract_id, (period, reason) in failed.items():
            by_period[period][contract_id] = reason
        for period, errors in sorted(by_period.items()):
            contract_model.browse(list(errors))._sla_record_credit_errors(
                period, errors
            )

    @api.model
    def _months_to_evaluate(self, last):
        """{month: contracts} the monthly job evaluates, up to ``last``: for
        each contract, the months after its latest credit (from its SLA start,
        at most CATCH_UP_MONTHS back), and ``last`` in any case."""
        first = last - relativedelta(months=CATCH_UP_MONTHS - 1)
        contracts = self._contracts_for(first, last)
        latest = dict(
            self.env["sla.credit"]
            .sudo()
            ._read_group(
                [("contract_id", "in", contracts.ids), ("kind", "=", KIND_CREDIT)],
                ["contract_id"],
                ["period_start:max"],
            )
        )
        due = defaultdict(list)
        for contract in contracts:
            start = max(first, month_start(contract.sla_date_start))
            if latest.get(contract):
                start = max(start, latest[contract] + relativedelta(months=1))
            due[min(start, last)].append(contract.id)
        plan, waiting = {}, set()
        for period in _months(min(due, default=last), last):
            waiting.update(due.get(period, ()))
            found = self._contracts_for(period).filtered(lambda c: c.id in waiting)
            if found:
                plan[period] = found
        return plan

    @api.model
    def _contracts_for(self, period, last=None):
        """Contracts with an SLA in the month starting ``period``, or in any
        month from ``period`` to ``last``."""
        end = (last or period) + relativedelta(months=1)
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
    def _evaluate_batch(self, contracts, period, record_errors=True):
        """:meth:`_evaluate`, returning ``(credits, {contract id: why it could
        not be evaluated})``. The reason is also kept on the contract, and
        its account manager told once (unless ``record_errors`` is False: the
        caller keeps them)."""
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
        if record_errors:
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

    @api.model
    def _contract_terms(self, contracts, period, end):
        """{contract id: the Terms its month [period, end) is priced on today,
        or the error that says why it cannot be}."""
        fees = self._load_fees(contracts, period, end)
        bands = self._load_bands(contracts)
        terms = {}
        for contract in contracts:
            fee = fees.get(contract.id, Decimal(0))
            table = bands[contract.id]
            if isinstance(fee, Exception) or isinstance(table, Exception):
                terms[contract.id] = fee if isinstance(fee, Exception) else table
                continue
            tier = contract.sla_tier_id
            terms[contract.id] = Terms(
                tier=tier,
                bands=table,
                guarantee=credit_math.to_decimal(tier.uptime_guarantee or 0),
                notice_hours=contract.sla_notice_hours,
                allowance_hours=contract.sla_maintenance_allowance_hours,
                per_started_hour=contract.sla_uptime_per_started_hour,
                fee=fee,
                cap_percent=credit_math.to_decimal(contract.sla_credit_cap_percent),
            )
        return terms

    @api.model
    def _credit_terms(self, credit_recs):
        """{contract id: the Terms ``credit_recs`` (one a contract) were
        closed with}. A credit closed before its bands were kept on it is
        priced on its contract's bands of today, the best there is."""
        missing = credit_recs.filtered(lambda c: not c.band_table)
        today = self._load_bands(missing.contract_id) if missing else {}
        terms = {}
        for credit in credit_recs:
            if credit.band_table:
                try:
                    bands = bands_from_json(credit.band_table)
                except ValueError as error:
                    terms[credit.contract_id.id] = UserError(
                        self.env._(
                            "The bands %(credit)s was closed with are not "
                            "valid: %(error)s",
                            credit=credit.display_name,
                            error=str(error),
                        )
                    )
                    continue
            else:
                bands = today[credit.contract_id.id]
                if isinstance(bands, Exception):
                    terms[credit.contract_id.id] = bands
                    continue
            terms[credit.contract_id.id] = Terms(
                tier=credit.tier_id,
                bands=bands,
                guarantee=credit_math.to_decimal(credit.uptime_guarantee or 0),
                notice_hours=credit.notice_hours,
                allowance_hours=credit.maintenance_allowance_hours,
                per_started_hour=credit.per_started_hour,
                fee=credit_math.to_decimal(credit.fee),
                cap_percent=credit_math.to_decimal(credit.cap_percent),
            )
        return terms

    # ------------------------------------------------------------------ figures

    @api.model
    def _figures(self, contracts, period, now, terms=None):
        """``({contract id: credit values}, {contract id: why its figures
        cannot be computed})`` for the month starting ``period``: one
        contract's bad data never stops the others'. The month is priced on
        ``terms`` ({contract id: Terms}), by default the contracts' of today."""
        end = period + relativedelta(months=1)
        start_dt = datetime.combine(period, datetime.min.time())
        end_dt = datetime.combine(end, datetime.min.time())
        compliance = self._load_compliance(contracts, period, end)
        incidents = self.env["sla.incident"]._load_for(contracts, start_dt, end_dt)
        if terms is None:
            terms = self._contract_terms(contracts, period, end)
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
                    terms=terms[contract.id],
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
        self, contract, period, end, now, *, compliance, incidents, terms
    ):
        """The credit values of ``contract``'s month [period, end): today's
        facts (``compliance``, ``incidents``) priced on ``terms``."""
        if isinstance(terms, Exception):
            raise terms
        # The invoice line speaks the customer's language.
        speaking = self.with_context(lang=contract.partner_id.lang or self.env.lang)
        tickets, within = compliance
        currency = contract.currency_id or contract.company_id.currency_id
        fee = terms.fee
        figures = credit_math.evaluate_month(
            tickets=tickets,
            within=within,
            bands=terms.bands,
            incidents=incidents,
            month_start=datetime.combine(period, datetime.min.time()),
            month_end=datetime.combine(end, datetime.min.time()),
            now=now,
            guarantee=terms.guarantee,
            fee=fee,
            rounding=credit_math.to_decimal(currency.rounding),
            cap_percent=terms.cap_percent,
            notice=timedelta(hours=terms.notice_hours),
            allowance=timedelta(hours=terms.allowance_hours),
            per_started_hour=terms.per_started_hour,
        )
        grace_reason = speaking._grace_reason(contract, period)
        band = figures.band
        credit = figures.credit
        values = {
            "contract_id": contract.id,
            "tier_id": terms.tier.id,
            "currency_id": currency.id,
            "period_start": period,
            "period_end": end,
            "tickets": tickets,
            "tickets_within": within,
            "has_rate": figures.rate is not None,
            # Stored as printed: cut, so that the rate shown next to its band
            # never reads as the band above.
            "compliance_rate": float(sla_math.format_rate(figures.rate or 0)),
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
            "band_table": bands_to_json(terms.bands),
            "uptime_guarantee": float(terms.guarantee),
            "notice_hours": terms.notice_hours,
            "maintenance_allowance_hours": terms.allowance_hours,
            "per_started_hour": bool(terms.per_started_hour),
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
        """The credit's text, the invoice line's too: in the language of
        ``self.env``, the customer's, numbers included."""
        month = format_date(self.env, values["period_start"], date_format="MMMM y")

        def local(text):
            return lang_format.localize(self.env, text)

        parts = []
        if values["has_rate"]:
            parts.append(
                self.env._(
                    "compliance %(rate)s (%(within)s of %(tickets)s tickets "
                    "within SLA), band %(band)s: %(credit)s%%",
                    rate=local(_rate(figures.rate)),
                    within=values["tickets_within"],
                    tickets=values["tickets"],
                    band=local(values["band_label"]),
                    credit=local(_percent(figures.compliance_credit)),
                )
            )
        else:
            parts.append(self.env._("no ticket closed or breached"))
        uptime = self.env._(
            "uptime %(uptime)s%% (%(down)s min down",
            uptime=lang_format.fixed(self.env, values["uptime_percent"], 3),
            down=lang_format.fixed(self.env, values["downtime_minutes"], 1),
        )
        if figures.allowed_minutes is not None:
            uptime += self.env._(
                ", %(allowed)s min allowed, %(excess)s min over",
                allowed=lang_format.fixed(self.env, values["allowed_minutes"], 1),
                excess=lang_format.fixed(self.env, values["excess_minutes"], 1),
            )
            if figures.rate_per_hour is not None and figures.excess_minutes:
                uptime += self.env._(
                    " at %(rate)s%% per hour: %(credit)s%%",
                    rate=local(_percent(figures.rate_per_hour)),
                    credit=local(_percent(figures.uptime_credit)),
                )
        parts.append(uptime + ")")
        total = self.env._(
            "%(percent)s%% of the %(fee)s fee",
            percent=local(_percent(figures.credit.percent)),
            fee=format_amount(self.env, values["fee"], currency),
        )
        if values["capped"]:
            total += self.env._(
                ", capped at %(cap)s%%", cap=local(_percent(values["cap_percent"]))
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
        # A credit left to approve by a failed credit note is approved when
        # its month is computed again.
        for contract_id, reason in self._after_compute(fresh, credit_recs).items():
            errors.setdefault(contract_id, reason)
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
    def _after_compute(self, credit_recs, approvable=None):
        """Auto-approval of ``approvable`` (by default ``credit_recs``), and
        the right to terminate of ``credit_recs`` flagged once. Returns
        {contract id: why its credits could not be approved}."""
        errors = {}
        approvable = credit_recs if approvable is None else approvable
        auto = approvable.filtered(
            lambda c: (
                not c.grace
                and c.state == STATE_COMPUTED
                and c.contract_id.company_id.sla_credit_auto_approve
            )
        )
        if auto:
            approved = self._auto_approve(auto, errors)
            approved._message_log_batch(
                bodies={
                    credit.id: self.env._("Approved automatically (company setting).")
                    for credit in approved
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
        return errors

    @api.model
    def _auto_approve(self, credit_recs, errors):
        """Approve ``credit_recs``; returns those approved. The credits of an
        ended contract go on a credit note at once, which may fail (no sales
        journal, ...): each such contract in its own savepoint, so that its
        failure leaves its credits to approve, its reason in ``errors``, and
        every other contract's credits approved."""
        decision = {
            "decision": "approved",
            "decided_at": fields.Datetime.now(),
            "decided_by_id": self.env.ref("base.user_root").id,
        }
        ended = credit_recs.contract_id.filtered(
            lambda c: not c._sla_has_next_invoice()
        )
        approved = credit_recs.filtered(lambda c: c.contract_id not in ended)
        approved.write(decision)
        for contract in ended:
            mine = credit_recs.filtered(lambda c, k=contract: c.contract_id == k)
            try:
                with self.env.cr.savepoint():
                    mine.write(decision)
                    mine._refund_where_no_invoice_follows()
            except Exception as error:
                errors[contract.id] = self._refund_failure(contract, error)
                continue
            approved |= mine
        return approved

    @api.model
    def _refund_failure(self, contract, error):
        if isinstance(error, UserError):
            why = str(error)
            _logger.warning(
                "SLA credits: no credit note for %s: %s", contract.display_name, why
            )
        else:
            why = self.env._("an unexpected error, written to the server log.")
            _logger.exception(
                "SLA credits: no credit note for %s", contract.display_name
            )
        return self.env._(
            "The contract has ended, so its approved credits go on a credit "
            "note, which could not be made: %(why)s Its credits stay to approve "
            "until then.",
            why=why,
        )

    # ------------------------------------------------------------------ corrections

    @api.model
    def _evaluate_corrections(self, contracts, period, now):
        """Closed credits of earlier months re-checked against today's clocks
        and incidents, priced on the terms each was closed with: a difference
        is booked as an adjustment in ``period``, never by rewriting the
        closed credit. Returns {contract id: why a closed month could not be
        re-checked, or its adjustment not approved}."""
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
            figures, month_errors = self._figures(
                in_month.contract_id, month, now, terms=self._credit_terms(in_month)
            )
            for contract_id, reason in month_errors.items():
                errors.setdefault(contract_id, reason)
            for credit in in_month:
                values = figures.get(credit.contract_id.id)
                if values is not None:
                    for contract_id, reason in self._correct(
                        credit, values, period, now, adjustments
                    ).items():
                        errors.setdefault(contract_id, reason)
        return errors

    @api.model
    def _correct(self, credit, values, period, now, adjustments):
        """Book the difference between ``credit`` and ``values`` (its month
        priced again on its own terms) as an adjustment in ``period``.
        Returns {contract id: why the adjustment could not be approved}."""
        mine = adjustments.filtered(lambda a: a.corrects_id == credit)
        if any(a.period_start == period and a.state in LOCKED_STATES for a in mine):
            return {}
        pending = mine.filtered(lambda a: a.state == STATE_COMPUTED)
        # An older pending adjustment is superseded by this period's: two
        # pending corrections of one credit could both be approved.
        pending.filtered(lambda a: a.period_start != period).unlink()
        current = pending.filtered(lambda a: a.period_start == period)
        # Only facts correct a closed month: ``values`` priced them on the
        # fee, cap and terms it was closed with, whatever the contract says
        # today; terms alone never reopen it.
        facts_changed = any(
            float_compare(credit[name], values[name], precision_digits=2)
            for name in CORRECTED_FACTS
        )
        currency = credit.currency_id
        paid = credit.amount + sum(
            mine.filtered(lambda a: a.state in (STATE_APPROVED, STATE_APPLIED)).mapped(
                "amount"
            )
        )
        delta = 0.0
        if facts_changed or mine:
            delta = currency.round(values["amount"] - paid)
        waived = mine.filtered(lambda a: a.state == "waived")
        # The same correction, already offered and waived, is not offered again.
        if currency.is_zero(delta) or any(
            currency.compare_amounts(a.amount, delta) == 0 for a in waived
        ):
            current.unlink()
            return {}
        speaking = self.with_context(
            lang=credit.contract_id.partner_id.lang or self.env.lang
        )
        adjustment = {
            **values,
            "kind": KIND_ADJUSTMENT,
            "corrects_id": credit.id,
            "period_start": period,
            "period_end": period + relativedelta(months=1),
            "amount": delta,
            "grace": False,
            "grace_reason": False,
            "computed_at": now,
            "description": speaking._describe_correction(credit, values, paid, delta),
        }
        if not current:
            return self._after_compute(self._create_each([adjustment]))
        if self._differs(current, adjustment):
            self._save(current, adjustment)
            return self._after_compute(current)
        return self._after_compute(current.browse(), approvable=current)

    def _describe_correction(self, credit, values, booked, delta):
        """``booked`` + ``delta`` = the credit now: both priced on the terms
        the month was closed with."""
        currency = credit.currency_id
        month = format_date(self.env, credit.period_start, date_format="MMMM y")

        def rate(within, tickets):
            if not tickets:
                return self.env._("none")
            return lang_format.localize(
                self.env, _rate(credit_math.compliance_rate(within, tickets))
            )

        return self.env._(
            "Adjustment %(contract)s: correction of the %(month)s service credit, "
            "closed at %(booked)s. Compliance %(old_rate)s -> %(rate)s, "
            "downtime %(old_down)s -> %(down)s min; the credit is now "
            "%(amount)s: a difference of %(delta)s.",
            contract=credit.contract_id.code or credit.contract_id.name,
            month=month,
            booked=format_amount(self.env, booked, currency),
            old_rate=rate(credit.tickets_within, credit.tickets),
            rate=rate(values["tickets_within"], values["tickets"]),
            old_down=lang_format.fixed(self.env, credit.downtime_minutes, 1),
            down=lang_format.fixed(self.env, values["downtime_minutes"], 1),
            amount=format_amount(self.env, values["amount"], currency),
            delta=format_amount(self.env, delta, currency),
        )
