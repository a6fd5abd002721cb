from datetime import timedelta

from odoo import fields, http
from odoo.addons.contract.controllers.main import PortalContract
from odoo.addons.helpdesk_mgmt.controllers.main import HelpdeskTicketController
from odoo.addons.helpdesk_mgmt.controllers.myaccount import CustomerPortalHelpdesk
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.addons.sla_contract.models.contract_contract_review import period_bounds
from odoo.addons.sla_contract.report.sla_service_review import AUDIENCE_CUSTOMER
from odoo.addons.sla_contract.tools import lang_format
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.osv import expression

PAGE_SIZE = 20
# What OCA's "Contracts" entry lists: the contracts without a service level,
# which have no "SLA & service" page (the complement of _sla_contract_domain).
WITHOUT_SLA_DOMAIN = ["|", ("sla_tier_id", "=", False), ("contract_type", "!=", "sale")]


def _number_formats(env):
    """The page's number formatters, in the customer's language: 98,99 for a
    French customer."""
    return {
        "format_rate": lambda value, places=2: lang_format.rate(env, value, places),
        "format_number": lambda value, places: lang_format.fixed(env, value, places),
        "format_local": lambda text: lang_format.localize(env, text),
    }


class SlaPortal(CustomerPortal):
    def _sla_contract_domain(self):
        # The customer's company scopes everything; record rules say the same.
        partner = request.env.user.partner_id.commercial_partner_id
        return [
            ("contract_type", "=", "sale"),
            ("sla_tier_id", "!=", False),
            ("partner_id", "child_of", partner.id),
        ]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "sla_contract_count" in counters:
            contracts = request.env["contract.contract"]
            values["sla_contract_count"] = (
                contracts.search_count(self._sla_contract_domain())
                if contracts.has_access("read")
                else 0
            )
        return values

    def _sla_sortings(self):
        return {
            "name": {"label": request.env._("Contract"), "order": "name"},
            "tier": {"label": request.env._("Tier"), "order": "sla_tier_id, name"},
            "start": {"label": request.env._("Start"), "order": "date_start desc"},
        }

    def _sla_filters(self):
        today = fields.Date.context_today(request.env.user)
        return {
            "all": {"label": request.env._("All"), "domain": []},
            "running": {
                "label": request.env._("Running"),
                "domain": ["|", ("date_end", "=", False), ("date_end", ">=", today)],
            },
        }

    # Read-only routes: on a deployment with a replica they run there (see
    # docs/deploy.md), and tests/test_read_paths.py fails if one writes.
    @http.route(
        ["/my/sla", "/my/sla/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_sla(self, page=1, sortby="name", filterby="running", **kw):
        contracts = request.env["contract.contract"]
        sortings, filters = self._sla_sortings(), self._sla_filters()
        sortby = sortby if sortby in sortings else "name"
        filterby = filterby if filterby in filters else "running"
        domain = self._sla_contract_domain() + filters[filterby]["domain"]
        count = contracts.search_count(domain)
        pager = portal_pager(
            url="/my/sla",
            url_args={"sortby": sortby, "filterby": filterby},
            total=count,
            page=page,
            step=PAGE_SIZE,
        )
        records = contracts.search(
            domain,
            order=sortings[sortby]["order"],
            limit=PAGE_SIZE,
            offset=pager["offset"],
        )
        today = fields.Date.context_today(request.env.user)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                **_number_formats(request.env),
                "page_name": "sla",
                "contracts": records,
                "summaries": records._sla_portal_summaries(today),
                "pager": pager,
                "default_url": "/my/sla",
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
            }
        )
        return request.render("sla_portal.portal_my_sla", values)

    def _sla_contract_or_404(self, contract_id, access_token=None):
        try:
            contract = self._document_check_access(
                "contract.contract", contract_id, access_token
            )
        except (AccessError, MissingError):
            return None
        # A shared link or a followed contract of another customer is not
        # theirs to audit: the commercial partner decides.
        partner = request.env.user.partner_id.commercial_partner_id
        if contract.partner_id.commercial_partner_id != partner or not (
            contract.sla_tier_id
        ):
            return None
        return contract

    @http.route(
        ["/my/sla/<int:contract_id>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_sla_contract(self, contract_id, **kw):
        contract = self._sla_contract_or_404(contract_id)
        if contract is None:
            raise request.not_found()
        user = request.env.user
        values = self._prepare_portal_layout_values()
        values.update(
            contract._sla_portal_page(
                fields.Date.context_today(user), user.tz or user.partner_id.tz
            )
        )
        values["page_name"] = "sla_contract"
        values.update(_number_formats(request.env))
        return request.render("sla_portal.portal_my_sla_contract", values)

    @http.route(
        ["/my/sla/<int:contract_id>/review"], type="http", auth="user", website=True
    )
    def portal_my_sla_review(self, contract_id, kind="month", **kw):
        contract = self._sla_contract_or_404(contract_id)
        if contract is None:
            raise request.not_found()
        kind = kind if kind in ("month", "quarter") else "month"
        today = fields.Date.context_today(request.env.user)
        current = period_bounds(today, kind)[0]
        start = period_bounds(current - timedelta(days=1), kind)[0]
        report = request.env["ir.actions.report"].sudo()
        # The customer's copy: the credits and breaches his page shows.
        data = {
            "start": fields.Date.to_string(start),
            "kind": kind,
            "audience": AUDIENCE_CUSTOMER,
        }
        if report.get_wkhtmltopdf_state() == "ok":
            content, _type = report._render_qweb_pdf(
                "sla_contract.report_sla_service_review", contract.ids, data=data
            )
            headers = [
                ("Content-Type", "application/pdf"),
                (
                    "Content-Disposition",
                    f'attachment; filename="service-review-{contract.id}-{start}.pdf"',
                ),
            ]
        else:
            content, _type = report._render_qweb_html(
                "sla_contract.report_sla_service_review", contract.ids, data=data
            )
            headers = [("Content-Type", "text/html; charset=utf-8")]
        return request.make_response(content, headers=headers)


class SlaPortalContract(PortalContract):
    """One entry per contract in /my: an SLA contract under "SLA & service"
    (its page links to the contract's own page and invoices), the others
    under OCA's "Contracts", which disappears when there are none."""

    def _get_filter_domain(self, kw):
        return expression.AND([super()._get_filter_domain(kw), WITHOUT_SLA_DOMAIN])

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "contract_count" in counters:
            contracts = request.env["contract.contract"]
            values["contract_count"] = (
                contracts.search_count(self._get_filter_domain({}))
                if contracts.has_access("read")
                else 0
            )
        return values


class SlaTicketPortal(CustomerPortalHelpdesk):
    def _ticket_get_searchbar_sortings(self):
        sortings = super()._ticket_get_searchbar_sortings()
        # Open tickets by their next deadline first, the others after.
        sortings["sla"] = {
            "label": request.env._("Next SLA deadline"),
            "order": "sla_next_deadline asc, create_date desc",
            "sequence": 0,
        }
        return sortings

    @http.route(readonly=True)
    def portal_my_tickets(self, page=1, sortby=None, **kw):
        return super().portal_my_tickets(page=page, sortby=sortby or "sla", **kw)


class SlaTicketSubmit(HelpdeskTicketController):
    def _get_create_new_ticket_values(self, **kw):
        values = super()._get_create_new_ticket_values(**kw)
        priorities, contract = request.env["helpdesk.ticket"]._sla_portal_priorities(
            request.env.user.partner_id, request.env.company
        )
        values.update({"sla_priorities": priorities, "sla_contract": contract})
        return values

    def _prepare_submit_ticket_vals(self, **kw):
        vals = super()._prepare_submit_ticket_vals(**kw)
        company = request.env["res.company"].browse(vals.get("company_id"))
        priorities, _contract = request.env["helpdesk.ticket"]._sla_portal_priorities(
            request.env.user.partner_id, company or request.env.company
        )
        allowed = set(priorities.mapped("ticket_priority"))
        chosen = kw.get("sla_priority")
        # Never above what the tier allows, whatever the form was made to send.
        if chosen in allowed:
            vals["priority"] = chosen
        elif chosen in ("0", "1", "2", "3") and allowed:
            vals["priority"] = max(allowed)
        return vals
