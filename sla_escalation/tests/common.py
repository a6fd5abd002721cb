from freezegun import freeze_time

from odoo.addons.sla_contract.tests.common import SlaCase, local

P1, P2, P3, P4 = "3", "2", "1", "0"
ENGINEER_GROUPS = "helpdesk_mgmt.group_helpdesk_user"


class EscalationCase(SlaCase):
    """The shipped matrix on the business-hours calendar, with every role
    filled: two seniors (one busy), a team lead, a manager, an engineering
    team, an account manager, a director and a VP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        # The job sees only this case's tickets, not the demo's, and each
        # wake-up it asks for is visible.
        cls.env["sla.clock"].search([]).write({"sla_escalation_at": False})
        cls.cron = ref("sla_escalation.ir_cron_sla_escalation")
        cls.env["ir.cron.trigger"].search([("cron_id", "=", cls.cron.id)]).unlink()
        cls.rules = {
            name: ref(f"sla_escalation.rule_{name}")
            for name in (
                "response_50",
                "response_75",
                "response_100",
                "resolution_50",
                "resolution_75",
                "resolution_100",
                "resolution_150",
            )
        }
        # The shipped rules took effect when the test database was installed,
        # a wall-clock instant the tests' dates may precede: here they apply
        # to every threshold, as in a database upgraded from before the date.
        cls.env["sla.escalation.rule"].with_context(active_test=False).search([]).write(
            {"effective_from": False}
        )
        users = {}
        for key in (
            "busy_senior",
            "free_senior",
            "lead",
            "manager",
            "engineer_lead",
            "engineer",
            "account_manager",
            "director",
            "vp",
        ):
            users[key] = cls.env["res.users"].create(
                {
                    "name": key.replace("_", " ").title(),
                    "login": f"esc_{key}",
                    "email": f"{key}@example.com",
                    "groups_id": [(6, 0, [ref(ENGINEER_GROUPS).id])],
                }
            )
        cls.users = users
        cls.team.write(
            {
                "user_id": users["lead"].id,
                "sla_senior_user_ids": [
                    (6, 0, [users["busy_senior"].id, users["free_senior"].id])
                ],
                "user_ids": [
                    (4, users["busy_senior"].id),
                    (4, users["free_senior"].id),
                ],
            }
        )
        cls.engineering = cls.env["helpdesk.ticket.team"].create(
            {
                "name": "Engineering",
                "user_id": users["engineer_lead"].id,
                "user_ids": [(6, 0, [users["engineer"].id])],
            }
        )
        cls.env.company.write(
            {
                "sla_escalation_manager_id": users["manager"].id,
                "sla_director_id": users["director"].id,
                "sla_vp_id": users["vp"].id,
                "sla_engineering_team_id": cls.engineering.id,
                "email": "support@example.com",
            }
        )
        for contract in cls.contracts.values():
            contract.sla_account_manager_id = users["account_manager"]
        for partner in cls.customers.values():
            partner.email = f"{partner.name.split()[0].lower()}@customer.example.com"
        # The busy senior already holds two open tickets.
        for index in range(2):
            cls.env["helpdesk.ticket"].create(
                {
                    "name": f"Busy {index}",
                    "description": "Other work.",
                    "user_id": users["busy_senior"].id,
                }
            )

    def run_job(self, at, messages=True):
        # as the cron runner does, the wake-ups it runs for are consumed
        self.env["ir.cron.trigger"].search(
            [("cron_id", "=", self.cron.id), ("call_at", "<=", at)]
        ).unlink()
        with freeze_time(at):
            self.env["sla.clock"]._cron_sla_escalate()
            if messages:
                # and the job it wakes, which posts the steps' messages
                self.env["sla.escalation.event"]._cron_sla_post_messages()

    def events(self, ticket, state=None):
        events = self.env["sla.escalation.event"].search(
            [("ticket_id", "=", ticket.id)], order="due_at, id"
        )
        if state:
            events = events.filtered(lambda e: e.state == state)
        return events

    def fired(self, ticket):
        """{rule xml name: event} of the ticket's done events."""
        names = {rule: name for name, rule in self.rules.items()}
        return {
            names[event.rule_id]: event
            for event in self.events(ticket, "done")
            if event.rule_id in names
        }

    def open_ticket(self, tier_name, priority, at, **vals):
        ticket = super().open_ticket(tier_name, priority, at, **vals)
        # Created in a transaction of its own, as in production: later
        # changes are tracked.
        with freeze_time(at):
            self.env.cr.precommit.run()
        return ticket

    def move(self, ticket, stage, at):
        # Tracked, and the tracking message written at `at` as a commit
        # would: stage changes count as progress from the chatter.
        with freeze_time(at):
            ticket.with_context(tracking_disable=False).stage_id = stage
            self.env.cr.precommit.run()

    def reply(self, ticket, at, user=None):
        with freeze_time(at):
            ticket.with_user(user or self.agent).message_post(
                body="We are looking into it.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )


__all__ = ["P1", "P2", "P3", "P4", "EscalationCase", "local"]
