from . import test_escalation_math
from . import test_escalation_matrix
from . import test_escalation_timing
from . import test_escalation_once
from . import test_escalation_rate
from . import test_escalation_access
from . import test_escalation_failure
from . import test_escalation_follow_up
