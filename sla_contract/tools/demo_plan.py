"""A year of service desk life, planned ahead, for the demo.

Who writes in and when (office hours, evenings, weekends and public
holidays, a busier autumn), about what, at which priority, and how each
ticket goes: picked up and answered by the agent on shift within the support
hours the customer pays for, sometimes late; waiting on the customer; updated,
solved, sometimes reopened or cancelled as a duplicate; rated. Outages and
planned maintenance of the monitored services, with the P1 tickets they
cause. The tickets still open when the demo is installed cover every urgency
of the queue.

Pure: a seed, the instant of installation, the customers' working-time
engines and targets in; tickets with their timed steps out. Instants are
naive UTC to the second. Nothing here reads the database or the clock;
sla.demo.data plays the plan on the real models, so that every clock, cycle,
breach, escalation and credit is what the live code makes of it.
"""

import math
import random
from collections import namedtuple
from datetime import date, datetime, time, timedelta

import pytz
from dateutil.easter import easter
from dateutil.relativedelta import relativedelta

SEED = 20261203
TZ = pytz.timezone("Europe/Brussels")
MONTHS = 12

# What a step does (Step.kind) and what it carries (Step.data).
CREATE = "create"  # the ticket is opened: None
REPLY = "reply"  # the agent's public reply: (text, "comment" | "email")
CUSTOMER = "customer"  # the customer writes by e-mail: text
NOTE = "note"  # the agent's internal note: text
STAGE = "stage"  # the agent moves the ticket: one of STAGES
RATE = "rate"  # the customer rates the closed ticket: (score, feedback)

PROGRESS, WAITING, DONE, CANCELLED = "progress", "waiting", "done", "cancelled"
STAGES = (PROGRESS, WAITING, DONE, CANCELLED)

# Ticket priorities as helpdesk_mgmt stores them: P4 (low) is "0", P1 "3".
P4, P3, P2, P1 = "0", "1", "2", "3"

Step = namedtuple("Step", "at kind data")
# `queue`: the urgency the ticket was planned to stand at when the demo is
# installed (at_risk, breached, on_track, paused), or None.
Ticket = namedtuple(
    "Ticket",
    "customer created priority title description contact channel agent steps queue",
)
Outage = namedtuple("Outage", "customer start end planned notice_at title description")
Plan = namedtuple("Plan", "start now tickets outages holidays")
# A customer's support as the plan needs it: the engine of the support hours
# of its contract (sla_contract.engine.worktime.WorkCalendar) and its targets,
# {ticket priority: (response minutes, resolution minutes)}.
Terms = namedtuple("Terms", "engine targets")

# Per customer: tickets a month, shares written outside office hours and at
# weekends, the response and resolution time used, as a share of the target
# (median, spread of its logarithm), the months (counted from the first one)
# the team had a hard time, the months it excelled, and the average rating.
Profile = namedtuple(
    "Profile",
    "monthly after_hours weekend response resolution bad good csat",
)
PROFILES = {
    "bronze": Profile(24, 0.04, 0.02, (0.30, 0.7), (0.38, 0.65), (8,), (3, 10), 4.2),
    "silver": Profile(38, 0.08, 0.04, (0.22, 0.6), (0.30, 0.6), (2, 7), (4, 11), 4.4),
    "gold": Profile(50, 0.18, 0.10, (0.16, 0.6), (0.25, 0.6), (5, 10), (1, 8), 4.5),
    "platinum": Profile(58, 0.28, 0.22, (0.14, 0.55), (0.22, 0.6), (4, 9), (7,), 4.6),
}
CUSTOMERS = tuple(PROFILES)
# A hard month stretches every delay this much, a good one shrinks it.
BAD, GOOD = 1.8, 0.75
# More tickets in autumn, fewer in the summer holidays and at Christmas.
SEASON = {
    1: 1.05,
    2: 1.0,
    3: 1.05,
    4: 0.95,
    5: 1.0,
    6: 0.95,
    7: 0.8,
    8: 0.75,
    9: 1.1,
    10: 1.15,
    11: 1.1,
    12: 0.9,
}
WEEKDAY_WEIGHT = (1.3, 1.1, 1.0, 1.0, 0.85)
PRIORITY_WEIGHTS = ((P4, 0.30), (P3, 0.45), (P2, 0.20), (P1, 0.05))
NIGHT_PRIORITY_WEIGHTS = ((P4, 0.05), (P3, 0.25), (P2, 0.45), (P1, 0.25))
# The day shift shares the tickets; nights and weekends are the on-call
# engineer's where the support hours cover them.
DAY_AGENTS = (("sofia", 0.4), ("jonas", 0.35), ("aisha", 0.25))
ON_CALL = "hugo"
CHANNELS = (("email", 0.55), ("web", 0.30), ("phone", 0.15))

# An open ticket at installation must not reach a deadline soon after it
# while nobody runs the clock job (a database built and not served): then
# every figure about it would differ from its replay until the job runs.
SAFE_MARGIN = timedelta(hours=8)

TOPICS = {
    "bronze": [
        (
            "Till cannot print receipts",
            "The receipt printer of till 2 prints blank tickets.",
        ),
        (
            "Price labels out of sync",
            "Shelf labels show last week's prices in the garden aisle.",
        ),
        (
            "Webshop order stuck in 'paid'",
            "Order 4481 was paid but never reached the warehouse.",
        ),
        (
            "Loyalty card not recognised",
            "Cards issued this month are rejected at checkout.",
        ),
        ("Stock count export fails", "The monthly stock count export stops halfway."),
        (
            "New employee needs an account",
            "Please create a back-office login for our new manager.",
        ),
        (
            "Invoice PDF layout broken",
            "The company logo covers the address on invoices.",
        ),
        (
            "Slow back office",
            "Opening the product list takes over a minute since Monday.",
        ),
        (
            "Barcode scanner disconnected",
            "The handheld scanner no longer pairs with the tablet.",
        ),
        (
            "Discount rule not applied",
            "The 3-for-2 promotion is not applied at the till.",
        ),
        (
            "Supplier catalogue import error",
            "The supplier price file is refused as malformed.",
        ),
        (
            "Password reset e-mail not received",
            "The reset link never arrives for the shop manager.",
        ),
    ],
    "silver": [
        (
            "Shipment labels not generated",
            "The carrier labels for the 14:00 pickup are missing.",
        ),
        (
            "Track-and-trace page times out",
            "Customers get a timeout on the tracking page.",
        ),
        (
            "EDI order from retailer rejected",
            "The retailer's order file fails validation.",
        ),
        ("Warehouse sync delayed", "Stock levels in the WMS lag two hours behind."),
        (
            "Driver app crashes on sign-off",
            "Drivers cannot capture signatures at delivery.",
        ),
        ("Customs declaration export error", "The customs export misses the HS codes."),
        ("Route planning report empty", "Tomorrow's route report shows no stops."),
        ("Dock scheduling double bookings", "Two trucks got the same dock slot."),
        (
            "Rate calculation wrong for pallets",
            "Half-pallet rates use the full-pallet price.",
        ),
        (
            "User locked out of portal",
            "The planner's account is locked after the password change.",
        ),
        (
            "Proof of delivery missing",
            "PODs of yesterday's deliveries are not attached.",
        ),
        ("Invoice batch duplicated", "Last night's invoice run created duplicates."),
    ],
    "gold": [
        ("Trading dashboard shows stale quotes", "Quotes stopped refreshing at 09:42."),
        (
            "Client statement generation fails",
            "Monthly statements fail for accounts in USD.",
        ),
        ("SSO login loops", "Analysts are sent back to the login page after MFA."),
        (
            "Risk report numbers differ",
            "The risk report and the ledger disagree on exposure.",
        ),
        ("Payment file rejected by bank", "The bank refused this morning's SEPA file."),
        (
            "KYC document upload fails",
            "Uploads over 5 MB are refused in the onboarding flow.",
        ),
        (
            "Nightly reconciliation job late",
            "Reconciliation finished at 08:30 instead of 06:00.",
        ),
        ("Audit log export request", "Internal audit needs the access logs of Q2."),
        (
            "API rate limit errors",
            "Our integration gets HTTP 429 since the last release.",
        ),
        ("Report scheduler skipped a run", "The 07:00 board report was not sent."),
        ("Two-factor codes delayed", "SMS codes arrive after they expire."),
        (
            "New fund not visible",
            "The fund created yesterday is missing from the catalogue.",
        ),
    ],
    "platinum": [
        (
            "Patient portal login errors",
            "Patients get an error after entering their code.",
        ),
        (
            "Lab results not imported",
            "Results from the lab interface stopped at 03:10.",
        ),
        ("Appointment reminders not sent", "No SMS reminders went out for tomorrow."),
        ("Prescription PDF unreadable", "Prescriptions print with overlapping lines."),
        ("HL7 interface queue growing", "The HL7 outbound queue holds 2,000 messages."),
        ("Ward dashboard slow", "The ward overview takes 30 seconds to load."),
        ("Consent form not saved", "Signed consent forms disappear after saving."),
        ("Duplicate patient records", "Registration created duplicates for walk-ins."),
        (
            "Backup verification warning",
            "Last night's backup check reported a mismatch.",
        ),
        ("Access request for new nurse", "A new nurse on ward 4 needs access today."),
        ("Video consultation drops", "Video calls drop after about ten minutes."),
        ("Billing codes missing", "Invoices for outpatient visits miss their codes."),
    ],
}
OUTAGE_TOPIC = {
    "gold": ("Trading API unreachable", "The trading API answers no request."),
    "platinum": ("Patient portal down", "The patient portal shows a gateway error."),
}
OUTAGE_CAUSES = (
    "Primary database lost its disk; failover took longer than planned.",
    "A faulty load balancer configuration was rolled out.",
    "Certificate expired on the API gateway.",
    "Upstream hosting provider network incident.",
    "Memory leak after the last release; service restarted.",
)
MAINTENANCE = (
    "Database upgrade",
    "Operating system patches",
    "Certificate rotation",
    "Storage migration",
)
FIRST_REPLIES = (
    "Thanks for reporting this, we are looking into it now.",
    "Thank you, we reproduced the issue and are working on it.",
    "Hello, we are on it and will update you shortly.",
    "Thanks, we have started the investigation.",
)
QUESTIONS = (
    "Could you send us a screenshot of the error and the time it happened?",
    "Can you tell us which users are affected?",
    "Could you confirm the order (or record) number concerned?",
    "Can you try again and send us the exact error message?",
)
CUSTOMER_ANSWERS = (
    "Here is the screenshot, it happened at about ten past nine.",
    "Only the users of the north site are affected.",
    "The reference is in the attached file.",
    "Same error again, the message is attached.",
)
CUSTOMER_NOTES = (
    "Any news on this one?",
    "Thanks, the team is waiting for it.",
    "We found a workaround in the meantime.",
    "It happened again this morning.",
)
UPDATES = (
    "Update: we found the cause and are preparing a fix.",
    "Update: the fix is being tested on a copy of your data.",
    "Update: the supplier confirmed the issue, a patch is on its way.",
)
NOTES = (
    "Logs checked: the error started after last night's deployment.",
    "Reproduced on staging; asked engineering for a second look.",
    "Known issue, see the knowledge base article on this topic.",
)
SOLUTIONS = (
    "The fix is deployed; please let us know if anything is still wrong.",
    "Solved: we corrected the configuration. Thanks for your patience.",
    "This is fixed now. We added a check so that it does not happen again.",
)
REOPEN_MESSAGES = (
    "Sorry, the problem is back since this morning.",
    "It worked for a day but fails again.",
)
DUPLICATE = (
    "This is the same issue as the ticket you opened just before: we follow it there."
)
FEEDBACK = {
    5: ("Fast and clear, thank you!", "Great support as always.", ""),
    4: ("Solved, but it took a while.", "Good, thanks.", ""),
    3: ("OK in the end.", ""),
    2: ("Too slow for an issue blocking our work.",),
    1: ("We waited far too long.",),
}

# The tickets standing in the queue at installation, beyond the ones the
# year leaves open: (customer, priority, urgency, clock the urgency comes
# from, share of its target used at installation).
QUEUE = (
    ("bronze", P4, "at_risk", "response", 0.78),
    ("bronze", P3, "at_risk", "resolution", 0.78),
    ("silver", P4, "at_risk", "resolution", 0.80),
    ("silver", P3, "breached", "response", 1.4),
    ("platinum", P2, "breached", "resolution", 1.6),
    ("gold", P3, "paused", "resolution", 0.30),
    ("bronze", P3, "paused", "resolution", 0.40),
    ("bronze", P4, "on_track", "resolution", 0.10),
    ("silver", P4, "on_track", "resolution", 0.25),
    ("gold", P4, "on_track", "resolution", 0.15),
)


def _naive(dt):
    """An engine's aware instant as naive UTC to the second."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(pytz.utc).replace(tzinfo=None)
    return dt.replace(microsecond=0)


def _utc(day, hours):
    """Naive UTC of a local wall-clock time on `day` (float hours)."""
    local = datetime.combine(day, time()) + timedelta(hours=hours)
    return _naive(TZ.localize(local))


def _local_day(at):
    return pytz.utc.localize(at).astimezone(TZ).date()


def belgian_holidays(first_year, last_year):
    """Public holidays of Belgium from `first_year` to `last_year`."""
    days = []
    for year in range(first_year, last_year + 1):
        easter_day = easter(year)
        days += [
            date(year, 1, 1),
            easter_day + timedelta(days=1),
            date(year, 5, 1),
            easter_day + timedelta(days=39),
            easter_day + timedelta(days=50),
            date(year, 7, 21),
            date(year, 8, 15),
            date(year, 11, 1),
            date(year, 11, 11),
            date(year, 12, 25),
        ]
    return sorted(days)


def holiday_leaves(days):
    """(start, end) naive UTC of each local holiday."""
    return [(_utc(day, 0), _utc(day + timedelta(days=1), 0)) for day in days]


def history_start(now):
    """The first day of the month twelve months before `now`'s."""
    return date(now.year, now.month, 1) - relativedelta(months=MONTHS)


def _weighted(rng, pairs):
    pick = rng.random() * sum(weight for _value, weight in pairs)
    for value, weight in pairs:
        pick -= weight
        if pick < 0:
            return value
    return pairs[-1][0]


def _poisson(rng, mean):
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _share(rng, median, spread, mood):
    """A share of a target used: log-normal around `median`, stretched by
    the month's mood."""
    return median * mood * math.exp(rng.gauss(0.0, spread))


class _Planner:
    def __init__(self, now, terms, office, seed):
        self.rng = random.Random(seed)
        self.now = now.replace(microsecond=0)
        self.start = history_start(now)
        self.terms = terms
        # Where customers write and answer from: their offices' hours.
        self.office = office
        self.holidays = set(belgian_holidays(self.start.year, self.now.year + 1))
        self.tickets = []
        self.outages = []
        self._month_weights = {}

    # -------------------------------------------------------------- calendar

    def _mood(self, customer, at):
        profile = PROFILES[customer]
        index = (at.year - self.start.year) * 12 + at.month - self.start.month
        if index in profile.bad:
            return BAD
        if index in profile.good:
            return GOOD
        return 1.0

    def _business(self, customer, start, minutes):
        """`minutes` of the customer's support hours after `start`."""
        return _naive(self.terms[customer].engine.add_minutes(start, minutes))

    def _office(self, start, minutes):
        return _naive(self.office.add_minutes(start, minutes))

    def _arrival(self, customer, day, profile):
        """When a ticket of `customer` is written on `day`, or None."""
        rng = self.rng
        weekend = day.weekday() >= 5 or day in self.holidays
        if rng.random() < profile.after_hours or weekend:
            # evenings and nights: 18:00 to 07:00
            hours = 18 + rng.random() * 13
            at = _utc(day, hours)
            night = True
        else:
            hours = (
                rng.triangular(8, 12, 9.5)
                if rng.random() < 0.55
                else rng.triangular(12.5, 18, 14.5)
            )
            at = _utc(day, hours)
            night = False
        return at, night

    # -------------------------------------------------------------- arrivals

    def plan(self):
        day = self.start
        last = _local_day(self.now)
        while day <= last:
            for customer in CUSTOMERS:
                self._day(customer, day)
            day += timedelta(days=1)
        for customer in ("gold", "platinum"):
            self._outages(customer)
        self._queue()
        self.tickets.sort(key=lambda t: (t.created, t.customer))
        self.outages.sort(key=lambda o: o.start)
        return Plan(
            self.start,
            self.now,
            self.tickets,
            self.outages,
            sorted(self.holidays),
        )

    def _weight(self, customer, day):
        """How busy `day` is for the customer: weekdays by their usual
        load, weekends and holidays by the share written then."""
        share = PROFILES[customer].weekend
        weekend = share * 5 / (2 * (1 - share))
        if day.weekday() >= 5:
            return weekend
        if day in self.holidays:
            return max(weekend, 0.1)
        return WEEKDAY_WEIGHT[day.weekday()]

    def _day(self, customer, day):
        profile = PROFILES[customer]
        month = date(day.year, day.month, 1)
        key = (customer, month)
        if key not in self._month_weights:
            end = month + relativedelta(months=1)
            self._month_weights[key] = sum(
                self._weight(customer, month + timedelta(days=n))
                for n in range((end - month).days)
            )
        mean = (
            profile.monthly
            * SEASON[day.month]
            * self._weight(customer, day)
            / self._month_weights[key]
        )
        for _index in range(_poisson(self.rng, mean)):
            at, night = self._arrival(customer, day, profile)
            if at >= self.now or at < datetime.combine(self.start, time()):
                continue
            ticket = self._ticket(customer, at, night)
            if ticket:
                self.tickets.append(ticket)

    # -------------------------------------------------------------- tickets

    def _agent(self, customer, created, night):
        """Who picks the ticket up: the on-call engineer when the support
        hours cover the night or the weekend, else the day shift."""
        local = pytz.utc.localize(created).astimezone(TZ)
        working = self.terms[customer].engine.is_working(pytz.utc.localize(created))
        office_day = local.weekday() < 5 and local.date() not in self.holidays
        if working and (night or not office_day or not 8 <= local.hour < 18):
            return ON_CALL
        return _weighted(self.rng, DAY_AGENTS)

    def _ticket(self, customer, created, night, priority=None, title=None):  # noqa: PLR0915
        rng = self.rng
        profile = PROFILES[customer]
        if priority is None:
            priority = _weighted(
                rng, NIGHT_PRIORITY_WEIGHTS if night else PRIORITY_WEIGHTS
            )
        response, resolution = self.terms[customer].targets[priority]
        mood = self._mood(customer, created)
        topic_title, description = rng.choice(TOPICS[customer])
        ticket = _Steps(created)
        reply_share = _share(rng, *profile.response, mood)
        reply = self._business(customer, created, reply_share * response)
        # picked up just before the reply, within the support hours
        pickup = self._business(customer, created, max(reply_share * response - 2, 0))
        ticket.add(pickup, STAGE, PROGRESS)
        if rng.random() < 0.15:
            ticket.add(reply - timedelta(minutes=1), NOTE, rng.choice(NOTES))
        via = "email" if rng.random() < 0.4 else "comment"
        first = ticket.add(reply, REPLY, (rng.choice(FIRST_REPLIES), via))
        channel = _weighted(rng, CHANNELS)
        if rng.random() < 0.02:
            ticket.add(
                self._business(customer, first, 5 + rng.random() * 30), STAGE, CANCELLED
            )
            return self._make(
                ticket,
                customer,
                priority,
                title or topic_title,
                description,
                channel,
                created,
            )
        paused = 0.0
        cursor = first
        if rng.random() < (0.12 if priority == P1 else 0.22):
            ask = self._business(customer, cursor, 10 + rng.random() * 50)
            ask = ticket.add(ask, REPLY, (rng.choice(QUESTIONS), "comment"))
            wait = ticket.add(ask + timedelta(minutes=1), STAGE, WAITING)
            answer = self._office(wait, 20 + rng.random() * 900)
            answer = ticket.add(answer, CUSTOMER, rng.choice(CUSTOMER_ANSWERS))
            back = self._business(customer, answer, 5 + rng.random() * 60)
            back = ticket.add(back, STAGE, PROGRESS)
            paused = self.terms[customer].engine.minutes_between(wait, back)
            cursor = back
        used = _share(rng, *profile.resolution, mood) * resolution
        close = self._business(customer, created, used + paused)
        close = max(close, self._business(customer, cursor, 10))
        engine = self.terms[customer].engine
        if close - cursor > timedelta(hours=3):
            if rng.random() < 0.5:
                half = engine.minutes_between(cursor, close) / 2
                ticket.add(
                    self._business(customer, cursor, half),
                    REPLY,
                    (rng.choice(UPDATES), "comment"),
                )
            elif rng.random() < 0.5:
                note = self._office(cursor + (close - cursor) / 2, 0)
                if note < close - timedelta(minutes=5):
                    ticket.add(note, CUSTOMER, rng.choice(CUSTOMER_NOTES))
        via = "email" if rng.random() < 0.3 else "comment"
        solved = ticket.add(
            close - timedelta(minutes=2), REPLY, (rng.choice(SOLUTIONS), via)
        )
        closed = ticket.add(max(close, solved + timedelta(minutes=1)), STAGE, DONE)
        breached = reply_share > 1 or used > resolution
        if rng.random() < 0.045:
            complaint = self._office(closed, 60 + rng.random() * 1500)
            complaint = ticket.add(complaint, CUSTOMER, rng.choice(REOPEN_MESSAGES))
            reopen = ticket.add(
                self._business(customer, complaint, 5 + rng.random() * 40),
                STAGE,
                PROGRESS,
            )
            again = _share(rng, *profile.resolution, mood) * resolution
            breached = breached or again > resolution
            close = self._business(customer, reopen, max(again, 15))
            solved = ticket.add(
                close - timedelta(minutes=2), REPLY, (rng.choice(SOLUTIONS), "comment")
            )
            closed = ticket.add(max(close, solved + timedelta(minutes=1)), STAGE, DONE)
        if rng.random() < 0.55:
            score = self._score(customer, breached)
            feedback = rng.choice(FEEDBACK[score])
            ticket.add(
                self._office(closed, 30 + rng.random() * 1800), RATE, (score, feedback)
            )
        return self._make(
            ticket,
            customer,
            priority,
            title or topic_title,
            description,
            channel,
            created,
        )

    def _score(self, customer, breached):
        rng = self.rng
        if breached:
            return _weighted(
                rng, ((1, 0.15), (2, 0.25), (3, 0.35), (4, 0.2), (5, 0.05))
            )
        mean = PROFILES[customer].csat
        high = min(max((mean - 4.0) * 1.6, 0.05), 0.95)
        return _weighted(
            rng, ((5, high), (4, 0.9 - high), (3, 0.07), (2, 0.02), (1, 0.01))
        )

    def _make(  # noqa: PLR0917
        self,
        steps,
        customer,
        priority,
        title,
        description,
        channel,
        created,
        queue=None,
    ):
        rng = self.rng
        night = not 8 <= pytz.utc.localize(created).astimezone(TZ).hour < 18
        return Ticket(
            customer,
            created,
            priority,
            title,
            description,
            rng.randrange(2),
            channel,
            self._agent(customer, created, night),
            tuple(steps.steps),
            queue,
        )

    # -------------------------------------------------------------- outages

    def _outages(self, customer):
        """Each month: a few short unplanned outages (a long one in some
        months), each with its P1 ticket, and planned maintenance announced
        days ahead (once in a while the evening before)."""
        rng = self.rng
        title, description = OUTAGE_TOPIC[customer]
        month = self.start
        index = 0
        while month <= _local_day(self.now):
            days = (month + relativedelta(months=1) - month).days
            long_one = index in ((4, 10) if customer == "gold" else (6,))
            count = _poisson(rng, 0.6) + (1 if long_one else 0)
            for number in range(count):
                day = month + timedelta(days=rng.randrange(days))
                start = _utc(day, 6 + rng.random() * 15)
                minutes = (
                    130 + rng.random() * 20
                    if long_one and number == 0
                    else 4 + rng.random() * 18
                )
                end = start + timedelta(minutes=round(minutes))
                if end >= self.now:
                    continue
                self.outages.append(
                    Outage(
                        customer,
                        start,
                        end,
                        False,
                        None,
                        title,
                        rng.choice(OUTAGE_CAUSES),
                    )
                )
                if minutes >= 10:
                    self._outage_ticket(customer, start, end, title, description)
            sunday = month + timedelta(
                days=(6 - month.weekday()) % 7 + 7 * rng.randrange(3)
            )
            start = _utc(sunday, 2)
            end = start + timedelta(minutes=30 + 30 * rng.randrange(4))
            late = rng.random() < 0.15
            notice = start - (
                timedelta(hours=10) if late else timedelta(days=3 + rng.randrange(5))
            )
            if end < self.now:
                self.outages.append(
                    Outage(
                        customer,
                        start,
                        end,
                        True,
                        notice,
                        rng.choice(MAINTENANCE)
                        + (" (announced the evening before)" if late else ""),
                        "Announced to the customer's IT contacts.",
                    )
                )
            month += relativedelta(months=1)
            index += 1

    def _outage_ticket(self, customer, start, end, title, description):
        rng = self.rng
        created = start + timedelta(minutes=3 + rng.randrange(6))
        response, _resolution = self.terms[customer].targets[P1]
        ticket = _Steps(created)
        reply = self._business(customer, created, response * (0.1 + rng.random() * 0.3))
        ticket.add(reply - timedelta(minutes=1), STAGE, PROGRESS)
        ticket.add(
            reply,
            REPLY,
            ("We see the outage on our monitoring and are on it.", "comment"),
        )
        fixed = max(end, reply) + timedelta(minutes=5 + rng.randrange(20))
        ticket.add(
            fixed,
            REPLY,
            ("Service restored; we will send the root cause analysis.", "email"),
        )
        closed = ticket.add(fixed + timedelta(minutes=10), STAGE, DONE)
        if rng.random() < 0.5:
            ticket.add(
                self._office(closed, 60 + rng.random() * 600),
                RATE,
                (4, "Quick reaction."),
            )
        self.tickets.append(
            self._make(ticket, customer, P1, title, description, "phone", created)
        )

    # -------------------------------------------------------------- the queue

    def _queue(self):
        """Drop what would stand open at installation too close to a
        deadline, then add the tickets planned to stand in the queue."""
        kept = []
        for ticket in self.tickets:
            if ticket.steps[-1].at < self.now or self._safe(ticket):
                kept.append(ticket)
        self.tickets = kept
        for customer, priority, urgency, metric, share in QUEUE:
            self.tickets.append(
                self._queued(customer, priority, urgency, metric, share)
            )

    def _safe(self, ticket):
        """Whether every clock the ticket still counts at installation is
        breached already or due well after it."""
        engine = self.terms[ticket.customer].engine
        response, resolution = self.terms[ticket.customer].targets[ticket.priority]
        replied = any(
            step.kind == REPLY and step.at <= self.now for step in ticket.steps
        )
        if not replied:
            deadline = _naive(engine.add_minutes(ticket.created, response))
            if self.now < deadline < self.now + SAFE_MARGIN:
                return False
        start, paused, since = ticket.created, 0.0, None
        for step in ticket.steps:
            if step.at > self.now or step.kind != STAGE:
                continue
            if step.data == WAITING:
                since = step.at
            elif step.data == PROGRESS and since:
                paused += engine.minutes_between(since, step.at)
                since = None
            elif step.data in (DONE, CANCELLED):
                return True
        if since:
            return True
        deadline = _naive(engine.add_minutes(start, resolution + paused))
        return not self.now < deadline < self.now + SAFE_MARGIN

    def _started(self, customer, metric, share, priority):
        """When a ticket must have been opened for its `metric` clock to have
        used `share` of its target at installation (nights and weekends
        outside the support hours do not count)."""
        engine = self.terms[customer].engine
        target = self.terms[customer].targets[priority][metric == "resolution"]
        wanted = share * target
        early, late = self.now - timedelta(days=60), self.now
        while late - early > timedelta(seconds=30):
            middle = early + (late - early) / 2
            if engine.minutes_between(middle, self.now) > wanted:
                early = middle
            else:
                late = middle
        return late.replace(microsecond=0)

    def _queued(self, customer, priority, urgency, metric, share):
        rng = self.rng
        title, description = rng.choice(TOPICS[customer])
        response, _resolution = self.terms[customer].targets[priority]
        if urgency == "paused":
            created = self._started(customer, metric, share + 0.05, priority)
        else:
            created = self._started(customer, metric, share, priority)
        ticket = _Steps(created)
        if metric == "resolution":
            reply = self._business(customer, created, response * 0.2)
            ticket.add(reply - timedelta(minutes=2), STAGE, PROGRESS)
            reply = ticket.add(reply, REPLY, (rng.choice(FIRST_REPLIES), "comment"))
            if urgency == "paused":
                wait = self._business(customer, created, share * _resolution)
                ticket.add(
                    wait - timedelta(minutes=1),
                    REPLY,
                    (rng.choice(QUESTIONS), "comment"),
                )
                ticket.add(wait, STAGE, WAITING)
        return self._make(
            ticket,
            customer,
            priority,
            title,
            description,
            "web",
            created,
            queue=urgency,
        )


class _Steps:
    """A ticket's steps, each at least a minute after the one before."""

    def __init__(self, created):
        self.last = created
        self.steps = []

    def add(self, at, kind, data):
        at = max(_naive(at), self.last + timedelta(minutes=1))
        self.steps.append(Step(at, kind, data))
        self.last = at
        return at


def plan(now, terms, office, seed=SEED):
    """The Plan of the twelve months before `now` (naive UTC): `terms` is
    {customer: Terms}, `office` the engine of the customers' office hours."""
    return _Planner(now, terms, office, seed).plan()
