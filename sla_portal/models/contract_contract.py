from datetime import date, datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import fields, models
from odoo.addons.sla_contract.engine import sla_math
from odoo.addons.sla_contract.engine.svg_chart import compliance_chart
from odoo.addons.sla_contract.models.contract_contract_review import format_target
from odoo.addons.sla_contract.tools import lang_format
from odoo.addons.sla_credits.engine import credit_math
from odoo.tools.misc import format_date

GOOD, FAIR, POOR = "success", "warning", "danger"
# The seed's compliance target; below the lowest credit band is poor.
COMPLIANCE_TARGET = 95.0
COMPLIANCE_FLOOR = 85.0
MONTHS_SHOWN = 12


def compliance_colour(rate):
    if rate is None:
        return "secondary"
    if rate >= COMPLIANCE_TARGET:
        return GOOD
    return FAIR if rate >= COMPLIANCE_FLOOR else POOR


class ContractContract(models.Model):
    _inherit = "contract.contract"

    def _sla_portal_summaries(self, today):
        """{contract id: this month's compliance, uptime and colours}, for a
        page of contracts in a few queries (sudo: the caller checked access)."""
        start = today.replace(day=1)
        end = start + relativedelta(months=1)
        contracts = self.sudo()
        rates = {
            contract.id: (count, rate)
            for contract, count, rate in self.env["sla.ticket.report"]
            .sudo()
            ._read_group(
                [
                    ("contract_id", "in", contracts.ids),
                    ("report_date", ">=", start),
                    ("report_date", "<", end),
                ],
                ["contract_id"],
                ["__count", "compliance:avg"],
            )
        }
        start_dt = datetime.combine(start, time.min)
        end_dt = datetime.combine(end, time.min)
        incidents = self.env["sla.incident"]._load_for(contracts, start_dt, end_dt)
        now = fields.Datetime.now()
        result = {}
        for contract in contracts:
            count, rate = rates.get(contract.id, (0, None))
            downtime = credit_math.monthly_downtime(
                incidents.get(contract.id, []),
                start_dt,
                end_dt,
                now,
                notice=timedelta(hours=contract.sla_notice_hours),
                allowance=timedelta(hours=contract.sla_maintenance_allowance_hours),
            )
            # uptime of the month so far
            elapsed = credit_math.to_minutes(min(now, end_dt) - start_dt)
            uptime = (
                float(credit_math.uptime_percent(downtime.downtime_minutes, elapsed))
                if elapsed > 0
                else 100.0
            )
            guarantee = contract.sla_tier_id.uptime_guarantee
            result[contract.id] = {
                "tickets": count,
                "compliance": rate,
                "compliance_colour": compliance_colour(rate if count else None),
                "uptime": uptime,
                "uptime_text": contract._sla_uptime_text(uptime),
                "uptime_colour": (
                    GOOD if not guarantee or uptime >= guarantee else POOR
                ),
            }
        return result

    def _sla_portal_page(self, today, tz):
        """What the customer's contract page shows; internal root causes and
        the internal SLO are never read here."""
        self.ensure_one()
        contract = self.sudo()
        tier = contract.sla_tier_id
        first = today.replace(day=1) - relativedelta(months=MONTHS_SHOWN - 1)
        report = self.env["sla.ticket.report"].sudo()
        by_month = {
            month: (count, rate)
            for month, count, rate in report._read_group(
                [
                    ("contract_id", "=", contract.id),
                    ("report_date", ">=", first),
                ],
                ["report_date:month"],
                ["__count", "compliance:avg"],
            )
        }
        credits_all = (
            self.env["sla.credit"]
            .sudo()
            .search(
                [("contract_id", "=", contract.id), ("period_start", ">=", first)],
                order="period_start, kind, id",
            )
        )
        month_credits = {c.period_start: c for c in credits_all if c.kind == "credit"}
        months = []
        for index in range(MONTHS_SHOWN):
            month = first + relativedelta(months=index)
            count, rate = by_month.get(month, (0, None))
            months.append(
                {
                    "month": month,
                    "label": format_date(self.env, month, date_format="MMM y"),
                    "tickets": count,
                    "compliance": rate if count else None,
                    "colour": compliance_colour(rate if count else None),
                    "uptime": month_credits[month].uptime_percent
                    if month in month_credits
                    else None,
                    "uptime_text": contract._sla_uptime_text(
                        month_credits[month].uptime_percent,
                        month_credits[month].uptime_guarantee,
                    )
                    if month in month_credits
                    else "-",
                }
            )
        # Built from escaped labels and numbers only: safe to embed as is.
        target = format_target(COMPLIANCE_TARGET, self.env)
        chart = Markup(
            compliance_chart(
                [(m["label"], m["compliance"]) for m in months],
                COMPLIANCE_TARGET,
                self.env._("target %(target)s%%", target=target),
            )
        )
        breaches = (
            self.env["sla.breach"]
            .sudo()
            .search(
                [
                    ("contract_id", "=", contract.id),
                    ("breached_at", ">=", datetime.combine(first, time.min)),
                ],
                order="breached_at desc",
            )
        )
        credits_shown = contract._sla_customer_credits(credits_all)
        return {
            "sla_contract": contract,
            "tier": tier,
            "targets": contract._sla_commitments(),
            "units_note": contract._sla_units_note(),
            "uptime_guarantee": tier.uptime_guarantee,
            "uptime_guarantee_text": lang_format.localize(
                self.env, sla_math.format_number(tier.uptime_guarantee)
            )
            + "%"
            if tier.uptime_guarantee
            else "",
            "support_hours": self._sla_portal_hours(tz),
            "months": months,
            "chart": chart,
            "breaches": [
                {
                    "when": breach.breached_at,
                    "ticket": breach.ticket_id,
                    "metric": dict(
                        breach._fields["metric"]._description_selection(self.env)
                    ).get(breach.metric),
                    "late": contract._sla_late_text(breach),
                    "analysed": breach.state == "analysed",
                }
                for breach in breaches
            ],
            "credits": [
                {
                    "credit": credit,
                    "invoice": invoice,
                    "invoice_url": self._sla_invoice_url(invoice),
                }
                for credit in credits_shown
                for invoice in [
                    credit.invoice_line_ids.filtered(
                        lambda line: line.parent_state == "posted"
                    )[:1].move_id
                ]
            ],
        }

    def _sla_invoice_url(self, invoice):
        """The invoice's portal link, read only: the page runs on a read-only
        cursor, where get_portal_url() must not have to create the token.
        Invoices carrying credits get theirs when they are made."""
        if not invoice:
            return ""
        if invoice.sudo().access_token:
            return invoice.get_portal_url()
        return f"/my/invoices/{invoice.id}"

    def _sla_uptime_text(self, uptime, guarantee=None):
        """Uptime as the customer reads it: cut at one decimal more than the
        guarantee (sla_math.rate_places), so that it never reads as met
        while it is not."""
        self.ensure_one()
        guarantee = guarantee or self.sudo().sla_tier_id.uptime_guarantee
        places = sla_math.rate_places(guarantee)
        return f"{lang_format.rate(self.env, uptime, places)}%"

    def _sla_portal_hours(self, tz):
        """Support hours as the customer reads them: in his time zone."""
        calendar = (self.sla_calendar_id or self.sla_tier_id.calendar_id).sudo()
        source = pytz.timezone(calendar.tz or "UTC")
        target = pytz.timezone(tz or calendar.tz or "UTC")
        monday = date(2026, 1, 5)  # outside daylight saving on both sides
        days = {}
        for line in calendar.attendance_ids.filtered(lambda a: not a.date_from):
            day = monday + timedelta(days=int(line.dayofweek))
            start = source.localize(datetime.combine(day, time())) + timedelta(
                hours=line.hour_from
            )
            stop = source.localize(datetime.combine(day, time())) + timedelta(
                hours=line.hour_to
            )
            start, stop = start.astimezone(target), stop.astimezone(target)
            # the day's name in the customer's language: "lun." for Monday
            day_name = format_date(self.env, start.date(), date_format="EEE")
            days.setdefault(day_name, []).append(
                f"{start:%H:%M}-{stop:%H:%M}"
                if stop.hour or stop.minute
                else f"{start:%H:%M}-24:00"
            )
        return {
            "zone": target.zone,
            "days": [(day, ", ".join(spans)) for day, spans in days.items()],
        }
