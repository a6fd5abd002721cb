import { registry } from "@web/core/registry";

/**
 * The tier what-if opened from the Action menu comes filled: from a
 * contract, with the customer it is sold to and its fee; from a customer,
 * with the SLA contract its tickets run on and that contract's fee.
 *
 * Needs the contract of sla_credits/tests/test_whatif_prefill_tour.py:
 * "Prefill Tour Gold support" of "Prefill Tour Customer", 1,250 a month.
 */
const DIALOG = ".modal .o_form_view";

function openWhatif() {
    return [
        {
            content: "Open the Action menu",
            trigger: ".o_control_panel .o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            content: "Run the tier what-if",
            trigger: ".o-dropdown--menu .dropdown-item:contains(Tier What-If)",
            run: "click",
        },
    ];
}

function filled(where) {
    return [
        {
            content: `From ${where}: the customer is filled`,
            trigger: `${DIALOG} .o_field_widget[name='partner_id'] input:value(Prefill Tour Customer)`,
        },
        {
            content: `From ${where}: the contract is filled`,
            trigger: `${DIALOG} .o_field_widget[name='contract_id'] input:value(Prefill Tour Gold support)`,
        },
        {
            content: `From ${where}: the fee is the contract's`,
            trigger: `${DIALOG} .o_field_widget[name='fee'] input:value(/1,250\\.00/)`,
        },
        {
            content: "Replay: nothing required is missing",
            trigger: `.modal button[name='action_compute']`,
            run: "click",
        },
        {
            content: "Every tier is replayed",
            trigger: `${DIALOG} .o_field_widget[name='line_ids'] .o_data_row:contains(Gold)`,
        },
        {
            content: "Close",
            trigger: ".modal .modal-footer button:contains(Close)",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ];
}

registry.category("web_tour.tours").add("sla_credits_whatif_from_contract_tour", {
    steps: () => [
        {
            content: "The contract is open",
            trigger: ".o_form_view .o_breadcrumb:contains(Prefill Tour Gold support)",
        },
        ...openWhatif(),
        ...filled("the contract"),
    ],
});

registry.category("web_tour.tours").add("sla_credits_whatif_from_customer_tour", {
    steps: () => [
        {
            content: "The customer is open",
            trigger: ".o_form_view .o_breadcrumb:contains(Prefill Tour Customer)",
        },
        ...openWhatif(),
        ...filled("the customer"),
    ],
});
