import { registry } from "@web/core/registry";
import { assertNone, cutBadges, cutCells, cutHeaders } from "./sla_layout";

/**
 * The agent's queue read at the browser's size (the test sets it: a wide
 * desktop, a laptop, a phone): every column title and every Remaining
 * badge shows whole, and so do the deadlines.
 *
 * Needs the tickets of sla_contract/tests/test_screens_tour.py: one overdue
 * for days, one paused since another day, one on track, with long titles
 * and a long customer name that make the columns compete for room.
 */
const LIST = ".o_list_view .o_list_renderer";

registry.category("web_tour.tours").add("sla_contract_queue_layout_tour", {
    url: "/odoo/action-sla_contract.helpdesk_ticket_action_sla_realtime",
    steps: () => [
        {
            content: "The queue lists an overdue ticket",
            trigger: `${LIST} td[name='sla_badge'] .o_sla_badge_overdue:contains(Overdue)`,
        },
        {
            content: "... a paused one",
            trigger: `${LIST} td[name='sla_badge'] .o_sla_badge_paused:contains(since)`,
        },
        {
            content: "... and one on track",
            trigger: `${LIST} td[name='sla_badge'] .o_sla_badge_on_track`,
        },
        {
            content: "Every column title, Remaining badge and deadline shows whole",
            trigger: `${LIST} thead th[data-name='sla_badge']`,
            run: () =>
                assertNone(
                    [...cutHeaders(), ...cutBadges(), ...cutCells("sla_next_deadline")],
                    "Cut in the queue"
                ),
        },
    ],
});
