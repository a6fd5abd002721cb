from odoo import SUPERUSER_ID, api

# The shipped "Term and Renewal" text referred to a term "stated below" that
# the agreement never stated; the agreement now states the term from the
# contract's dates, and the text says what notice ends it.
OLD_TERM = (
    "<p>The agreement runs from its start date for the term stated below and "
    "renews for the same term unless either party gives 60 days' written "
    "notice. The customer may terminate for cause when a month's compliance "
    "falls in a band that grants the right to terminate.</p>"
)
NEW_TERM = (
    "<p>Either party may end the agreement with 60 days' written notice: a "
    "fixed term then ends without renewal, an agreement without an end date "
    "ends when the notice runs out. The customer may terminate for cause when "
    "a month's compliance falls in a band that grants the right to "
    "terminate.</p>"
)


def migrate(cr, version):
    """Replace the shipped term text where nobody reworded it: on the tiers'
    templates and on the contracts that kept it."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
    for tier in env["sla.tier"].with_context(active_test=False).search([]):
        if tier.agreement_term and OLD_TERM in tier.agreement_term:
            # str: Markup.replace would escape its arguments and match nothing
            tier.agreement_term = str(tier.agreement_term).replace(OLD_TERM, NEW_TERM)
    cr.execute(
        """UPDATE contract_contract
              SET sla_agreement_term = replace(sla_agreement_term, %s, %s)
            WHERE sla_agreement_term LIKE %s""",
        [OLD_TERM, NEW_TERM, f"%{OLD_TERM}%"],
    )
