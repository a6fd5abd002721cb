"""The seed's 50% alerts to the ticket's own agent are reminders, not
escalations: their rules (noupdate data) stop counting in the escalation
rate."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE sla_escalation_rule r
           SET is_escalation = FALSE
          FROM ir_model_data d
         WHERE d.model = 'sla.escalation.rule'
           AND d.module = 'sla_escalation'
           AND d.name IN ('rule_response_50', 'rule_resolution_50')
           AND d.res_id = r.id
        """
    )
