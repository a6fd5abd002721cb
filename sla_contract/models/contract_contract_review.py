import base64
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import models
from odoo.tools.misc import format_date

from ..engine import sla_math
from ..engine.svg_chart import compliance_chart

# The seed's KPI targets (percent) for the service review.
COMPLIANCE_TARGET = 95.0
FIRST_CONTACT_TARGET = 70.0
REOPENED_TARGET = 5.0
CHART_PERIODS = 12


def period_bounds(start, kind):
    """First day of the period holding ``start`` and of the next one."""
    if kind == "quarter":
        first = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
        return first, first + relativedelta(months=3)
    first = date(start.year, start.month, 1)
    return first, first + relativedelta(months=1)


# The service review is its own concern, kept out of the contract's SLA terms.
class ContractContract(models.Model):
    _inherit = "contract.contract"  # pylint: disable=consider-merging-classes-inherited

    def _sla_review_period_label(self, start, kind):
        if kind == "quarter":
            return f"{start.year} Q{(start.month - 1) // 3 + 1}"
        return format_date(self.env, start, date_format="MMMM y")

    def _sla_review_values(self, start, end, kind="month"):
        """What the service review of ``[start, end)`` shows, as plain
        values; other addons add their sections (uptime, credits,
        escalations) by extending this method."""
        self.ensure_one()
        report = self.env["sla.ticket.report"].sudo()
        domain = [
            ("contract_id", "=", self.id),
            ("report_date", ">=", start),
            ("report_date", "<", end),
        ]
        measures = [
            "__count",
            "compliance:avg",
            "response_minutes:avg",
            "resolution_minutes:avg",
            "first_contact:avg",
            "reopened:avg",
        ]
        per_priority = {
            priority: rest
            for priority, *rest in report._read_group(domain, ["priority"], measures)
        }
        [totals] = report._read_group(domain, [], measures)
        tickets, compliance, response, resolution, first_contact, reopened = totals
        commitments = []
        for target in self.sla_tier_id.target_ids.sorted("priority_sequence"):
            priority = target.priority_id.ticket_priority
            count, rate, avg_response, avg_resolution, *_rest = per_priority.get(
                priority, (0, None, None, None, None, None)
            )
            commitments.append(
                {
                    "priority": target.priority_id.display_name,
                    "response_target": sla_math.format_minutes(target.response_minutes),
                    "resolution_target": sla_math.format_minutes(
                        target.resolution_minutes
                    ),
                    "tickets": count,
                    "compliance": rate if count else None,
                    "compliance_text": f"{rate:.1f}%" if count else "-",
                    "response": sla_math.format_minutes(avg_response)
                    if avg_response is not None
                    else None,
                    "resolution": sla_math.format_minutes(avg_resolution)
                    if avg_resolution is not None
                    else None,
                }
            )
        kpis = [
            self._sla_kpi(
                self.env._("SLA compliance rate"),
                compliance if tickets else None,
                "%",
                self.env._("above %(target)s%%", target=f"{COMPLIANCE_TARGET:g}"),
                compliance is not None and compliance >= COMPLIANCE_TARGET,
            ),
            self._sla_kpi(
                self.env._("Average response time"),
                response,
                "min",
                self.env._("below the SLA threshold"),
                None,
            ),
            self._sla_kpi(
                self.env._("Average resolution time"),
                resolution,
                "min",
                self.env._("below the SLA threshold"),
                None,
            ),
            self._sla_kpi(
                self.env._("First contact resolution"),
                first_contact,
                "%",
                self.env._("above %(target)s%%", target=f"{FIRST_CONTACT_TARGET:g}"),
                first_contact is not None and first_contact >= FIRST_CONTACT_TARGET,
            ),
            self._sla_kpi(
                self.env._("Reopened ticket rate"),
                reopened,
                "%",
                self.env._("below %(target)s%%", target=f"{REOPENED_TARGET:g}"),
                reopened is not None and reopened < REOPENED_TARGET,
            ),
        ]
        breaches = (
            self.env["sla.breach"]
            .sudo()
            .search(
                [
                    ("contract_id", "=", self.id),
                    ("breached_at", ">=", start),
                    ("breached_at", "<", end),
                ],
                order="breached_at",
            )
        )
        return {
            "period": self._sla_review_period_label(start, kind),
            "start": start,
            "end": end,
            "tickets": tickets,
            "commitments": commitments,
            "kpis": kpis,
            "breaches": breaches,
            "chart": self._sla_review_chart(end, kind),
        }

    def _sla_kpi(self, name, value, unit, target, met):
        if value is None:
            shown = "-"
        elif unit == "min":
            shown = sla_math.format_minutes(value)
        else:
            shown = f"{value:.1f}%"
        return {"name": name, "value": shown, "target": target, "met": met}

    def _sla_review_chart(self, end, kind):
        """Compliance of the last 12 periods up to ``end``, as an SVG data
        URI (one query)."""
        step = relativedelta(months=3 if kind == "quarter" else 1)
        first = end - step * CHART_PERIODS
        groups = (
            self.env["sla.ticket.report"]
            .sudo()
            ._read_group(
                [
                    ("contract_id", "=", self.id),
                    ("report_date", ">=", first),
                    ("report_date", "<", end),
                ],
                [f"report_date:{kind}"],
                ["compliance:avg"],
            )
        )
        by_period = {period_bounds(day, kind)[0]: rate for day, rate in groups if day}
        points = []
        for index in range(CHART_PERIODS):
            start = first + step * index
            label = (
                f"Q{(start.month - 1) // 3 + 1} {start:%y}"
                if kind == "quarter"
                else format_date(self.env, start, date_format="MMM yy")
            )
            points.append((label, by_period.get(start)))
        svg = compliance_chart(points, COMPLIANCE_TARGET)
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
