"""Every SLA figure, wherever it shows, checked against the one rule.

Per contract and month, the cycles counted (sla.cycle, the rule of every
figure) give the compliance; the month's credit gives uptime and money.
Each place that shows one of them is read as its user would get it, and
compared: the credit and its invoice line text, the SLA Analysis, the
Performance by Contract dashboard, the service review, the customer's
portal page, the escalation rate, the quarter's bonus. A mismatch is one
figure that two places disagree on. Used by the test suite and by
bench/reconcile.py on any database.
"""

from collections import defaultdict, namedtuple
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.addons.sla_contract.engine import replay as replay_engine
from odoo.addons.sla_contract.engine.sla_math import format_rate
from odoo.tools import float_compare

Mismatch = namedtuple("Mismatch", "contract month figure place value expected")
# What the cycles say of a contract's month, and its credit, if any.
Facts = namedtuple("Facts", "contract start end tickets within rate credit")

RATE_DIGITS = 6


class SlaReconcile(models.AbstractModel):
    _name = "sla.reconcile"
    _description = "SLA Figures Reconciliation"

    @api.model
    def _sla_months(self, contracts):
        """{contract id: sorted months (first days)} with a counted cycle or
        a credit."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT contract_id, date_trunc('month', report_date)::date
                 FROM sla_cycle
                WHERE contract_id = ANY(%(ids)s) AND report_date IS NOT NULL
               UNION
               SELECT contract_id, period_start FROM sla_credit
                WHERE contract_id = ANY(%(ids)s)""",
            {"ids": contracts.ids},
        )
        months = defaultdict(set)
        for contract_id, month in self.env.cr.fetchall():
            months[contract_id].add(month)
        return {key: sorted(value) for key, value in months.items()}

    @api.model
    def _sla_mismatches(self, contracts=None, today=None):
        """[Mismatch] over every month of `contracts` (default: every SLA
        contract)."""
        contracts = (
            contracts
            if contracts is not None
            else self.env["contract.contract"]
            .sudo()
            .with_context(active_test=False)
            .search([("sla_tier_id", "!=", False)])
        ).sudo()
        today = today or fields.Date.context_today(self)
        found = []
        months = self._sla_months(contracts)
        truth = self._sla_cycle_counts(contracts)
        # the places read for all contracts at once, as a dashboard does
        bulk = self._sla_bulk(contracts)
        for contract in contracts:
            for month in months.get(contract.id, []):
                check = _Check(contract, month, found)
                counts = truth.get((contract.id, month), (0, 0))
                self._sla_check_month(contract, month, counts, today, check, bulk)
            self._sla_check_bonuses(contract, check=_Check(contract, None, found))
            self._sla_check_whatif(contract, months.get(contract.id), truth, found)
        return found

    def _sla_check_whatif(self, contract, months, truth, found):
        """The tier what-if of the contract's customer, for the tier sold,
        month by month, against the cycles counted. Skipped where the wizard
        itself says its replay cannot rebuild the history (a priority changed
        after a stop, a contract switched, terms edited since)."""
        if not months:
            return
        last = months[-1] + relativedelta(months=1, days=-1)
        wizard = (
            self.env["sla.tier.whatif"]
            .sudo()
            .create(
                {
                    "partner_id": contract.partner_id.commercial_partner_id.id,
                    "contract_id": contract.id,
                    "company_id": contract.company_id.id,
                    "date_from": months[0],
                    "date_to": last,
                }
            )
        )
        replayed, tickets = wizard._replay_tiers()
        if wizard._not_replayable_note(tickets) or contract.sla_tier_id not in replayed:
            return
        _calendar, cycles, problem = replayed[contract.sla_tier_id]
        if problem:
            return
        shown = replay_engine.monthly(cycles.values(), months[0], last)
        for month in months:
            check = _Check(contract, month, found)
            counted, within = shown.get(month, (0, 0))
            expected = truth.get((contract.id, month), (0, 0))
            check.equal(
                "tickets, within SLA", "tier what-if", (counted, within), expected
            )

    @api.model
    def _sla_bulk(self, contracts):
        """{place: {(contract id, month): what it shows}} for the places a
        manager reads over every contract: the SLA Analysis, Performance by
        Contract and the months' credits."""
        domain = [("contract_id", "in", contracts.ids)]
        analysis = {
            (contract.id, month): (count, avg)
            for contract, month, count, avg in self.env["sla.ticket.report"]
            .sudo()
            ._read_group(
                [*domain, ("report_date", "!=", False)],
                ["contract_id", "report_date:month"],
                ["__count", "compliance:avg"],
            )
        }
        performance = {
            (row.contract_id.id, row.month): row
            for row in self.env["sla.contract.performance"].sudo().search(domain)
        }
        month_credits = {
            (credit.contract_id.id, credit.period_start): credit
            for credit in self.env["sla.credit"]
            .sudo()
            .search([*domain, ("kind", "=", "credit")])
        }
        return {
            "analysis": analysis,
            "performance": performance,
            "credits": month_credits,
        }

    @api.model
    def _sla_cycle_counts(self, contracts):
        """{(contract id, month): (cycles counted, within SLA)}: the truth."""
        self.env.cr.execute(
            """SELECT contract_id, date_trunc('month', report_date)::date,
                      COUNT(*), COUNT(*) FILTER (WHERE outcome = 'met')
                 FROM sla_cycle
                WHERE contract_id = ANY(%s) AND outcome IN ('met', 'breached')
                GROUP BY 1, 2""",
            [contracts.ids],
        )
        return {(c, m): (n, w) for c, m, n, w in self.env.cr.fetchall()}

    def _sla_check_month(self, contract, month, counts, today, check, bulk):  # noqa: PLR0917
        end = month + relativedelta(months=1)
        tickets, within = counts
        rate = 100.0 * within / tickets if tickets else None
        key = (contract.id, month)
        count, avg = bulk["analysis"].get(key, (0, None))
        check.equal("tickets", "SLA Analysis", count, tickets)
        check.rate("compliance", "SLA Analysis", avg if count else None, rate)
        row = bulk["performance"].get(key, self.env["sla.contract.performance"])
        check.equal("tickets", "Performance by Contract", row.tickets, tickets)
        check.rate(
            "compliance",
            "Performance by Contract",
            row.compliance if row.tickets else None,
            rate,
        )
        credit = bulk["credits"].get(key, self.env["sla.credit"])
        if credit:
            self._sla_check_credit_counts(credit, tickets, within, rate, check)
            self._sla_check_credit(credit, row, check)
        facts = Facts(contract, month, end, tickets, within, rate, credit)
        self._sla_check_review(facts, check)
        self._sla_check_portal(facts, today, check)

    def _sla_check_credit_counts(self, credit, tickets, within, rate, check):
        """A computed credit follows the cycles. A closed one keeps what it
        closed with, and its latest correction carries today's facts; a
        waived month is not corrected."""
        if credit.state == "waived":
            return
        facts, place = credit, "credit"
        if credit.state != "computed":
            corrections = credit.search(
                [("corrects_id", "=", credit.id), ("kind", "=", "adjustment")],
                order="period_start desc, id desc",
                limit=1,
            )
            if corrections:
                facts, place = corrections, "credit correction"
        check.equal("tickets", place, facts.tickets, tickets)
        check.equal("tickets within SLA", place, facts.tickets_within, within)
        # stored as printed: cut at two decimals, never across a band
        check.equal(
            "compliance",
            place,
            format_rate(facts.compliance_rate) if facts.has_rate else None,
            format_rate(rate) if rate is not None else None,
        )

    def _sla_check_credit(self, credit, row, check):
        currency = credit.currency_id
        check.money(
            "credit", "Performance by Contract", row.amount, credit.amount, currency
        )
        check.rate(
            "uptime",
            "Performance by Contract",
            row.uptime_percent,
            credit.uptime_percent,
        )
        if credit.has_rate:
            printed = f"{format_rate(credit.compliance_rate)}%"
            check.contains("compliance", "credit text", credit.description, printed)
        for line in credit.invoice_line_ids.filtered(
            lambda line: line.parent_state in ("draft", "posted")
        ):
            check.money(
                "credit", "invoice line", -line.price_unit, credit.amount, currency
            )
            check.equal("credit text", "invoice line", line.name, credit.description)

    def _sla_check_review(self, facts, check):
        contract, month, end = facts.contract, facts.start, facts.end
        rate, credit = facts.rate, facts.credit
        values = contract._sla_review_values(month, end, "month")
        kpis = {kpi["name"]: kpi for kpi in values["kpis"]}
        shown = kpis.get(self.env._("SLA compliance rate"), {})
        check.rate("compliance", "service review", shown.get("figure"), rate)
        if rate is not None:
            check.contains(
                "compliance", "service review", shown.get("value"), format_rate(rate)
            )
        if credit:
            uptime = kpis.get(self.env._("Uptime"), {})
            check.rate(
                "uptime", "service review", uptime.get("figure"), credit.uptime_percent
            )
            listed = values.get("credits", credit.browse())
            check.money(
                "credit",
                "service review",
                sum(listed.filtered(lambda c: c.kind == "credit").mapped("amount")),
                credit.amount,
                credit.currency_id,
            )
        escalation = self._sla_escalation_rate(contract, month, end)
        if escalation is not False:
            shown = kpis.get(self.env._("Escalation rate"), {})
            check.rate(
                "escalation rate", "service review", shown.get("figure"), escalation
            )
            report = self.env["sla.escalation.ticket.report"].sudo()
            [[count, avg]] = report._read_group(
                [
                    ("contract_id", "=", contract.id),
                    ("report_date", ">=", month),
                    ("report_date", "<", end),
                ],
                [],
                ["__count", "escalated:avg"],
            )
            check.rate(
                "escalation rate",
                "escalation report",
                avg if count else None,
                escalation,
            )

    def _sla_escalation_rate(self, contract, start, end):
        """The escalation rate of the tickets counted in [start, end), from
        their own flags; False when escalation is not installed."""
        tickets = self.env["helpdesk.ticket"]
        if "sla_escalated" not in tickets._fields:
            return False
        self.env.cr.execute(
            """SELECT t.sla_escalated
                 FROM sla_cycle c JOIN helpdesk_ticket t ON t.id = c.ticket_id
                WHERE c.contract_id = %s AND c.report_date >= %s
                  AND c.report_date < %s
                  AND c.cycle = (SELECT MIN(f.cycle) FROM sla_cycle f
                                  WHERE f.ticket_id = c.ticket_id
                                    AND f.report_date IS NOT NULL)""",
            [contract.id, start, end],
        )
        flags = [row[0] for row in self.env.cr.fetchall()]
        if not flags:
            return None
        return 100.0 * sum(1 for flag in flags if flag) / len(flags)

    def _sla_check_portal(self, facts, today, check):
        contract, month = facts.contract, facts.start
        rate, credit = facts.rate, facts.credit
        first = today.replace(day=1) - relativedelta(months=11)
        if not first <= month <= today:
            return
        page = contract._sla_portal_page(today, "UTC")
        entry = next((m for m in page["months"] if m["month"] == month), None)
        if entry is None:
            check.missing("compliance", "portal")
            return
        check.rate("compliance", "portal", entry["compliance"], rate)
        if credit:
            check.rate("uptime", "portal", entry["uptime"], credit.uptime_percent)
            customer = contract._sla_customer_credits(credit)
            shown = [
                item["credit"] for item in page["credits"] if item["credit"] == credit
            ]
            check.equal("credit shown", "portal", bool(shown), bool(customer))

    def _sla_check_bonuses(self, contract, check):
        for bonus in (
            self.env["sla.bonus"].sudo().search([("contract_id", "=", contract.id)])
        ):
            start = bonus.quarter_start
            self.env.cr.execute(
                """SELECT COUNT(*) FROM sla_cycle
                    WHERE contract_id = %s AND outcome = 'breached'
                      AND report_date >= %s AND report_date < %s""",
                [contract.id, start, start + relativedelta(months=3)],
            )
            breached = self.env.cr.fetchone()[0]
            check.month = start
            check.equal("breaches", "quarterly bonus", bonus.breaches, breached)


class _Check:
    """Collects the mismatches of one contract and month."""

    def __init__(self, contract, month, found):
        self.contract, self.month, self.found = contract, month, found

    def _add(self, figure, place, value, expected):
        self.found.append(
            Mismatch(
                self.contract.display_name, self.month, figure, place, value, expected
            )
        )

    def equal(self, figure, place, value, expected):
        if value != expected:
            self._add(figure, place, value, expected)

    def rate(self, figure, place, value, expected):
        if (value is None or value is False) != (expected is None):
            self._add(figure, place, value, expected)
        elif expected is not None and float_compare(
            value, expected, precision_digits=RATE_DIGITS - 2
        ):
            self._add(figure, place, value, expected)

    def money(self, figure, place, value, expected, currency):
        if currency.compare_amounts(value or 0.0, expected or 0.0):
            self._add(figure, place, value, expected)

    def contains(self, figure, place, text, part):
        if part not in (text or ""):
            self._add(figure, place, text, part)

    def missing(self, figure, place):
        self._add(figure, place, None, "a value")


__all__ = ["Mismatch", "SlaReconcile", "date"]
