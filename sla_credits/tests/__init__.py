from . import test_alertmanager
from . import test_credit_evaluation
from . import test_credit_invoicing
from . import test_credit_tour
from . import test_credit_access
from . import test_tier_whatif
from . import test_tier_whatif_live
from . import test_agreement
