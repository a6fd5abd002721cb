from . import (
    contract_contract,
    helpdesk_ticket,
    helpdesk_ticket_stage,
    helpdesk_ticket_team,
    resource_calendar,
    sla_breach,
    sla_clock,
    sla_clock_pause,
    sla_priority,
    sla_tier,
    sla_tier_target,
)
