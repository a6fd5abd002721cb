# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "SLA Contracts",
    "summary": "Tiered SLA policies on service contracts and live response/resolution clocks on helpdesk tickets.",
    "version": "18.0.1.0.0",
    "category": "Helpdesk",
    "website": "https://github.com/sla-suite/odoo-sla",
    "author": "SLA Suite contributors",
    "license": "AGPL-3",
    "depends": ["helpdesk_mgmt", "contract", "resource"],
    "data": [
        "security/ir.model.access.csv",
    ],
}
