# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import threading
from collections import OrderedDict

from odoo import models, tools
from odoo.exceptions import UserError

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

    def _sla_work_calendar(self, company_id=None):
        """The calendar's engine for tickets of `company_id`, cached per
        calendar and company until its data changes."""
        self.ensure_one()
        return self._sla_work_calendar_cached(self.id, company_id or None)

    @tools.ormcache("calendar_id", "company_id")
    def _sla_work_calendar_cached(self, calendar_id, company_id):
        return self.browse(calendar_id)._sla_work_calendar_uncached(company_id)

    def _sla_calendar_problem(self, company_id=None):
        """Why clocks cannot run on this calendar, or False."""
        self.ensure_one()
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
        if self.two_weeks_calendar:
            raise UserError(
                self.env._(
                    "The working schedule '%(calendar)s' alternates two weeks; "
                    "two-week schedules are not supported for SLA clocks.",
                    calendar=self.display_name,
                )
            )
        if self.flexible_hours:
            raise UserError(
                self.env._(
                    "The working schedule '%(calendar)s' has flexible hours; "
                    "flexible schedules are not supported for SLA clocks.",
                    calendar=self.display_name,
                )
            )
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
        # Attendances are edited through their own model; of the calendar's
        # own fields only the time zone moves instants.
        if vals is not None and "tz" not in vals:
            return self.env["sla.clock"]
        return self.env["sla.clock"]._open_on_calendars(self)


class ResourceCalendarAttendance(models.Model):
    _name = "resource.calendar.attendance"
    _inherit = ["resource.calendar.attendance", "sla.cache.mixin"]

    def _sla_affected_clocks(self, vals=None):
        return self.env["sla.clock"]._open_on_calendars(self.calendar_id)


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
