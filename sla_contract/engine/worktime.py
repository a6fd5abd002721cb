# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Working-time arithmetic for SLA clocks.

``WorkCalendar`` answers the two questions an SLA clock asks over and over:
"when does the deadline fall, ``n`` business minutes after this instant?" and
"how many business minutes lie between these two instants?". The answers are
the ones ``resource.calendar.plan_hours`` and
``resource.calendar.get_work_hours_count`` give with ``compute_leaves=True``
and no resource, but without touching the database and without rebuilding
interval lists on every call.

The module imports only the standard library and pytz, so it can be used (and
tested) outside an Odoo registry.

Internally every instant is an integer number of microseconds since the Unix
epoch (UTC), which keeps the arithmetic exact.
"""

import math
from bisect import bisect_right
from datetime import date, datetime, time, timedelta

import pytz

__all__ = ["WorkCalendar", "float_to_time"]

_EPOCH_AWARE = datetime(1970, 1, 1, tzinfo=pytz.utc)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH_NAIVE.toordinal()
_ONE_US = timedelta(microseconds=1)
US_PER_MINUTE = 60_000_000
_US_PER_DAY = 86_400_000_000
# UTC offsets stay within -12h..+14h, so the work of a local date always lies
# within one day either side of the matching UTC date.
_DAY_SLACK = 1
# Bound on memoized dates; a clock spanning decades is not a realistic use.
_MAX_MEMO_DAYS = 20_000


def _half_up(value):
    # Same tie-breaking as odoo.tools.float_round(value, precision_digits=0).
    if value == 0:
        return 0
    epsilon = 2 ** (math.log2(abs(value)) - 50)
    return round(value + math.copysign(epsilon, value))


def float_to_time(hours):
    """Split float hours the way resource's ``float_to_time`` does.

    Returns ``(time, extra_us)``. Odoo turns 24.0 into ``time.max``
    (23:59:59.999999); the extra microsecond makes such an interval end on the
    next midnight, so round-the-clock days join up without a 1 µs gap.
    Minutes are rounded half-up and seconds dropped, as Odoo does.
    """
    if hours == 24.0:
        return time.max, 1
    if not 0.0 <= hours < 24.0:
        raise ValueError(f"hour out of range [0, 24]: {hours!r}")
    fractional, integral = math.modf(hours)
    hour, minute = int(integral), int(_half_up(60 * fractional))
    if minute == 60:
        # Odoo would crash building time(h, 60); carry into the next hour.
        hour, minute = hour + 1, 0
        if hour == 24:
            return time.max, 1
    return time(hour, minute), 0


def _to_us(dt):
    """Microseconds since the epoch; a naive datetime is taken as UTC."""
    if dt.tzinfo is None:
        return (dt - _EPOCH_NAIVE) // _ONE_US
    return (dt - _EPOCH_AWARE) // _ONE_US


def _from_us(value):
    return _EPOCH_AWARE + timedelta(microseconds=value)


def _ordinal(value):
    """Proleptic ordinal of the UTC date holding ``value`` (µs)."""
    return value // _US_PER_DAY + _EPOCH_ORDINAL


class WorkCalendar:
    """Weekly working hours in a time zone, minus absolute leave periods.

    :param tz: time zone name (or a pytz time zone) of the attendances.
    :param attendances: iterable of ``(weekday, hour_from, hour_to)`` with
        weekday 0 = Monday and float local hours (``hour_to`` may be 24.0).
        Two optional trailing items ``date_from`` and ``date_to`` (``date`` or
        ``None``) restrict the line to a validity period, as on
        ``resource.calendar.attendance``.
    :param leaves: iterable of ``(start, end)`` datetimes removed from working
        time; aware, or naive meaning UTC.
    :param horizon_days: searching forward gives up with ``ValueError`` after
        this many consecutive days without any working time.
    """

    def __init__(self, tz="UTC", attendances=(), leaves=(), horizon_days=732):
        self.tz = pytz.timezone(tz) if isinstance(tz, str) else tz
        # Local wall-clock times are mapped to instants with localize() and
        # its default is_dst=False, exactly as _attendance_intervals_batch.
        localize = getattr(self.tz, "localize", None)
        self._localize = localize or (lambda naive: naive.replace(tzinfo=self.tz))
        self.horizon_days = horizon_days

        per_weekday = [[] for _dummy in range(7)]
        for line in attendances:
            weekday, hour_from, hour_to = line[:3]
            date_from = line[3] if len(line) > 3 else None
            date_to = line[4] if len(line) > 4 else None
            weekday = int(weekday)
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday out of range [0, 6]: {weekday!r}")
            t_from, extra_from = float_to_time(float(hour_from))
            t_to, extra_to = float_to_time(float(hour_to))
            # Reversed lines are kept: like Odoo, drop what localizes empty.
            per_weekday[weekday].append(
                (t_from, extra_from, t_to, extra_to, date_from or None, date_to or None)
            )
        self._weekdays = tuple(
            tuple(sorted(lines, key=lambda x: (x[0], x[1]))) for lines in per_weekday
        )
        self._has_attendance = any(
            (line[0], line[1]) < (line[2], line[3])
            for lines in self._weekdays
            for line in lines
        )

        spans = sorted(
            (start, stop)
            for start, stop in ((_to_us(a), _to_us(b)) for a, b in leaves)
            if start < stop
        )
        merged = []
        for start, stop in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], stop)
            else:
                merged.append([start, stop])
        self._leave_starts = [start for start, _stop in merged]
        self._leave_ends = [stop for _start, stop in merged]
        # ordinal of a local date -> tuple of (start_us, stop_us), leaves removed
        self._days = {}

    def __repr__(self):
        return (
            f"<WorkCalendar tz={self.tz.zone if hasattr(self.tz, 'zone') else self.tz}"
            f" lines={sum(map(len, self._weekdays))} leaves={len(self._leave_starts)}>"
        )

    # -- building blocks ---------------------------------------------------

    def _day(self, ordinal):
        """Working spans of one local date as sorted UTC microsecond pairs."""
        spans = self._days.get(ordinal)
        if spans is not None:
            return spans
        day = date.fromordinal(ordinal)
        combine, localize = datetime.combine, self._localize
        found = []
        for t_from, extra_from, t_to, extra_to, date_from, date_to in self._weekdays[
            day.weekday()
        ]:
            if (date_from and day < date_from) or (date_to and date_to < day):
                continue
            start = _to_us(localize(combine(day, t_from))) + extra_from
            stop = _to_us(localize(combine(day, t_to))) + extra_to
            # A line inside a spring-forward gap can localize backwards;
            # Odoo drops such empty intervals, so do we.
            if start < stop:
                found.append((start, stop))
        found.sort()
        if found and self._leave_starts:
            found = self._subtract_leaves(found)
        if len(self._days) >= _MAX_MEMO_DAYS:
            self._days.clear()
        spans = self._days[ordinal] = tuple(found)
        return spans

    def _subtract_leaves(self, spans):
        leave_starts, leave_ends = self._leave_starts, self._leave_ends
        count = len(leave_starts)
        result = []
        for span_start, stop in spans:
            start = span_start
            # first leave ending after the span starts
            index = bisect_right(leave_ends, start)
            while index < count and leave_starts[index] < stop:
                if leave_starts[index] > start:
                    result.append((start, leave_starts[index]))
                start = max(start, leave_ends[index])
                index += 1
            if start < stop:
                result.append((start, stop))
        return result

    def _add(self, cursor, remaining):
        if not self._has_attendance:
            raise ValueError("The calendar has no working time.")
        day = self._day
        ordinal = _ordinal(cursor) - _DAY_SLACK
        last_work = ordinal
        while True:
            for span_start, stop in day(ordinal):
                if stop <= cursor:
                    continue
                start = span_start if span_start > cursor else cursor
                length = stop - start
                # '<=' so that an amount filling a span ends on that span's
                # end rather than on the next span's start (as plan_hours).
                if remaining <= length:
                    return start + remaining
                remaining -= length
                cursor = stop
                last_work = ordinal
            ordinal += 1
            if ordinal - last_work > self.horizon_days:
                raise ValueError(f"No working time within {self.horizon_days} days.")

    def _between(self, cursor, end):
        total = 0
        if end <= cursor:
            return total
        day = self._day
        for ordinal in range(
            _ordinal(cursor) - _DAY_SLACK, _ordinal(end - 1) + _DAY_SLACK + 1
        ):
            for span_start, span_stop in day(ordinal):
                if span_stop <= cursor:
                    continue
                if span_start >= end:
                    break
                start = span_start if span_start > cursor else cursor
                stop = span_stop if span_stop < end else end
                total += stop - start
                # moving the cursor keeps overlapping spans from counting twice
                cursor = stop
        return total

    # -- public API ----------------------------------------------------------

    @property
    def has_working_time(self):
        """False when no weekday has any working hours: nothing can be planned."""
        return self._has_attendance

    def add_minutes(self, start, minutes):
        """Instant ``minutes`` business minutes after ``start`` (aware UTC).

        ``0`` gives the next working instant. Raises ``ValueError`` for a
        negative amount or when no working time can be found.
        """
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        return _from_us(self._add(_to_us(start), round(minutes * US_PER_MINUTE)))

    def minutes_between(self, start, end):
        """Business minutes in ``[start, end)``; 0 when ``end <= start``."""
        return self._between(_to_us(start), _to_us(end)) / US_PER_MINUTE

    def next_work_instant(self, dt):
        """``dt`` itself when working, else the start of the next working span."""
        return _from_us(self._add(_to_us(dt), 0))

    def is_working(self, dt):
        value = _to_us(dt)
        base = _ordinal(value)
        for ordinal in range(base - _DAY_SLACK, base + _DAY_SLACK + 1):
            for start, stop in self._day(ordinal):
                if start <= value < stop:
                    return True
        return False

    def work_intervals(self, start, end):
        """Working spans clipped to ``[start, end)`` as aware UTC pairs."""
        cursor, end = _to_us(start), _to_us(end)
        result = []
        if end <= cursor:
            return result
        for ordinal in range(
            _ordinal(cursor) - _DAY_SLACK, _ordinal(end - 1) + _DAY_SLACK + 1
        ):
            for span_start, span_stop in self._day(ordinal):
                if span_stop <= cursor:
                    continue
                if span_start >= end:
                    break
                start, stop = max(span_start, cursor), min(span_stop, end)
                if result and result[-1][1] == start:
                    # adjacent spans (midnight on a 24/7 calendar) read as one
                    result[-1][1] = stop
                else:
                    result.append([start, stop])
                cursor = stop
        return [(_from_us(a), _from_us(b)) for a, b in result]
