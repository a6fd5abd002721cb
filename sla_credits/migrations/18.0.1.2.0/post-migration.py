"""Credits now keep the terms their month was priced on, so that a late
correction of a closed month is priced on them. The credits made before did
not keep them: they get the terms of their contract as it is today, the best
there is (the tier's guarantee is the one the credit names). A contract
whose bands are not valid leaves its credits without a band table: a
correction then reads the contract's bands, or says why it cannot.

Compliance rates are now stored as printed, cut to two decimals, never
rounded into the band above: 296 of 299 tickets is 98.99%, not 99.00%. Only
the credits still open to review get the cut rate: a closed month (approved,
applied, waived) keeps the rate its invoice line and its customer read."""

from odoo import SUPERUSER_ID, api
from odoo.addons.sla_credits.engine import credit_math
from odoo.addons.sla_credits.models.sla_credit import bands_to_json


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
    cr.execute("SELECT id FROM sla_credit WHERE band_table IS NULL ORDER BY id")
    credit_recs = env["sla.credit"].browse(row[0] for row in cr.fetchall())
    band_model = env["sla.credit.band"]
    own = band_model._tables_of(credit_recs.contract_id)
    tiers = band_model._tables_of(
        credit_recs.tier_id | credit_recs.contract_id.sla_tier_id
    )
    for credit in credit_recs:
        contract = credit.contract_id
        tier = credit.tier_id or contract.sla_tier_id
        bands = own.get(contract.id) or tiers.get(tier.id) or credit_math.DEFAULT_BANDS
        credit.write(
            {
                "band_table": (
                    False if isinstance(bands, Exception) else bands_to_json(bands)
                ),
                "uptime_guarantee": tier.uptime_guarantee,
                "notice_hours": contract.sla_notice_hours,
                "maintenance_allowance_hours": contract.sla_maintenance_allowance_hours,
                "per_started_hour": contract.sla_uptime_per_started_hour,
            }
        )
    env.flush_all()
    cr.execute(
        """
        UPDATE sla_credit
           SET compliance_rate = trunc(tickets_within * 100.0 / tickets, 2)
         WHERE tickets > 0
           AND state NOT IN ('approved', 'applied', 'waived')
        """
    )
