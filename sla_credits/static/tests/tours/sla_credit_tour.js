import { registry } from "@web/core/registry";

/**
 * An account manager's month end: compute last month's service credits from
 * the menu, open the tour customer's credit, read why it is owed, approve it.
 *
 * Needs the data created by sla_credits/tests/test_credit_tour.py; runs as a
 * helpdesk manager without accounting rights.
 */
const CONTRACT = "Credit tour Gold support";

registry.category("web_tour.tours").add("sla_credits_approve_tour", {
    steps: () => [
        {
            content: "Open the Service Credits menu",
            trigger: ".o_menu_sections button:contains(Service Credits)",
            run: "click",
        },
        {
            content: "Compute credits on demand",
            trigger: ".dropdown-item:contains(Compute Credits)",
            run: "click",
        },
        {
            content: "The wizard proposes last month",
            trigger: ".modal .o_field_widget[name='month'] select",
        },
        {
            content: "Compute now",
            trigger: ".modal-footer button:contains(Compute now)",
            run: "click",
        },
        {
            content: "The tour customer's credit is listed",
            trigger: `.o_list_view .o_data_row:contains(${CONTRACT}) td[name='contract_id']`,
            run: "click",
        },
        {
            content: "The form says why: the breached ticket and the band",
            trigger: ".o_form_view .o_field_widget[name='description']:contains(0-85%)",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_approve']",
            run: "click",
        },
        {
            content: "It is approved, ready for the next invoice",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Approved)",
        },
    ],
});
