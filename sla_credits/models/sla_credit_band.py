from collections import defaultdict
from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import credit_math

# A tier or contract form saves its bands as a batch of commands, one after
# the other: its table is checked once, when the save is over. Kept on the
# cursor, where no caller can set it, unlike the context.
SAVING_KEY = "sla_credits.band_tables_saving"
PENDING_KEY = "sla_credits.band_tables_to_check"
OWNER_FIELDS = {
    "sla.tier": "credit_band_ids",
    "contract.contract": "sla_credit_band_ids",
}


class SlaCreditBand(models.Model):
    _name = "sla.credit.band"
    _description = "SLA Compliance Credit Band"
    _order = "lower_percent desc, id"

    tier_id = fields.Many2one("sla.tier", ondelete="cascade", index="btree_not_null")
    contract_id = fields.Many2one(
        "contract.contract", ondelete="cascade", index="btree_not_null"
    )
    lower_percent = fields.Float(
        string="From (%)",
        digits=(6, 3),
        required=True,
        help="Compliance at or above this rate falls in the band.",
    )
    upper_percent = fields.Float(
        string="Below (%)",
        digits=(6, 3),
        required=True,
        help="Compliance below this rate falls in the band; the band ending "
        "at 100% also holds 100% itself.",
    )
    credit_percent = fields.Float(
        string="Credit (% of fee)", digits=(6, 3), required=True
    )
    right_to_terminate = fields.Boolean(
        help="Compliance in this band gives the customer the right to terminate."
    )

    _sql_constraints = [
        (
            "one_owner",
            "CHECK ((tier_id IS NULL) != (contract_id IS NULL))",
            "A credit band belongs to a tier or to a contract, not both.",
        ),
    ]

    def _to_band(self):
        return credit_math.Band(
            credit_math.to_decimal(self.lower_percent),
            credit_math.to_decimal(self.upper_percent),
            credit_math.to_decimal(self.credit_percent),
            self.right_to_terminate,
        )

    def _owner(self):
        return self.tier_id or self.contract_id

    # ------------------------------------------------------------------ checks

    @api.constrains("lower_percent", "upper_percent", "credit_percent")
    def _check_band(self):
        for band in self:
            try:
                credit_math.check_band(band._to_band())
            except ValueError as error:
                raise band._invalid(band.sudo()._owner(), error) from error

    @api.model
    def _invalid(self, owner, error):
        return ValidationError(
            self.env._(
                "The credit bands of %(owner)s are not valid: %(error)s",
                owner=owner.display_name,
                error=str(error),
            )
        )

    @api.model
    def _check_owner_bands(self, owner, bands):
        """Refuse a table with a gap or an overlap, in the manager's words.
        No bands at all is a valid table: the contract falls back to its
        tier's bands, the tier to the standard table."""
        if not bands:
            return
        try:
            credit_math.validate_bands([band._to_band() for band in bands])
        except ValueError as error:
            raise self._invalid(owner, error) from error

    def _sla_tables_changed(self):
        """Remember the tables these bands belong to, to check them once
        the operation is over, and before the transaction commits in any
        case."""
        precommit = self.env.cr.precommit
        pending = precommit.data.get(PENDING_KEY)
        if pending is None:
            pending = precommit.data[PENDING_KEY] = set()
            precommit.add(self.sudo()._sla_check_pending_tables)
        for band in self.sudo():
            owner = band._owner()
            if owner:
                pending.add((owner._name, owner.id))

    @api.model
    def _sla_check_tables(self):
        """At the end of an operation on bands: check their tables now,
        unless a tier or contract is still saving its bands (checked at the
        end of that save), or a data file is being loaded (it writes a table
        one band at a time: checked before the commit). Not "while the
        registry loads": the tests Odoo runs at install time must see the
        checks a user meets."""
        if self.env.cr.cache.get(SAVING_KEY) or self.env.context.get(
            "install_filename"
        ):
            return
        self._sla_check_pending_tables()

    @api.model
    def _sla_check_pending_tables(self):
        pending = self.env.cr.precommit.data.pop(PENDING_KEY, ())
        by_model = defaultdict(list)
        for model, owner_id in pending:
            by_model[model].append(owner_id)
        for model, owner_ids in sorted(by_model.items()):
            owners = self.env[model].sudo().browse(sorted(owner_ids)).exists()
            for owner in owners:
                self._check_owner_bands(owner, owner[OWNER_FIELDS[model]])

    @api.model
    @contextmanager
    def _sla_saving_tables(self):
        """Around a tier's or contract's create or write: the tables its
        commands change are checked once, at the end."""
        cache = self.env.cr.cache
        cache[SAVING_KEY] = cache.get(SAVING_KEY, 0) + 1
        try:
            yield
        finally:
            cache[SAVING_KEY] -= 1
        self._sla_check_tables()

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        bands = super().create(vals_list)
        bands._sla_tables_changed()
        self._sla_check_tables()
        return bands

    def write(self, vals):
        # the table a band leaves, and the one it joins
        self._sla_tables_changed()
        result = super().write(vals)
        self._sla_tables_changed()
        self._sla_check_tables()
        return result

    def unlink(self):
        self._sla_tables_changed()
        result = super().unlink()
        self._sla_check_tables()
        return result

    # ------------------------------------------------------------------ loading

    @api.model
    def _tables_of(self, records):
        """{record id: its validated bands, or the ValidationError that says
        what is wrong with them} for tiers or contracts, in one read; a
        record without bands is left out."""
        field = "contract_id" if records._name == "contract.contract" else "tier_id"
        bands_model = self.sudo()
        found = defaultdict(bands_model.browse)
        for band in bands_model.search([(field, "in", records.ids)]):
            found[band[field].id] |= band
        tables = {}
        for owner_id, bands in found.items():
            try:
                tables[owner_id] = credit_math.validate_bands(
                    [band._to_band() for band in bands]
                )
            except ValueError as error:
                tables[owner_id] = self._invalid(bands[0]._owner(), error)
        return tables

    @api.model
    def _bands_of(self, records):
        """{record id: validated bands}; an invalid table raises its
        ValidationError."""
        tables = self._tables_of(records)
        for table in tables.values():
            if isinstance(table, ValidationError):
                raise table
        return tables
