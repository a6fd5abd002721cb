# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "SLA Service Credits",
    "summary": "Monthly SLA compliance and uptime turned into service credits on the "
    "contract's next invoice, and quarterly bonuses",
    "version": "18.0.1.2.0",
    "category": "Helpdesk",
    "website": "https://github.com/sla-suite/odoo-sla",
    "author": "SLA Suite contributors",
    "license": "AGPL-3",
    "depends": ["sla_contract", "contract", "helpdesk_mgmt_rating"],
    "data": [
        "security/sla_credits_security.xml",
        "security/ir.model.access.csv",
        "data/product_data.xml",
        "data/sla_credit_band_data.xml",
        "data/ir_cron_data.xml",
        "views/sla_credit_views.xml",
        "views/sla_incident_views.xml",
        "views/sla_monitored_service_views.xml",
        "views/sla_bonus_views.xml",
        "views/sla_tier_views.xml",
        "views/contract_contract_views.xml",
        "views/res_config_settings_views.xml",
        "views/sla_credit_wizard_views.xml",
        "views/sla_credits_menus.xml",
        "views/sla_dashboard_views.xml",
        "views/sla_tier_whatif_views.xml",
        "report/sla_service_review_templates.xml",
        "report/sla_agreement_templates.xml",
    ],
    "assets": {
        "web.assets_tests": ["sla_credits/static/tests/tours/*.js"],
    },
    "demo": [
        "demo/sla_credits_demo.xml",
    ],
}
