from odoo.tests import HttpCase, tagged

from .common import P1, EscalationCase, local

OPENED = local(2027, 1, 18, 9, 0)  # Monday
REPORT = "sla.escalation.ticket.report"


@tagged("post_install", "-at_install")
class TestTeamLeadEscalationRate(EscalationCase, HttpCase):
    """A team lead (helpdesk_mgmt's 'Team tickets' user) opens the weekly
    escalation rate from his team's card, over his teams' tickets only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.team_lead = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Team Lead Tom",
                    "login": "esc_team_lead",
                    "password": "esc_team_lead",
                    "email": "tom@example.com",
                    "groups_id": [
                        (
                            6,
                            0,
                            [cls.env.ref("helpdesk_mgmt.group_helpdesk_user_team").id],
                        )
                    ],
                }
            )
        )
        cls.team.write(
            {"user_id": cls.team_lead.id, "user_ids": [(4, cls.team_lead.id)]}
        )
        cls.other_team = cls.env["helpdesk.ticket.team"].create(
            {"name": "Other team", "user_ids": [(4, cls.agent.id)]}
        )

    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_team_lead_opens_the_escalation_rate_of_his_teams(self):
        mine = self.open_ticket("Bronze", P1, OPENED)
        quiet = self.open_ticket("Bronze", P1, OPENED)
        self.reply(quiet, local(2027, 1, 18, 9, 30))
        theirs = self.open_ticket("Bronze", P1, OPENED, team_id=self.other_team.id)
        self.run_job(local(2027, 1, 18, 12, 0))
        self.assertIn("response_75", self.fired(mine))
        self.assertIn("response_75", self.fired(theirs))
        ours = [mine.id, quiet.id, theirs.id]
        self.env.flush_all()

        self.authenticate("esc_team_lead", "esc_team_lead")
        loaded = self.make_jsonrpc_request(
            "/web/action/load",
            {"action_id": "sla_escalation.sla_escalation_ticket_report_action"},
        )
        self.assertEqual(loaded["res_model"], REPORT)
        # the graph, pivot, list and search views load
        views = self.call(
            REPORT,
            "get_views",
            [[False, "graph"], [False, "pivot"], [False, "list"], [False, "search"]],
            options={"load_filters": True},
        )
        self.assertEqual(set(views["views"]), {"graph", "pivot", "list", "search"})
        # his teams' tickets, not the others'
        rows = self.call(
            REPORT, "search_read", [("ticket_id", "in", ours)], fields=["ticket_id"]
        )
        self.assertEqual({r["ticket_id"][0] for r in rows}, {mine.id, quiet.id})
        [group] = self.call(
            REPORT,
            "read_group",
            [("ticket_id", "in", ours)],
            ["escalated:avg", "escalations:sum"],
            [],
            lazy=False,
        )
        self.assertEqual(group["__count"], 2)
        self.assertEqual(group["escalated"], 50.0)
        # the way in: the View menu of his team's card on the dashboard
        views = self.call(
            "helpdesk.ticket.team", "get_views", [[False, "kanban"]], options={}
        )
        self.assertIn(
            "action_view_sla_escalation_rate",
            views["views"]["kanban"]["arch"],
        )
        action = self.call(
            "helpdesk.ticket.team", "action_view_sla_escalation_rate", [self.team.id]
        )
        self.assertEqual(action["res_model"], REPORT)
        self.assertEqual(action["context"], {"search_default_team_id": self.team.id})
        # a helpdesk user of every ticket still counts them all
        every = (
            self.env[REPORT].with_user(self.agent).search([("ticket_id", "in", ours)])
        )
        self.assertEqual(set(every.ticket_id.ids), set(ours))
