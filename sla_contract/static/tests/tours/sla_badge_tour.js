import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { tick } from "@sla_contract/sla_badge/sla_live";

/**
 * The live SLA badge as an agent watches it, with the browser's time mocked
 * through luxon: on track, still on track over the weekend (business time),
 * at risk, overdue, then met by a reply. The page is never reloaded.
 *
 * Needs the ticket created by sla_contract/tests/test_sla_badge_tour.py: a
 * Bronze P1 (Mon-Fri 09:00-17:00, response 4 h) whose clocks start on a
 * Friday at 15:00, in the future, so every mocked instant is ahead of the
 * server's.
 */
const { DateTime, Settings } = luxon;
const TICKET = "SLA badge tour ticket";
const FORM = ".o_form_view";
const RESPONSE = `${FORM} .o_field_widget[name='sla_badge'] .o_sla_badge_clock[data-metric='response']`;
const MINUTE = 60000;
const realNow = Settings.now;
const clock = {};

function at(ms) {
    Settings.now = () => ms;
    tick();
}

function watch(content, instant, kind, text) {
    return [
        {
            content: `Time passes: ${content}`,
            trigger: `${RESPONSE} .o_sla_badge_pill`,
            run: () => at(instant()),
        },
        {
            content: `The response badge reads ${text}`,
            trigger: `${RESPONSE} .o_sla_badge_pill.o_sla_badge_${kind}:contains(${text})`,
        },
    ];
}

registry.category("web_tour.tours").add("sla_contract_badge_tour", {
    url: "/odoo/action-sla_contract.helpdesk_ticket_action_sla_realtime",
    steps: () => [
        {
            content: "Read the instants of the response clock",
            trigger: ".o_list_view",
            run: async () => {
                const [response] = await rpc("/web/dataset/call_kw/sla.clock/search_read", {
                    model: "sla.clock",
                    method: "search_read",
                    args: [[["ticket_id.name", "=", TICKET], ["metric", "=", "response"]]],
                    kwargs: { fields: ["start_at", "at_risk_at", "deadline"] },
                });
                for (const key of ["start_at", "at_risk_at", "deadline"]) {
                    clock[key] = DateTime.fromSQL(response[key], { zone: "utc" }).toMillis();
                }
                // A mark that a page reload would wipe.
                window.slaBadgeTourPage = true;
                at(clock.start_at + 30 * MINUTE);
            },
        },
        {
            content: "The list shows one SLA column, on track, in business time",
            trigger: `.o_data_row:contains(${TICKET}) td[name='sla_badge'] .o_sla_badge_on_track:contains(3 h 30)`,
        },
        {
            content: "Open the ticket",
            trigger: `.o_data_row:contains(${TICKET}) td[name='name']`,
            run: "click",
        },
        {
            content: "The SLA panel shows a badge per clock",
            trigger: `${FORM} .o_field_widget[name='sla_badge'] .o_sla_badge_clock[data-metric='resolution'] .o_sla_badge_on_track`,
        },
        {
            content: "The response clock is on track",
            trigger: `${RESPONSE} .o_sla_badge_on_track:contains(3 h 30)`,
        },
        // Friday 15:00 + 21 h: Saturday noon, out of support hours.
        ...watch("Saturday noon", () => clock.start_at + 21 * 60 * MINUTE, "on_track", "2 h"),
        ...watch("5 min past the at-risk instant", () => clock.at_risk_at + 5 * MINUTE, "at_risk", "55 min"),
        ...watch("80 min past the deadline", () => clock.deadline + 80 * MINUTE, "overdue", "Overdue 1 h 20"),
        {
            content: "Open the chatter composer",
            trigger: `${FORM} .o-mail-Chatter button:contains(Send message)`,
            run: "click",
        },
        {
            content: "Write the reply",
            trigger: `${FORM} .o-mail-Composer-input`,
            run: "edit We are on it",
        },
        {
            content: "Send it",
            trigger: `${FORM} .o-mail-Composer-send:enabled`,
            run: "click",
        },
        {
            content: "The reply met the response clock, on the same page",
            trigger: `${RESPONSE} .o_sla_badge_met:contains(Met)`,
            run: () => {
                Settings.now = realNow;
                if (!window.slaBadgeTourPage) {
                    throw new Error("The page was reloaded.");
                }
            },
        },
    ],
});
