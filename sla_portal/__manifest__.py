# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "SLA Customer Portal",
    "summary": "Customers see their SLA commitments, compliance, breaches and credits "
    "in the portal",
    "version": "18.0.1.0.0",
    "category": "Helpdesk",
    "website": "https://github.com/sla-suite/odoo-sla",
    "author": "SLA Suite contributors",
    "license": "AGPL-3",
    "depends": ["sla_contract", "sla_credits", "portal", "helpdesk_mgmt"],
    "data": [
        "security/ir.model.access.csv",
        "security/sla_portal_security.xml",
        "views/sla_portal_templates.xml",
        "views/helpdesk_ticket_templates.xml",
        "views/sla_tier_views.xml",
    ],
    "demo": [
        "demo/sla_portal_demo.xml",
    ],
    "assets": {
        "web.assets_tests": ["sla_portal/static/tests/tours/*.js"],
    },
}
