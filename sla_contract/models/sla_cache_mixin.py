from odoo import api, models


class SlaCacheMixin(models.AbstractModel):
    """Records whose edits invalidate the SLA caches.

    Tier rules, the priority map and calendar engines are cached per worker
    (ormcache); any create, write or unlink of a record they are built from
    clears the caches of every worker.
    """

    _name = "sla.cache.mixin"
    _description = "SLA cache invalidation"

    def _sla_feeds_cache(self):
        return bool(self)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if records._sla_feeds_cache():
            self.env.registry.clear_cache()
        return records

    def write(self, vals):
        fed_before = self._sla_feeds_cache()
        res = super().write(vals)
        if fed_before or self._sla_feeds_cache():
            self.env.registry.clear_cache()
        return res

    def unlink(self):
        fed = self._sla_feeds_cache()
        res = super().unlink()
        if fed:
            self.env.registry.clear_cache()
        return res
