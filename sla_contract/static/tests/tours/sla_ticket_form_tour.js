import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

/**
 * The ticket form as an agent works it, at the browser's size (the test
 * sets it: a laptop, a phone).
 */
const FORM = ".o_form_view";
const HELP = `${FORM} .o_field_widget[name='sla_priority_help']`;
const RIBBON = `${FORM} .ribbon span:contains(SLA breached)`;
const CLOCKS = `${FORM} .o_field_widget[name='sla_clock_ids']`;
const TICKET = "SLA form tour ticket";

/**
 * A new ticket: the meaning of the priority follows the stars as they are
 * picked, before anything is saved.
 */
registry.category("web_tour.tours").add("sla_contract_new_ticket_priority_tour", {
    steps: () => [
        {
            content: "A new ticket reads the default priority's meaning",
            trigger: `${HELP}:contains(P3 - )`,
        },
        {
            content: "Pick three stars",
            trigger: `${FORM} .o_field_widget[name='priority'] .o_priority_star:eq(2)`,
            run: "click",
        },
        {
            content: "The meaning is the top priority's",
            trigger: `${HELP}:contains(P1 - )`,
        },
        {
            content: "Pick one star",
            trigger: `${FORM} .o_field_widget[name='priority'] .o_priority_star:eq(0)`,
            run: "click",
        },
        {
            content: "The meaning follows",
            trigger: `${HELP}:contains(P3 - )`,
        },
        {
            content: "Discard the edit",
            trigger: `${FORM} .o_form_button_cancel`,
            run: "click",
        },
        {
            content: "Nothing is left unsaved",
            trigger: "body:not(:has(.o_form_dirty))",
        },
    ],
});

function retarget(priority) {
    // What a colleague's edit does: the server moves the clocks and tells
    // the open screens over the bus.
    return async () => {
        const [ticket] = await rpc("/web/dataset/call_kw/helpdesk.ticket/search_read", {
            model: "helpdesk.ticket",
            method: "search_read",
            args: [[["name", "=", TICKET]], ["id"]],
            kwargs: {},
        });
        await rpc("/web/dataset/call_kw/helpdesk.ticket/write", {
            model: "helpdesk.ticket",
            method: "write",
            args: [[ticket.id], { priority }],
            kwargs: {},
        });
    };
}

function oneToast(text) {
    return () => {
        const toasts = [...document.querySelectorAll(".o_notification")].filter((el) =>
            el.textContent.includes(TICKET)
        );
        if (toasts.length !== 1 || !toasts[0].textContent.includes(text)) {
            throw new Error(
                `One toast for the ticket, reading "${text}", expected: ${toasts
                    .map((el) => el.textContent.trim())
                    .join(" | ")}`
            );
        }
    };
}

/**
 * An open ticket being edited: a change of its clocks on the server shows
 * in the whole SLA part of the form (badge, clock table, ribbon), the
 * agent's unsaved edit stays, and the assignee gets one passing toast per
 * ticket.
 */
registry.category("web_tour.tours").add("sla_contract_ticket_live_tour", {
    steps: () => [
        {
            content: "The ticket is on track: no breach ribbon",
            trigger: `${FORM} .o_field_widget[name='sla_badge'] .o_sla_badge_clock[data-metric='response'] .o_sla_badge_on_track`,
            run: () => {
                if (document.querySelector(".o_widget_web_ribbon")) {
                    throw new Error("A ribbon shows on a ticket on track.");
                }
            },
        },
        {
            content: "The agent starts editing the title, without saving",
            trigger: `${FORM} .o_field_widget[name='name'] input`,
            run: "edit SLA form tour ticket, unsaved edit",
        },
        {
            content: "The edit is in the form",
            trigger: `${FORM} .o_form_button_save`,
        },
        {
            content: "A colleague makes it P2: the response clock breaches",
            trigger: `${FORM} .o_form_button_save`,
            run: retarget("2"),
        },
        {
            content: "The breach ribbon shows",
            trigger: RIBBON,
        },
        {
            content: "The clock table shows the breach",
            trigger: `${CLOCKS} .o_data_row:contains(Response):contains(Breached)`,
        },
        {
            content: "The badge shows it too",
            trigger: `${FORM} .o_field_widget[name='sla_badge'] .o_sla_badge_clock[data-metric='response'] .o_sla_badge_overdue`,
        },
        {
            content: "The assignee gets one toast for the ticket",
            trigger: `.o_notification:contains(${TICKET}):contains(SLA breached)`,
            run: oneToast("SLA breached"),
        },
        {
            content: "A colleague makes it P1: the resolution clock breaches too",
            trigger: RIBBON,
            run: retarget("3"),
        },
        {
            content: "The clock table shows both breaches",
            trigger: `${CLOCKS} .o_data_row:contains(Resolution):contains(Breached)`,
        },
        {
            content: "Still one toast for the ticket: the new one replaced the last",
            trigger: `.o_notification:contains(${TICKET}):contains(SLA breached)`,
            run: oneToast("SLA breached"),
        },
        {
            content: "The agent's edit is still there, unsaved",
            trigger: `${FORM} .o_field_widget[name='name'] input:value(unsaved edit)`,
        },
        {
            content: "The toast goes away by itself",
            trigger: `body:not(:has(.o_notification:contains(${TICKET})))`,
        },
        {
            content: "The edit is still unsaved",
            trigger: `${FORM} .o_form_button_save`,
        },
        {
            content: "Discard the edit",
            trigger: `${FORM} .o_form_button_cancel`,
            run: "click",
        },
        {
            content: "Nothing is left unsaved",
            trigger: "body:not(:has(.o_form_dirty))",
        },
    ],
});

/**
 * An escalated ticket: what the escalation messages promise the customer
 * is labelled on the form.
 */
registry.category("web_tour.tours").add("sla_escalation_form_labels_tour", {
    steps: () => [
        {
            content: "The progress update is labelled",
            trigger: `${FORM} .o_inner_group:has(.o_field_widget[name='sla_progress_note']) label.o_form_label:contains(Progress Update)`,
        },
        {
            content: "The expected resolution is labelled",
            trigger: `${FORM} .o_inner_group:has(.o_field_widget[name='sla_expected_resolution_at']) label.o_form_label:contains(Expected Resolution)`,
        },
    ],
});
