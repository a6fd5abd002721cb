from odoo import api, models


class SlaCacheMixin(models.AbstractModel):
    """Records whose edits invalidate the SLA caches.

    Tier rules, the priority map and calendar engines are cached per worker
    (ormcache); any create, write or unlink of a record they are built from
    clears the caches of every worker, and reschedules the open clocks the
    change moves.
    """

    _name = "sla.cache.mixin"
    _description = "SLA cache invalidation"

    def _sla_feeds_cache(self):
        return bool(self)

    def _sla_affected_clocks(self, vals=None):
        """Open clocks whose instants these records decide, as they are now
        (`vals`: the values being written, None on create and unlink)."""
        return self.env["sla.clock"]

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if records._sla_feeds_cache():
            self.env.registry.clear_cache()
            records._sla_affected_clocks()._reschedule_now()
        return records

    def write(self, vals):
        fed_before = self._sla_feeds_cache()
        # A holiday moved off a calendar must free the clocks it held too.
        clocks = self._sla_affected_clocks(vals) if fed_before else None
        res = super().write(vals)
        if fed_before or self._sla_feeds_cache():
            self.env.registry.clear_cache()
            clocks = (clocks or self.env["sla.clock"]) | self._sla_affected_clocks(vals)
            clocks._reschedule_now()
        return res

    def unlink(self):
        fed = self._sla_feeds_cache()
        clocks = self._sla_affected_clocks() if fed else None
        res = super().unlink()
        if fed:
            self.env.registry.clear_cache()
            clocks.exists()._reschedule_now()
        return res
