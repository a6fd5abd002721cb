from markupsafe import Markup, escape

from odoo import models
from odoo.tools import format_datetime

from ..engine import sla_math
from .sla_clock import (
    EVENT_AT_RISK,
    EVENT_BREACHED,
    EVENT_MET,
    EVENT_PAUSED,
    EVENT_RESUMED,
    EVENT_SLO_MISSED,
    EVENT_STARTED,
    METRICS,
)

# The events agents read in the ticket's history, each with its subtype.
CHATTER_EVENTS = {
    EVENT_AT_RISK: "sla_contract.mt_ticket_sla_at_risk",
    EVENT_SLO_MISSED: "sla_contract.mt_ticket_sla_slo_missed",
    EVENT_BREACHED: "sla_contract.mt_ticket_sla_breached",
    EVENT_PAUSED: "sla_contract.mt_ticket_sla_paused",
    EVENT_RESUMED: "sla_contract.mt_ticket_sla_resumed",
    EVENT_MET: "sla_contract.mt_ticket_sla_met",
}
# The ones that interrupt the assigned agent.
ALERT_EVENTS = (EVENT_AT_RISK, EVENT_BREACHED)
# Live widgets reload their record on this bus notification.
BUS_CHANGED = "sla.ticket/changed"
# A toast for the assignee, one per ticket: a new one replaces the last
# (static/src/sla_badge/sla_alert_service.js), and none stays for good.
BUS_ALERT = "sla.ticket/alert"


class SlaClock(models.Model):
    _inherit = "sla.clock"

    def _sla_on_transition(self, events):
        res = super()._sla_on_transition(events)
        self._sla_post_events(events)
        self._sla_send_bus(events)
        return res

    def _sla_post_events(self, events):
        """One chatter line per ticket and event, with the event's subtype.

        Followers who subscribed to the subtype are notified; elsewhere the
        line is logged in one batch, since the clock job may breach hundreds
        of tickets in a run.
        """
        Followers = self.env["mail.followers"].sudo()
        for event, xmlid in CHATTER_EVENTS.items():
            clocks = events.get(event)
            if not clocks:
                continue
            subtype = self.env.ref(xmlid)
            tickets = clocks.ticket_id.sudo()
            bodies = {
                ticket.id: self._sla_event_body(
                    event, clocks.filtered(lambda c, t=ticket: c.ticket_id == t)
                )
                for ticket in tickets
            }
            listening = {
                row["res_id"]
                for row in Followers.search_read(
                    [
                        ("res_model", "=", "helpdesk.ticket"),
                        ("res_id", "in", tickets.ids),
                        ("subtype_ids", "in", subtype.ids),
                    ],
                    ["res_id"],
                )
            }
            notified = tickets.filtered(lambda t, ids=listening: t.id in ids)
            for ticket in notified:
                ticket.message_post(
                    body=bodies[ticket.id],
                    message_type="notification",
                    subtype_id=subtype.id,
                )
            logged = (tickets - notified)._message_log_batch(bodies)
            logged.write({"subtype_id": subtype.id})

    def _sla_event_body(self, event, clocks):
        lines = [escape(clock._sla_event_line(event)) for clock in clocks]
        return Markup("<br/>").join(lines)

    def _sla_event_line(self, event):
        self.ensure_one()
        metric = dict(METRICS)[self.metric]
        target = sla_math.format_minutes(self.target_minutes)
        when = self._sla_local
        if event == EVENT_AT_RISK:
            return self.env._(
                "%(metric)s SLA at risk: %(percent)s%% of the %(target)s target "
                "used; due %(deadline)s.",
                metric=metric,
                percent=round(self.at_risk_percent),
                target=target,
                deadline=when(self.deadline),
            )
        if event == EVENT_SLO_MISSED:
            return self.env._(
                "%(metric)s: internal SLO missed (due %(slo)s); the SLA is "
                "due %(deadline)s.",
                metric=metric,
                slo=when(self.slo_deadline),
                deadline=when(self.deadline),
            )
        if event == EVENT_BREACHED:
            return self.env._(
                "%(metric)s SLA breached: the %(target)s target ran out at "
                "%(breached)s.",
                metric=metric,
                target=target,
                breached=when(self.breached_at),
            )
        if event == EVENT_PAUSED:
            return self.env._(
                "%(metric)s SLA paused while waiting on the customer; "
                "%(used)s of %(target)s used.",
                metric=metric,
                used=sla_math.format_minutes(self.consumed_minutes),
                target=target,
            )
        if event == EVENT_RESUMED:
            return self.env._(
                "%(metric)s SLA resumed; now due %(deadline)s.",
                metric=metric,
                deadline=when(self.deadline),
            )
        return self.env._(
            "%(metric)s SLA met: %(used)s of %(target)s used.",
            metric=metric,
            used=sla_math.format_minutes(self.consumed_minutes),
            target=target,
        )

    def _sla_local(self, value, tz=None):
        """A stored instant in ``tz`` (a customer's), else in the support
        hours' time zone, zone named; in the language of the context."""
        if not value:
            return ""
        tz = tz or self.calendar_id.tz or "UTC"
        return f"{format_datetime(self.env, value, tz=tz, dt_format='short')} ({tz})"

    def _sla_send_bus(self, events):
        """Alert the assigned agent of at-risk and breached tickets, and tell
        every open ticket view of the assignee and of the current user that
        the clocks changed."""
        # A clock just started changes nothing a widget already shows.
        changed = self.browse().union(
            *(clocks for event, clocks in events.items() if event != EVENT_STARTED)
        )
        if not changed:
            return
        tickets = changed.ticket_id
        for event in ALERT_EVENTS:
            for ticket in events.get(event, self.browse()).ticket_id:
                if ticket.user_id:
                    ticket.user_id._bus_send(
                        BUS_ALERT,
                        {
                            "ticket_id": ticket.id,
                            "type": "danger" if event == EVENT_BREACHED else "warning",
                            "title": ticket.display_name,
                            "message": (
                                self.env._("SLA breached")
                                if event == EVENT_BREACHED
                                else self.env._("SLA at risk")
                            ),
                        },
                    )
        (tickets.user_id | self.env.user).filtered(lambda u: not u.share)._bus_send(
            BUS_CHANGED, {"ticket_ids": tickets.ids}
        )
