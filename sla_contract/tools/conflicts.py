"""Concurrent updates a job handles itself, kept out of the error log.

When two workers touch the same row, PostgreSQL refuses one of them
(serialization failure, deadlock). A job that expects this rolls the one
record back and takes it again later; the database layer still logs each
refusal as an ERROR ("bad query"), which operators page on. While such a job
runs, those lines are counted instead and reported once, at INFO.
"""

import logging
import threading
from contextlib import contextmanager

from psycopg2.extensions import TransactionRollbackError

SQL_LOGGER = "odoo.sql_db"


class _HandledConflicts(logging.Filter):
    def __init__(self):
        super().__init__()
        self.thread = threading.get_ident()
        self.count = 0

    def filter(self, record):
        if threading.get_ident() != self.thread:
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        if (
            str(record.msg).startswith("bad query")
            and len(args) == 2
            and isinstance(args[1], TransactionRollbackError)
        ):
            self.count += 1
            return False
        return True


@contextmanager
def handled_conflicts(logger, what):
    """Within the block, this thread's refused updates are not errors:
    `logger` reports their number at INFO when the block ends."""
    conflicts = _HandledConflicts()
    sql_logger = logging.getLogger(SQL_LOGGER)
    sql_logger.addFilter(conflicts)
    try:
        yield conflicts
    finally:
        sql_logger.removeFilter(conflicts)
        if conflicts.count:
            logger.info(
                "%s: %d concurrent updates met and handled", what, conflicts.count
            )
