import re
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools.misc import format_date

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


# OCA contract's invoicing markers in a line's description, with the word
# that leads to them ("Support from #START# to #END#").
START_MARKER = re.compile(r"\s*(?:\b(?:from|since)\b)?\s*#START#", re.IGNORECASE)
END_MARKER = re.compile(
    r"\s*(?:\b(?:to|until|till)\b|[-\u2013])?\s*#END#", re.IGNORECASE
)
MONTH_MARKER = re.compile(r"\s*\(?#INVOICEMONTHNAME#\)?")
ANY_MARKER = re.compile(r"#[A-Z]+#")


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
        cadences = dict(
            self._fields["sla_review_cadence"]._description_selection(self.env)
        )
        guarantee = tier.uptime_guarantee
        return {
            "support_hours": self._sla_support_hours_text(),
            "targets": self._sla_commitments(),
            "units_note": self._sla_units_note(),
            "uptime": (
                lang_format.localize(self.env, sla_math.format_number(guarantee)) + "%"
                if guarantee
                else ""
            ),
            "uptime_places": sla_math.rate_places(guarantee),
            "review_cadence": cadences.get(self.sla_review_cadence, "-"),
            "term": self._sla_term_text(),
            "prices": [
                {"line": line, "name": self._sla_agreement_line_name(line)}
                for line in self.contract_line_ids.filtered(
                    lambda line: not line.display_type
                )
            ],
        }

    def _sla_duration_text(self, value, unit):
        """A target as it was sold: "15 minutes", "4 hours", "1 day", "3
        days", never the business minutes it counts as."""
        number = sla_math.format_number(value)
        one = number == "1"
        env = self.env
        if unit == sla_math.UNIT_MINUTES:
            return (
                env._("1 minute") if one else env._("%(number)s minutes", number=number)
            )
        if unit == sla_math.UNIT_HOURS:
            return env._("1 hour") if one else env._("%(number)s hours", number=number)
        if unit == sla_math.UNIT_DAYS:
            return env._("1 day") if one else env._("%(number)s days", number=number)
        if unit == sla_math.UNIT_WEEKS:
            return env._("1 week") if one else env._("%(number)s weeks", number=number)
        return f"{number} {unit}"

    def _sla_commitments(self):
        """The tier's targets per priority in the units they were sold in:
        what the agreement, the service review and the customer's portal
        state (one home, read by all three)."""
        self.ensure_one()
        tier = self.sudo().sla_tier_id
        # The priority's name is the selection's label ("P1 - Critical"): one
        # vocabulary for every screen and document, translated with it.
        labels = dict(
            self.env["sla.priority"]
            ._fields["ticket_priority"]
            ._description_selection(self.env)
        )
        return [
            {
                "priority": labels.get(
                    target.priority_id.ticket_priority,
                    target.priority_id.display_name,
                ),
                "ticket_priority": target.priority_id.ticket_priority,
                "definition": target.priority_id.definition or "",
                "response": self._sla_duration_text(
                    target.response_value, target.response_unit
                ),
                "resolution": self._sla_duration_text(
                    target.resolution_value, target.resolution_unit
                ),
                "response_minutes": target.response_minutes,
                "resolution_minutes": target.resolution_minutes,
            }
            for target in tier.target_ids.sorted("priority_sequence")
        ]

    def _sla_units_note(self):
        """What a day or a week of a target is, when a target counts in days
        or weeks: its length in support hours of the tier's calendar."""
        self.ensure_one()
        tier = self.sudo().sla_tier_id
        units = set(tier.target_ids.mapped("response_unit")) | set(
            tier.target_ids.mapped("resolution_unit")
        )
        calendar = tier.calendar_id
        notes = []
        if sla_math.UNIT_DAYS in units and calendar.hours_per_day:
            notes.append(
                self.env._(
                    "A day is a day of support hours (%(hours)s h).",
                    hours=sla_math.format_number(calendar.hours_per_day),
                )
            )
        if sla_math.UNIT_WEEKS in units and calendar.sla_hours_per_week:
            notes.append(
                self.env._(
                    "A week is a week of support hours (%(hours)s h).",
                    hours=sla_math.format_number(calendar.sla_hours_per_week),
                )
            )
        return " ".join(notes)

    def _sla_support_hours_text(self):
        """The support hours as the agreement states them. Public holidays
        are mentioned only when the calendar has some from the contract's
        start on: a round-the-clock calendar without them is every day of
        the year."""
        self.ensure_one()
        contract = self.sudo()
        calendar = contract.sla_calendar_id or contract.sla_tier_id.calendar_id
        if not calendar:
            return "-"
        _tz, _attendances, leaves = calendar._sla_work_calendar_key(
            contract.company_id.id
        )
        since = contract.date_start or date.min
        holidays = any(end.date() >= since for _start, end in leaves)
        round_the_clock = calendar.sla_hours_per_week >= 7 * 24
        if round_the_clock and not holidays:
            return self.env._(
                "around the clock, every day of the year (%(calendar)s).",
                calendar=calendar.name,
            )
        if round_the_clock:
            return self.env._(
                "around the clock, every day (%(calendar)s), except public holidays.",
                calendar=calendar.name,
            )
        if holidays:
            return self.env._(
                "%(calendar)s, %(tz)s time, except public holidays.",
                calendar=calendar.name,
                tz=calendar.tz or "UTC",
            )
        return self.env._(
            "%(calendar)s, %(tz)s time.",
            calendar=calendar.name,
            tz=calendar.tz or "UTC",
        )

    def _sla_term_text(self):
        """The term as the agreement states it, from the contract's dates."""
        self.ensure_one()
        lang = self.partner_id.lang or self.env.lang
        start = format_date(
            self.env, self.date_start, lang_code=lang, date_format="long"
        )
        if not self.date_end:
            return self.env._(
                "From %(start)s, with no end date: the agreement runs until "
                "it is terminated.",
                start=start,
            )
        end = format_date(self.env, self.date_end, lang_code=lang, date_format="long")
        span = relativedelta(self.date_end + relativedelta(days=1), self.date_start)
        months = span.years * 12 + span.months
        if months and not span.days:
            length = (
                self.env._("1 month")
                if months == 1
                else self.env._("%(months)s months", months=months)
            )
        else:
            length = self.env._(
                "%(days)s days", days=(self.date_end - self.date_start).days + 1
            )
        return self.env._(
            "From %(start)s to %(end)s (%(length)s), renewed for the same term "
            "unless it is terminated.",
            start=start,
            end=end,
            length=length,
        )

    def _sla_agreement_line_name(self, line):
        """A contract line's description for the agreement: its invoicing
        markers filled from the line's own dates (#START#, #END#), or dropped
        with the word leading to them when the line has no such date; the
        invoice's month (#INVOICEMONTHNAME#) means nothing here."""
        name = line.name or ""
        if not line.date_end:
            name = END_MARKER.sub("", name)
        if not line.date_start:
            name = START_MARKER.sub("", name)
        lang = self.partner_id.lang or self.env.lang
        for marker, day in (("#START#", line.date_start), ("#END#", line.date_end)):
            if day:
                name = name.replace(
                    marker,
                    format_date(self.env, day, lang_code=lang, date_format="long"),
                )
        name = MONTH_MARKER.sub("", name)
        return " ".join(ANY_MARKER.sub("", name).split())
