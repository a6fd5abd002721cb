from . import sla_service_review_wizard
