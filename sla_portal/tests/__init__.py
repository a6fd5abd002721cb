from . import test_portal_access
from . import test_portal_tour
from . import test_portal_follower
from . import test_portal_review
from . import test_odoorpc_contract
from . import test_reconciliation
from . import test_read_paths
from . import test_demo_history
