from . import test_portal_access
from . import test_portal_tour
from . import test_odoorpc_contract
