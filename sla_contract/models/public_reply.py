"""What a public reply is: the message that stops a response clock and that
first contact resolution counts. One rule, in Python for the clocks and as
the SQL condition the reports and the tier what-if read, side by side; a
test checks them against each other on every kind of message."""

from odoo.tools import SQL

PUBLIC_REPLY_TYPES = ("comment", "email")


def is_public_reply(message):
    """A reply the customer sees, written by an internal user (archived or
    not): internal notes, automatic notifications and the customer's own
    messages are not responses."""
    if message.message_type not in PUBLIC_REPLY_TYPES:
        return False
    if not message.subtype_id or message.subtype_id.internal:
        return False
    users = message.author_id.sudo().with_context(active_test=False).user_ids
    return any(not user.share for user in users)


def public_reply_sql(message, subtype):
    """The same rule as a condition on `mail_message` aliased `message`,
    joined (inner) to its `mail_message_subtype` aliased `subtype`."""
    m, s = SQL.identifier(message), SQL.identifier(subtype)
    return SQL(
        """%s.message_type IN %s
           AND NOT COALESCE(%s.internal, FALSE)
           AND EXISTS (SELECT 1 FROM res_users author
                        WHERE author.partner_id = %s.author_id
                          AND NOT author.share)""",
        m,
        PUBLIC_REPLY_TYPES,
        s,
        m,
    )
