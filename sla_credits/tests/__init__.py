from . import test_alertmanager
