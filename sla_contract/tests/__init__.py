from . import test_clock_deadlines, test_clock_events, test_worktime_vs_resource
from . import test_queue, test_ui_tour
from . import test_ticket_report
from . import test_dashboard_tour
from . import test_service_review
from . import test_review_meetings
from . import test_cron_triggers
from . import test_cycles
from . import test_ticket_close
from . import test_background_updates
