# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import threading
from collections import OrderedDict

from odoo import Command, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..engine.worktime import WorkCalendar

# Engines keyed by the calendar content they were built from, so an edited
# attendance or leave can never be served stale (write_date alone does not
# move within one transaction), and identical calendars share one engine and
# its memoized days.
_ENGINES = OrderedDict()
_ENGINES_LOCK = threading.Lock()
_ENGINES_MAX = 128


class ResourceCalendar(models.Model):
    _name = "resource.calendar"
    _inherit = ["resource.calendar", "sla.cache.mixin"]

    sla_used = fields.Boolean(
        string="Used for SLA",
        copy=False,
        help="Listed under the SLA support hours. Set on the shipped support "
        "hours, and whenever an SLA tier or contract uses the schedule.",
    )
    sla_hours_per_week = fields.Float(
        string="Hours per Week",
        compute="_compute_sla_hours_per_week",
        help="Working hours in one week: a support week of this schedule.",
    )

    @api.depends(
        "attendance_ids.hour_from",
        "attendance_ids.hour_to",
        "attendance_ids.day_period",
        "attendance_ids.display_type",
        "two_weeks_calendar",
    )
    def _compute_sla_hours_per_week(self):
        for calendar in self:
            calendar.sla_hours_per_week = calendar._sla_hours_per_week()

    @api.constrains("two_weeks_calendar", "flexible_hours", "attendance_ids")
    def _check_sla_usable(self):
        self._sla_check_still_usable()

    def write(self, vals):
        # Lines replaced within one write are judged together by the
        # calendar's own constraint at its end, not one by one on the way.
        writing = set(self.env.context.get("sla_calendar_write_ids", ()))
        writing.update(self.ids)
        return super(
            ResourceCalendar, self.with_context(sla_calendar_write_ids=tuple(writing))
        ).write(vals)

    def switch_calendar_type(self):
        # Odoo empties the calendar before turning it into a two-week one:
        # refuse for what it becomes, not for the empty step in between.
        if not self.two_weeks_calendar:
            becomes = self.new({"two_weeks_calendar": True}, origin=self)
            self._sla_refuse_if_used(becomes._sla_unusable_reason())
        return super(
            ResourceCalendar, self.with_context(sla_calendar_write_ids=tuple(self.ids))
        ).switch_calendar_type()

    def _sla_unusable_reason(self, check_working_time=True):
        """Why SLA clocks cannot run on this calendar, as a message for a
        manager, or False when they can.

        The one place that knows which shapes the engine cannot measure, so
        that tiers, contracts, calendar edits and ticket intake say the same.
        """
        self.ensure_one()
        if self.two_weeks_calendar:
            return self.env._(
                "The working schedule '%(calendar)s' alternates two weeks; "
                "two-week schedules are not supported for SLA clocks.",
                calendar=self.display_name,
            )
        if self.flexible_hours:
            return self.env._(
                "The working schedule '%(calendar)s' has flexible hours; "
                "flexible schedules are not supported for SLA clocks.",
                calendar=self.display_name,
            )
        if check_working_time and not self._sla_has_working_time():
            return self.env._(
                "The working schedule '%(calendar)s' has no working hours, so "
                "no SLA deadline could ever fall due. Give it at least one "
                "working period (a day of the week with a start and an end "
                "time).",
                calendar=self.display_name,
            )
        return False

    def _sla_has_working_time(self):
        """At least one weekly working period that has not ended already.

        Counted as the engine counts: breaks, section lines and a single
        resource's own lines are not working time of the calendar.
        """
        self.ensure_one()
        today = fields.Date.context_today(self)
        return any(
            attendance.hour_to > attendance.hour_from
            and not (attendance.date_to and attendance.date_to < today)
            for attendance in self.attendance_ids
            if not attendance.resource_id
            and not attendance.display_type
            and attendance.day_period != "lunch"
        )

    def _sla_hours_per_week(self):
        """Working hours in one week: the length of a "support week".

        The same lines as Odoo's ``hours_per_day`` (no dated lines), so that
        a week and a day of one calendar agree.
        """
        self.ensure_one()
        hours = sum(
            attendance.hour_to - attendance.hour_from
            for attendance in self._get_global_attendances()
        )
        return hours / 2 if self.two_weeks_calendar else hours

    def _sla_mark_used(self):
        """Flag these calendars as SLA support hours, once."""
        # sudo: SLA managers set support hours on tiers and contracts without
        # rights on working schedules.
        self.sudo().filtered(lambda c: not c.sla_used).sla_used = True

    @api.model
    def _sla_mark_used_by_tiers_and_contracts(self):
        """Flag every calendar a tier or an SLA contract uses."""
        tiers = self.env["sla.tier"].sudo().with_context(active_test=False)
        contracts = self.env["contract.contract"].sudo().with_context(active_test=False)
        (
            tiers.search([("calendar_id", "!=", False)]).calendar_id
            | contracts.search([("sla_tier_id", "!=", False)]).sla_calendar_id
        )._sla_mark_used()

    def _sla_users(self):
        """Active tiers and SLA contracts whose support hours this is."""
        # sudo: whoever edits a working schedule (an HR officer, say) must be
        # told what it would break, even without rights on contracts.
        tiers = self.env["sla.tier"].sudo().search([("calendar_id", "in", self.ids)])
        contracts = (
            self.env["contract.contract"]
            .sudo()
            .search(
                [
                    ("sla_tier_id", "!=", False),
                    ("sla_calendar_id", "in", self.ids),
                ]
            )
        )
        return tiers, contracts

    def _sla_not_being_written(self):
        """These calendars but those whose own write is under way: such a
        calendar judges and reschedules itself once its write is done."""
        writing = self.env.context.get("sla_calendar_write_ids", ())
        return self.filtered(lambda c: c.id not in writing)

    def _sla_check_without(self, attendances):
        """Refuse, before it happens, taking `attendances` out of these
        calendars when that leaves one in use unusable.

        Judged beforehand because taking lines out reschedules the open
        clocks on the calendar, which a calendar without working time cannot
        do.
        """
        for calendar in self._sla_not_being_written():
            remaining = calendar.attendance_ids - attendances
            after = calendar.new(
                {"attendance_ids": [Command.set(remaining.ids)]}, origin=calendar
            )
            reason = after._sla_unusable_reason()
            if reason:
                calendar._sla_refuse_if_used(reason)

    def _sla_check_still_usable(self):
        """Refuse an edit that leaves a calendar in use unusable for SLAs."""
        for calendar in self:
            reason = calendar._sla_unusable_reason()
            if reason:
                calendar._sla_refuse_if_used(reason)

    def _sla_refuse_if_used(self, reason):
        self.ensure_one()
        tiers, contracts = self._sla_users()
        if tiers or contracts:
            users = [
                self.env._("SLA tier %(tier)s", tier=tier.display_name)
                for tier in tiers
            ] + [
                self.env._("contract %(contract)s", contract=contract.display_name)
                for contract in contracts
            ]
            raise ValidationError(
                self.env._(
                    "%(reason)s\nIt gives the support hours of %(users)s: change "
                    "their support hours first, or copy this schedule and edit "
                    "the copy.",
                    reason=reason,
                    users=", ".join(users),
                )
            )

    def _sla_work_calendar(self, company_id=None):
        """The calendar's engine for tickets of `company_id`, cached per
        calendar and company until its data changes."""
        self.ensure_one()
        # The engine is shared by every user once cached: build it as
        # superuser, or whether a portal user can read his own clocks would
        # depend on who warmed the cache.
        return self.sudo()._sla_work_calendar_cached(self.id, company_id or None)

    @tools.ormcache("calendar_id", "company_id")
    def _sla_work_calendar_cached(self, calendar_id, company_id):
        return self.browse(calendar_id)._sla_work_calendar_uncached(company_id)

    def _sla_calendar_problem(self, company_id=None):
        """Why clocks cannot run on this calendar, or False; asked on every
        ticket intake, so cached like the engine."""
        self.ensure_one()
        return self._sla_calendar_problem_cached(
            self.id, company_id or None, self.env.lang
        )

    @tools.ormcache("calendar_id", "company_id", "lang")
    def _sla_calendar_problem_cached(self, calendar_id, company_id, lang):
        return (
            self.browse(calendar_id)
            .with_context(lang=lang)
            ._sla_calendar_problem_uncached(company_id)
        )

    def _sla_calendar_problem_uncached(self, company_id):
        reason = self._sla_unusable_reason()
        if reason:
            return reason
        try:
            engine = self._sla_work_calendar(company_id)
        except (UserError, ValueError) as exc:
            return str(exc.args[0] if exc.args else exc)
        if not engine.has_working_time:
            return self.env._(
                "The working schedule '%(calendar)s' has no working hours.",
                calendar=self.display_name,
            )
        return False

    def _sla_work_calendar_uncached(self, company_id=None):
        """Working-time engine answering like ``plan_hours`` and
        ``get_work_hours_count`` with ``compute_leaves=True`` and no resource.

        Time off counted is the global one: leaves of type "Time Off" without
        resource, on this calendar or on no calendar. A holiday on no calendar
        counts when it belongs to no company or to the calendar's company;
        for a calendar shared between companies, to the ticket's company
        (`company_id`).
        """
        self.ensure_one()
        # Without working time the engine still measures (zero minutes); only
        # planning a deadline on it fails, which _sla_calendar_problem reports.
        reason = self._sla_unusable_reason(check_working_time=False)
        if reason:
            raise UserError(reason)
        key = self._sla_work_calendar_key(self.company_id.id or company_id)
        with _ENGINES_LOCK:
            engine = _ENGINES.get(key)
            if engine is not None:
                _ENGINES.move_to_end(key)
                return engine
        tz, attendances, leaves = key
        engine = WorkCalendar(tz=tz, attendances=attendances, leaves=leaves)
        with _ENGINES_LOCK:
            engine = _ENGINES.setdefault(key, engine)
            while len(_ENGINES) > _ENGINES_MAX:
                _ENGINES.popitem(last=False)
        return engine

    def _sla_work_calendar_key(self, company_id=None):
        """The data the engine is built from, read fresh with two queries."""
        self.env["resource.calendar.attendance"].flush_model(
            [
                "calendar_id",
                "dayofweek",
                "hour_from",
                "hour_to",
                "date_from",
                "date_to",
                "day_period",
                "display_type",
                "resource_id",
            ]
        )
        self.env["resource.calendar.leaves"].flush_model(
            [
                "calendar_id",
                "company_id",
                "resource_id",
                "time_type",
                "date_from",
                "date_to",
            ]
        )
        cr = self.env.cr
        # Lunch lines are breaks, not work (as _attendance_intervals_batch).
        cr.execute(
            """
            SELECT dayofweek::int, hour_from, hour_to, date_from, date_to
              FROM resource_calendar_attendance
             WHERE calendar_id = %s
               AND resource_id IS NULL
               AND display_type IS NULL
               AND day_period IS DISTINCT FROM 'lunch'
          ORDER BY dayofweek, hour_from, hour_to, date_from, date_to
            """,
            [self.id],
        )
        attendances = tuple(cr.fetchall())
        # Naive UTC bounds, which the engine reads as UTC.
        cr.execute(
            """
            SELECT date_from, date_to
              FROM resource_calendar_leaves
             WHERE resource_id IS NULL
               AND time_type = 'leave'
               AND (calendar_id = %s
                    OR (calendar_id IS NULL
                        AND (%s IS NULL OR company_id IS NULL OR company_id = %s)))
          ORDER BY date_from, date_to
            """,
            [self.id, company_id or None, company_id or None],
        )
        leaves = tuple(cr.fetchall())
        return (self.tz or "UTC", attendances, leaves)

    def _sla_affected_clocks(self, vals=None):
        # Of the calendar's own fields only the time zone moves instants;
        # lines edited through the calendar are followed once, after the
        # whole write, not line by line through a half-edited calendar.
        if vals is not None and not {"tz", "attendance_ids"} & set(vals):
            return self.env["sla.clock"]
        return self.env["sla.clock"]._open_on_calendars(self)


class ResourceCalendarAttendance(models.Model):
    _name = "resource.calendar.attendance"
    _inherit = ["resource.calendar.attendance", "sla.cache.mixin"]

    @api.constrains(
        "calendar_id",
        "hour_from",
        "hour_to",
        "day_period",
        "display_type",
        "resource_id",
        "date_from",
        "date_to",
    )
    def _check_sla_calendar_usable(self):
        self.calendar_id._sla_not_being_written()._sla_check_still_usable()

    def write(self, vals):
        if "calendar_id" in vals:
            # Lines moved to another calendar may leave their old one empty.
            moved_to = self.calendar_id.browse(vals["calendar_id"])
            (self.calendar_id - moved_to)._sla_check_without(self)
        return super().write(vals)

    def unlink(self):
        self.calendar_id._sla_check_without(self)
        return super().unlink()

    def _sla_affected_clocks(self, vals=None):
        calendars = self.calendar_id._sla_not_being_written()
        return self.env["sla.clock"]._open_on_calendars(calendars)


class ResourceCalendarLeaves(models.Model):
    _name = "resource.calendar.leaves"
    _inherit = ["resource.calendar.leaves", "sla.cache.mixin"]

    def _sla_feeds_cache(self):
        # Only time off without a resource (public holidays) moves SLA
        # deadlines; an employee's leave must not flush every worker's caches.
        return any(not leave.resource_id for leave in self)

    def _sla_affected_clocks(self, vals=None):
        """Open clocks follow a holiday added, moved or removed while they
        run: those on its calendar, or, for a holiday on no calendar, those
        of its company (every company's when it has none)."""
        holidays = self.filtered(lambda leave: not leave.resource_id)
        Clock = self.env["sla.clock"]
        clocks = Clock._open_on_calendars(holidays.calendar_id)
        shared = holidays.filtered(lambda leave: not leave.calendar_id)
        if shared:
            companies = None if not all(shared.company_id) else shared.company_id.ids
            clocks |= Clock._open_on_calendars(None, companies)
        return clocks
