import { registry } from "@web/core/registry";

// Sent to a ticket's assignee when one of its clocks is at risk or breached.
export const TICKET_ALERT = "sla.ticket/alert";

/**
 * One SLA toast per ticket: a new alert on a ticket replaces the one it
 * still shows (at risk, then breached), and every toast goes away by
 * itself, so that a run of the clock job does not bury the screen.
 */
export const slaAlertService = {
    dependencies: ["bus_service", "notification"],
    start(env, { bus_service, notification }) {
        const shown = new Map();
        bus_service.subscribe(TICKET_ALERT, ({ ticket_id, title, message, type }) => {
            shown.get(ticket_id)?.();
            const close = notification.add(message, {
                title,
                type,
                sticky: false,
                onClose: () => {
                    if (shown.get(ticket_id) === close) {
                        shown.delete(ticket_id);
                    }
                },
            });
            shown.set(ticket_id, close);
        });
        bus_service.start();
    },
};

registry.category("services").add("sla_alert", slaAlertService);
