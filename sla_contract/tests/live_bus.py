"""Bus notifications that reach the browser of a tour.

A test never commits, and PostgreSQL delivers the bus's NOTIFY only on
commit: in a tour, nothing the server sends reaches the page. This wakes the
websockets subscribed to the channels a request notified, once its bus rows
are written, as the NOTIFY would in production. They read the rows through
the test cursor, after the request.

Odoo's own test runner refuses websockets while a test runs (pytest does
not tell Odoo a test is running): they are allowed here, as bus's own
WebsocketCase allows them.
"""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.addons.bus.models.bus import ImBus, dispatch, hashable
from odoo.addons.bus.websocket import WebsocketConnectionHandler

_ensure_hooks = ImBus._ensure_hooks


def _ensure_hooks_and_wake(self):
    _ensure_hooks(self)
    cr = self.env.cr
    if "sla_tests.wake" in cr.precommit.data:
        return
    cr.precommit.data["sla_tests.wake"] = True

    # Added after the bus's own hook: runs once the rows are created.
    @cr.precommit.add
    def wake():
        cr.precommit.data.pop("sla_tests.wake", None)
        sockets = set()
        for channel in cr.postcommit.data.get("bus.bus.channels", ()):
            sockets.update(dispatch._channels_to_ws.get(hashable(channel), ()))
        for socket in sockets:
            socket.trigger_notification_dispatching()


@contextmanager
def live_bus():
    with (
        patch.object(ImBus, "_ensure_hooks", _ensure_hooks_and_wake),
        patch.object(
            WebsocketConnectionHandler, "websocket_allowed", return_value=True
        ),
    ):
        yield
