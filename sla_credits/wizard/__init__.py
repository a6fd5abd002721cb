from . import sla_credit_compute_wizard
from . import sla_credit_waive_wizard
from . import sla_tier_whatif
from . import sla_monitored_service_token
