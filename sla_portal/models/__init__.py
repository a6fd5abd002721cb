from . import contract_contract
from . import helpdesk_ticket
from . import sla_tier
from . import sla_reconcile
