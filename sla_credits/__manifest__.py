# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "SLA Service Credits",
    "summary": "Monthly SLA compliance, uptime, service credits and bonuses on contract invoices (in development)",
    "version": "18.0.1.0.0",
    "category": "Helpdesk",
    "website": "https://github.com/sla-suite/odoo-sla",
    "author": "SLA Suite contributors",
    "license": "AGPL-3",
    "depends": ["sla_contract", "contract"],
    "data": [
        "security/ir.model.access.csv",
    ],
}
