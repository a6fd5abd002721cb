from . import sla_credit_compute_wizard
from . import sla_credit_waive_wizard
from . import sla_tier_whatif
