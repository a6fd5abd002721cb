# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "SLA Escalation",
    "summary": "Proactive escalation matrix fired at SLA thresholds (50/75/100/150%), "
    "on time and exactly once.",
    "version": "18.0.1.3.0",
    "category": "Helpdesk",
    "website": "https://github.com/sla-suite/odoo-sla",
    "author": "SLA Suite contributors",
    "license": "AGPL-3",
    "depends": ["sla_contract"],
    "data": [
        "security/ir.model.access.csv",
        "security/sla_escalation_security.xml",
        "data/mail_message_subtype_data.xml",
        "data/sla_escalation_role_data.xml",
        "data/mail_template_data.xml",
        "data/ir_cron_data.xml",
        "data/sla_escalation_rule_data.xml",
        "views/sla_escalation_rule_views.xml",
        "views/sla_escalation_role_views.xml",
        "views/sla_escalation_event_views.xml",
        "views/helpdesk_ticket_views.xml",
        "views/helpdesk_ticket_team_views.xml",
        "views/res_config_settings_views.xml",
        "views/sla_escalation_ticket_report_views.xml",
        "views/sla_escalation_menus.xml",
        "report/sla_agreement_templates.xml",
    ],
    "demo": [
        "demo/sla_escalation_demo.xml",
    ],
}
