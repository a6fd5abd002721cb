"""Wake Odoo's cron workers at an exact instant.

A worker looks for due jobs every SLEEP_INTERVAL (a minute) and at once when
notified on the `cron_trigger` channel. A trigger row for a future instant is
only seen at the next look, up to a minute late. The process that writes such
a row also keeps an alarm that sends the notification at its instant, so that
the job runs within a second or two. The row stays the guarantee: if this
process ends first, the next look still finds it.
"""

import heapq
import logging
import threading
import time
from datetime import UTC

from odoo import sql_db
from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# The database server's clock may run a little behind this one; ringing
# before the row is due there would find nothing to run.
MARGIN = 1.0
# Only the earliest instants are kept: each job run arms the next one again.
MAX_PENDING = 256


class CronAlarm:
    def __init__(self, notify):
        self._notify = notify
        self._pending = []  # heap of (epoch seconds, database name)
        self._cond = threading.Condition()
        self._thread = None

    def ring_at(self, dbname, at):
        """Notify the workers of `dbname` at `at` (naive UTC)."""
        when = at.replace(tzinfo=UTC).timestamp() + MARGIN
        with self._cond:
            if (when, dbname) in self._pending:
                return
            heapq.heappush(self._pending, (when, dbname))
            if len(self._pending) > MAX_PENDING:
                self._pending = heapq.nsmallest(MAX_PENDING, self._pending)
                heapq.heapify(self._pending)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="sla.cron_alarm", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def pending(self):
        with self._cond:
            return sorted(self._pending)

    def _loop(self):
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                delay = self._pending[0][0] - time.time()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                now = time.time()
                due = set()
                while self._pending and self._pending[0][0] <= now:
                    due.add(heapq.heappop(self._pending)[1])
            for dbname in due:
                try:
                    self._notify(dbname)
                except Exception:  # the trigger row remains
                    _logger.warning("Could not wake the cron workers of %s", dbname)


def notify_cron_workers(dbname):
    """What ir.cron._notifydb sends, for a database named explicitly."""
    with sql_db.db_connect("postgres").cursor() as cr:
        cr.execute(
            SQL(
                "SELECT %s('cron_trigger', %s)",
                SQL.identifier(ODOO_NOTIFY_FUNCTION),
                dbname,
            )
        )


ALARM = CronAlarm(notify_cron_workers)
