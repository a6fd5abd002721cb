import base64
import logging
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools.misc import format_date

from ..engine import sla_math
from ..engine.svg_chart import compliance_chart
from ..tools import lang_format

# The seed's KPI targets (percent) for the service review.
COMPLIANCE_TARGET = 95.0
FIRST_CONTACT_TARGET = 70.0
REOPENED_TARGET = 5.0
CHART_PERIODS = 12

_logger = logging.getLogger(__name__)


def period_bounds(start, kind):
    """First day of the period holding ``start`` and of the next one."""
    if kind == "quarter":
        first = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
        return first, first + relativedelta(months=3)
    first = date(start.year, start.month, 1)
    return first, first + relativedelta(months=1)


REVIEW_CADENCES = [
    ("weekly", "Weekly operational"),
    ("monthly", "Monthly tactical"),
    ("quarterly", "Quarterly strategic"),
]
# The tier's reporting promise sets the default meeting rhythm.
CADENCE_OF_REPORTING = {
    "realtime_dashboard": "weekly",
    "weekly_report": "weekly",
    "monthly_report": "monthly",
    "quarterly_report": "quarterly",
}
CADENCE_STEP = {
    "weekly": relativedelta(weeks=1),
    "monthly": relativedelta(months=1),
    "quarterly": relativedelta(months=3),
}


def review_period(day, cadence):
    """The period a review meeting on ``day`` looks back on: the month so far
    for a weekly meeting, the last full month or quarter otherwise."""
    if cadence == "weekly":
        return (*period_bounds(day - relativedelta(days=1), "month"), "month")
    kind = "quarter" if cadence == "quarterly" else "month"
    step = relativedelta(months=3 if kind == "quarter" else 1)
    start = period_bounds(day, kind)[0] - step
    return start, start + step, kind


def format_target(number, env=None):
    """A target as people write it: 95, 99.9 (99,9 in ``env``'s language
    when given)."""
    text = f"{number:g}"
    return lang_format.localize(env, text) if env is not None else text


# The service review is its own concern, kept out of the contract's SLA terms.
class ContractContract(models.Model):
    _inherit = "contract.contract"  # pylint: disable=consider-merging-classes-inherited

    sla_review_cadence = fields.Selection(
        REVIEW_CADENCES,
        string="Review Meetings",
        compute="_compute_sla_review_cadence",
        store=True,
        readonly=False,
        tracking=True,
        help="How often the account manager meets the customer to review the "
        "service; each meeting is planned as an activity with its service "
        "review attached.",
    )
    sla_next_review_date = fields.Date(string="Next Review", tracking=True, copy=False)

    @api.depends("sla_tier_id.reporting_cadence")
    def _compute_sla_review_cadence(self):
        for contract in self:
            contract.sla_review_cadence = CADENCE_OF_REPORTING.get(
                contract.sla_tier_id.reporting_cadence
            )

    def _sla_review_period_label(self, start, kind):
        if kind == "quarter":
            # "2026 Q3", "2026 T3": the reader's abbreviation of a quarter
            return format_date(self.env, start, date_format="y QQQ")
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
        # An average over no value (no ticket answered yet) reads False.
        per_priority = {
            priority: [None if value is False else value for value in rest]
            for priority, *rest in report._read_group(domain, ["priority"], measures)
        }
        [totals] = report._read_group(domain, [], measures)
        tickets, compliance, response, resolution, first_contact, reopened = (
            None if value is False else value for value in totals
        )
        commitments = []
        for row in self._sla_commitments():
            count, rate, avg_response, avg_resolution, *_rest = per_priority.get(
                row["ticket_priority"], (0, None, None, None, None, None)
            )
            commitments.append(
                {
                    "priority": row["priority"],
                    "response_target": row["response"],
                    "resolution_target": row["resolution"],
                    "tickets": count,
                    "compliance": rate if count else None,
                    "compliance_text": f"{lang_format.rate(self.env, rate)}%"
                    if count
                    else "-",
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
                self.env._(
                    "above %(target)s%%",
                    target=format_target(COMPLIANCE_TARGET, self.env),
                ),
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
                self.env._(
                    "above %(target)s%%",
                    target=format_target(FIRST_CONTACT_TARGET, self.env),
                ),
                first_contact is not None and first_contact >= FIRST_CONTACT_TARGET,
            ),
            self._sla_kpi(
                self.env._("Reopened ticket rate"),
                reopened,
                "%",
                self.env._(
                    "below %(target)s%%",
                    target=format_target(REOPENED_TARGET, self.env),
                ),
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
            "late": {breach.id: self._sla_late_text(breach) for breach in breaches},
            "chart": self._sla_review_chart(end, kind),
        }

    def _sla_review_for_customer(self):
        """Whether the review being built is the customer's own copy, which
        shows only what his portal shows (set by the report, see
        report.sla_contract.report_sla_service_review)."""
        return bool(self.env.context.get("sla_review_for_customer"))

    def _sla_late_minutes(self, breach):
        """Business minutes a breached target was missed by: up to now while
        its clock still counts, up to its stop once stopped."""
        clock = breach.sudo().clock_id
        if clock.stopped_at:
            return breach.overdue_minutes
        return max(0.0, -clock.remaining_minutes)

    def _sla_late_text(self, breach):
        """How late a breach is, in words: never "0 min" for a target missed
        by seconds."""
        minutes = sla_math.late_minutes(self._sla_late_minutes(breach))
        if not minutes:
            return self.env._("less than a minute")
        return sla_math.format_minutes(minutes)

    def _sla_kpi(self, name, value, unit, target, met, *, places=2):
        """A KPI row; with no value there is nothing to meet or miss. A rate
        prints cut at ``places`` decimals (see sla_math.rate_places)."""
        if value is None:
            shown, met = "-", None
        elif unit == "min":
            shown = sla_math.format_minutes(value)
        else:
            shown = f"{lang_format.rate(self.env, value, places)}%"
        # `figure`: the number behind the text, for whoever checks figures
        return {
            "name": name,
            "value": shown,
            "figure": value,
            "target": target,
            "met": met,
        }

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
                format_date(self.env, start, date_format="QQQ yy")
                if kind == "quarter"
                else format_date(self.env, start, date_format="MMM yy")
            )
            points.append((label, by_period.get(start)))
        svg = compliance_chart(
            points,
            COMPLIANCE_TARGET,
            self.env._("target %(target)s%%", target=format_target(COMPLIANCE_TARGET)),
        )
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()

    @api.model
    def _cron_sla_review_meetings(self):
        """Plan each due review meeting as an activity for the account manager,
        the period's service review attached, then move the next date on.
        Safe to re-run: a contract's date moves with its activity."""
        today = fields.Date.context_today(self)
        contracts = self.sudo().search(
            [
                ("sla_tier_id", "!=", False),
                ("sla_review_cadence", "!=", False),
                ("sla_next_review_date", "<=", today),
            ],
            limit=500,
        )
        for contract in contracts:
            try:
                with self.env.cr.savepoint():
                    contract._sla_plan_review_meeting()
            except Exception:
                # One contract's failure must not stop the others' meetings.
                _logger.exception(
                    "SLA review meeting of %s could not be planned",
                    contract.display_name,
                )

    def _sla_plan_review_meeting(self):
        self.ensure_one()
        meeting_day = self.sla_next_review_date
        start, _end, kind = review_period(meeting_day, self.sla_review_cadence)
        report = self.env["ir.actions.report"].sudo()
        # Without wkhtmltopdf on the server, the meeting still gets its review.
        render = (
            report._render_qweb_pdf
            if report.get_wkhtmltopdf_state() == "ok"
            else report._render_qweb_html
        )
        content, report_type = render(
            "sla_contract.report_sla_service_review",
            self.ids,
            data={"start": fields.Date.to_string(start), "kind": kind},
        )
        label = self._sla_review_period_label(start, kind)
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"Service review {self.name} {label}.{report_type}",
                    "raw": content,
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        cadence = dict(
            self._fields["sla_review_cadence"]._description_selection(self.env)
        )
        self.activity_schedule(
            "mail.mail_activity_data_meeting",
            date_deadline=meeting_day,
            summary=self.env._(
                "%(cadence)s review: %(period)s",
                cadence=cadence[self.sla_review_cadence],
                period=label,
            ),
            note=self.env._(
                "Review the service with the customer; the service review of "
                "%(period)s is attached.",
                period=label,
            ),
            user_id=(self.sla_account_manager_id or self.user_id or self.env.user).id,
            attachment_ids=[(4, attachment.id)],
        )
        self.sla_next_review_date = meeting_day + CADENCE_STEP[self.sla_review_cadence]
