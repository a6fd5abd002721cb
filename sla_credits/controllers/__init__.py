from . import alertmanager
