import { registry } from "@web/core/registry";

/**
 * A customer checks how we did: from the portal home to "SLA & service",
 * then his contract, its compliance last month and the credit on his
 * invoice. Needs the data of sla_portal/tests/test_portal_tour.py.
 */
registry.category("web_tour.tours").add("sla_portal_customer_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Open SLA & service from the portal home",
            trigger: "a[href='/my/sla']",
            run: "click",
        },
        {
            content: "The contract is listed with this month's figures",
            trigger: ".o_sla_portal_contract:contains(Alpha gold support) .o_sla_uptime",
        },
        {
            content: "Open the contract",
            trigger: ".o_sla_portal_contract a:contains(Alpha gold support)",
            run: "click",
        },
        {
            content: "Last month's compliance reads 50%",
            trigger: ".o_sla_portal_months td:contains(50.00%)",
        },
        {
            content: "The credit is there, with its invoice",
            trigger: ".o_sla_portal_credits .o_sla_credit_amount:contains(200.00)",
        },
        {
            content: "and the service review can be downloaded",
            trigger: "a.o_sla_review_month",
        },
    ],
});
