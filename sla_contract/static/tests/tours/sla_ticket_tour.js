import { registry } from "@web/core/registry";

/**
 * A support agent's day with an SLA ticket: type in a customer's call
 * through the ticket form, find it in the real-time list, read its clocks,
 * check that an internal note is not a response, pause the clocks by
 * waiting on the customer, then answer the customer.
 *
 * Needs the data created by sla_contract/tests/test_ui_tour.py; runs as an
 * agent without accounting rights.
 */
const TICKET = "SLA tour printer outage";
const ROW = `.o_list_view .o_data_row:contains(${TICKET})`;
const FORM = ".o_form_view";
// The "sla_panel" group: its title is the only "SLA" separator of the form.
const PANEL = `${FORM} .o_group:has(.o_horizontal_separator:contains(SLA))`;
const CLOCKS = `${PANEL} .o_field_widget[name='sla_clock_ids']`;

function clockState(metric, state) {
    return `${CLOCKS} .o_data_row:has(td[name='metric']:contains(${metric})) td[name='state']:contains(${state})`;
}

function postInChatter(button, text) {
    return [
        {
            content: `Open the chatter composer (${button})`,
            trigger: `${FORM} .o-mail-Chatter button:contains(${button})`,
            run: "click",
        },
        {
            content: "Write the message",
            trigger: `${FORM} .o-mail-Composer-input`,
            run: `edit ${text}`,
        },
        {
            content: "Post it",
            trigger: `${FORM} .o-mail-Composer-send:enabled`,
            run: "click",
        },
        {
            content: "The message is in the thread",
            trigger: `${FORM} .o-mail-Message:contains(${text})`,
        },
    ];
}

function reopenTicket() {
    return [
        {
            content: "Back to the real-time SLA list",
            trigger: ".o_breadcrumb .o_back_button:contains(Real-time SLA)",
            run: "click",
        },
        {
            content: "Open the ticket again to read its clocks afresh",
            trigger: `${ROW} td[name='name']`,
            run: "click",
        },
        {
            content: "The clocks are shown",
            trigger: `${CLOCKS} .o_data_row`,
        },
    ];
}

registry.category("web_tour.tours").add("sla_contract_ticket_tour", {
    url: "/odoo/action-sla_contract.helpdesk_ticket_action_sla_realtime",
    steps: () => [
        {
            content: "The real-time SLA list is open",
            trigger: ".o_control_panel .o_breadcrumb:contains(Real-time SLA)",
        },
        // The agent types in a phone call: the form, as a person uses it.
        {
            content: "Create a ticket from the real-time list",
            trigger: ".o_control_panel_main_buttons button.o_list_button_add",
            run: "click",
        },
        {
            content: "Title",
            trigger: `${FORM} .o_field_widget[name='name'] input`,
            run: `edit ${TICKET}`,
        },
        {
            content: "Customer",
            trigger: `${FORM} .o_field_widget[name='partner_id'] input`,
            run: "edit SLA Tour Customer",
        },
        {
            content: "Pick the customer",
            trigger: ".o-autocomplete--dropdown-item:contains(SLA Tour Customer)",
            run: "click",
        },
        {
            content: "The customer's SLA contract is proposed",
            trigger: `${FORM} .o_field_widget[name='sla_contract_id'] input:value(SLA tour Gold support)`,
        },
        {
            content: "Description",
            trigger: `${FORM} .o_field_widget[name='description'] .odoo-editor-editable`,
            run: "editor The printer is down.",
        },
        {
            content: "Save",
            trigger: `${FORM} .o_form_button_save`,
            run: "click",
        },
        {
            content: "Saved, with both clocks running",
            trigger: `${CLOCKS} .o_data_row:has(td[name="metric"]:contains(Resolution))`,
        },
        {
            content: "Back to the real-time SLA list",
            trigger: ".o_breadcrumb .o_back_button:contains(Real-time SLA)",
            run: "click",
        },
        {
            content: "Search the test ticket",
            trigger: ".o_control_panel input.o_searchview_input",
            run: `edit ${TICKET}`,
        },
        {
            content: "Search it as a ticket",
            trigger: ".o_searchview_autocomplete .o_menu_item:contains(Search Ticket)",
            run: "click",
        },
        {
            content: "The ticket is listed, Gold tier, on track",
            trigger: `${ROW}:has(td[name='sla_tier_id']:contains(Gold)) td[name='sla_badge'] .o_sla_badge_on_track`,
        },
        {
            content: "Open the ticket",
            trigger: `${ROW} td[name='name']`,
            run: "click",
        },
        // The SLA panel: a live badge per clock, and two running clocks.
        {
            content: "The SLA panel shows the live badges",
            trigger: `${PANEL} .o_field_widget[name='sla_badge'] .o_sla_badge_on_track`,
        },
        {
            content: "The response clock runs",
            trigger: clockState("Response", "Running"),
        },
        {
            content: "The resolution clock runs",
            trigger: clockState("Resolution", "Running"),
        },
        // An internal note is not a response.
        ...postInChatter("Log note", "Checked the printer logs internally"),
        ...reopenTicket(),
        {
            content: "After a log note the response clock still runs",
            trigger: clockState("Response", "Running"),
        },
        // Waiting on the customer pauses both clocks.
        {
            content: "Move the ticket to Waiting on customer",
            trigger: `${FORM} .o_statusbar_status button.o_arrow_button:contains(Waiting on customer)`,
            run: "click",
        },
        {
            content: "The stage changed",
            trigger: `${FORM} .o_statusbar_status button.o_arrow_button_current:contains(Waiting on customer)`,
        },
        {
            content: "The response clock is paused",
            trigger: clockState("Response", "Paused"),
        },
        {
            content: "The resolution clock is paused",
            trigger: clockState("Resolution", "Paused"),
        },
        // A public reply meets the response target.
        ...postInChatter("Send message", "Could you send us the printer model please"),
        ...reopenTicket(),
        {
            content: "The public reply met the response clock",
            trigger: clockState("Response", "Met"),
        },
        {
            content: "The resolution clock stays paused",
            trigger: clockState("Resolution", "Paused"),
        },
    ],
});
