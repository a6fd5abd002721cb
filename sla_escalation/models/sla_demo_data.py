from datetime import datetime, time

from odoo import models
from odoo.addons.sla_contract.models.sla_demo_data import ORDER_ESCALATION


class SlaDemoData(models.AbstractModel):
    """The escalation job in the demo's year: each threshold fires at its
    instant, as a served database's job would, never late."""

    _inherit = "sla.demo.data"

    def _sla_demo_prepare(self, ctx):
        res = super()._sla_demo_prepare(ctx)
        # The shipped rules were in effect the whole year the demo plays.
        start = datetime.combine(ctx.plan.start, time())
        self.env["sla.escalation.rule"].flush_model()
        self.env.cr.execute(
            """UPDATE sla_escalation_rule SET effective_from = %s
                WHERE active AND effective_from IS NOT NULL""",
            [start],
        )
        self.env["sla.escalation.rule"].invalidate_model(["effective_from"])
        ctx.escalation_rules = self.env["sla.clock"]._sla_escalation_rule_map(
            {ctx.company.id}
        )
        return res

    def _sla_demo_wakeups(self, ctx, clock):
        wakeups = super()._sla_demo_wakeups(ctx, clock)
        at = clock._sla_next_escalation_at(
            clock._sla_escalation_rules(ctx.escalation_rules),
            clock._sla_fired_rule_ids()[clock.id],
        )
        if at:
            wakeups.append((at, ORDER_ESCALATION, "escalate", clock.id))
        return wakeups

    def _sla_demo_wake(self, ctx, player, at, kind, payload):
        if kind != "escalate":
            return super()._sla_demo_wake(ctx, player, at, kind, payload)
        clock = self.env["sla.clock"].browse(payload)
        if clock.stopped_at or clock.paused_since:
            return None
        due = clock._sla_next_escalation_at(
            clock._sla_escalation_rules(ctx.escalation_rules),
            clock._sla_fired_rule_ids()[clock.id],
        )
        if not due or due > at:
            return None
        # What the batch changed (a pause, a reply) is what the job reads.
        player.flush()
        player.touch(clock.ticket_id.id, at)
        clock = clock.with_context(
            sla_now=at, mail_notify_force_send=False, mail_activity_quick_update=True
        )
        clock._sla_escalate(at, ctx.escalation_rules)
        # the messages job, right after, as on a served database
        clock.sla_escalation_event_ids.filtered(
            lambda e: e.message_state == "queued"
        )._sla_post_messages()
        player.flush()
        player.arm(clock.ticket_id)
        return None
