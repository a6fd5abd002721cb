from . import res_company
from . import res_config_settings
from . import helpdesk_ticket_team
from . import sla_escalation_role
from . import sla_escalation_rule
from . import sla_escalation_event
from . import sla_clock
from . import helpdesk_ticket
