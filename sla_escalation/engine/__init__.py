from . import escalation_math
