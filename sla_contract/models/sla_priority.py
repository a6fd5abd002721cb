from odoo import api, fields, models, tools
from odoo.tools import SQL

# The one vocabulary of priorities, P1 first, for every selection of the
# suite. The values are helpdesk_mgmt's ticket priorities ("3" is three
# stars), so a clock, a cycle or a report row keeps the ticket's own value.
TICKET_PRIORITIES = [
    ("3", "P1 - Critical"),
    ("2", "P2 - High"),
    ("1", "P3 - Medium"),
    ("0", "P4 - Low"),
]


def priority_order(order, fnames):
    """`order` (an ORM order) with its terms on the priority fields `fnames`
    reversed: the values sort from P4 ("0") to P1 ("3"), so "ascending" in
    P1..P4 terms is descending on the values. A term without direction is
    ascending, P1 first."""
    terms = []
    for part in order.split(","):
        words = part.split()
        if not words or words[0] not in fnames:
            terms.append(part)
            continue
        descending = len(words) > 1 and words[1].lower() == "desc"
        nulls = " ".join(words[2:]) or ("nulls first" if descending else "nulls last")
        terms.append(f"{words[0]} {'asc' if descending else 'desc'} {nulls}")
    return ",".join(terms)


class SlaPriorityOrderMixin(models.AbstractModel):
    """Lists sorted and groups made by priority come P1 to P4, in the order
    of TICKET_PRIORITIES, in pivots, graphs, grouped lists and sorted lists
    alike."""

    _name = "sla.priority.order.mixin"
    _description = "SLA Priority Order"
    # The priority selections of the model inheriting this.
    _sla_priority_fields = ("ticket_priority",)
    # Whether an explicit order on them reads in P1..P4 terms ("asc" is P1
    # first). Off for a model whose own orders already say "priority desc"
    # for P1 first (helpdesk_mgmt's tickets): only its default groups move.
    _sla_priority_order_reversed = True

    def _read_group_orderby(self, order, groupby_terms, query):
        fnames = self._sla_priority_fields
        if order and not self._sla_priority_order_reversed:
            # read_group orders by its bare groupby terms when given no
            # order: a bare term P1 first, an explicit direction as is.
            order = ",".join(
                f"{part.strip()} desc nulls last" if part.strip() in fnames else part
                for part in order.split(",")
            )
            return super()._read_group_orderby(order, groupby_terms, query)
        if order:
            return super()._read_group_orderby(
                priority_order(order, fnames), groupby_terms, query
            )
        if not any(term in fnames for term in groupby_terms):
            return super()._read_group_orderby(order, groupby_terms, query)
        # What the ORM does without an order (every term ascending, many2one
        # on their ids), with the priority terms P1 first.
        return SQL(", ").join(
            SQL("%s DESC NULLS LAST", sql) if term in fnames else SQL("%s ASC", sql)
            for term, sql in groupby_terms.items()
        )

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        if (
            self._sla_priority_order_reversed
            and field_name in self._sla_priority_fields
        ):
            descending = direction.code.upper() == "DESC"
            direction = SQL("ASC") if descending else SQL("DESC")
            if not nulls.code:
                nulls = SQL("NULLS FIRST") if descending else SQL("NULLS LAST")
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)


class SlaPriority(models.Model):
    _name = "sla.priority"
    _inherit = ["sla.cache.mixin"]
    _description = "SLA Priority Definition"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    code = fields.Char(required=True, help="Short code shown to agents, e.g. P1.")
    name = fields.Char(required=True, translate=True)
    ticket_priority = fields.Selection(
        TICKET_PRIORITIES,
        required=True,
        help="The helpdesk ticket priority this definition applies to.",
    )
    definition = fields.Text(translate=True)
    business_impact = fields.Text(translate=True)
    example = fields.Text(translate=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "ticket_priority_uniq",
            "unique(ticket_priority)",
            "Each ticket priority has one SLA definition.",
        ),
    ]

    @api.model
    @tools.ormcache()
    def _by_ticket_priority(self):
        """{helpdesk priority value: active definition id}."""
        return {p.ticket_priority: p.id for p in self.search([("active", "=", True)])}

    def _compute_display_name(self):
        for priority in self:
            priority.display_name = f"{priority.code} - {priority.name}"
