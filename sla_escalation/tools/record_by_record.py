"""The loop both escalation jobs run: rows locked with SKIP LOCKED, then
handled one by one, each committed on its own in a scheduled job.

Two workers split the rows. A row another worker changed since this
snapshot is a conflict, not a failure: it is left for the next run, which
the caller wakes at once. A row whose work fails is handed to `on_error`,
and the others proceed.
"""

import logging

from psycopg2.extensions import TransactionRollbackError

_logger = logging.getLogger(__name__)


def lock(env, take, commit, what):
    """The rows `take()` locks, or None when a concurrent update refused the
    lock (the transaction is then rolled back, in a scheduled job only: a
    fresh run sees the rows as they are)."""
    try:
        return take()
    except TransactionRollbackError:
        if not commit:
            raise
        env.cr.rollback()
        _logger.info("%s: concurrent update, run again", what)
        return None


def each(env, records, *, commit, relock, work, on_error, what):
    """Run `work(record)` for each record, in a savepoint; the number of
    records left to the next run by a conflict."""
    conflicts = 0
    for record in records:
        if commit:
            env.cr.commit()  # pylint: disable=invalid-commit
            # the batch's locks went with the commit: take this one again
            try:
                relocked = relock(record)
            except TransactionRollbackError:
                conflicts += 1
                env.cr.rollback()
                continue
            if not relocked:
                continue
        try:
            with env.cr.savepoint():
                work(record)
        except TransactionRollbackError:
            conflicts += 1
            _logger.info(
                "%s %s: concurrent update, done in the next run", what, record.id
            )
            if not commit:
                # the transaction's snapshot stays stale: stop here
                break
            env.cr.rollback()
        except Exception as error:
            _logger.exception("%s %s failed", what, record.id)
            with env.cr.savepoint():
                on_error(record, error)
    return conflicts
