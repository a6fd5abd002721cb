/**
 * What an SLA clock shows at an instant, from the values the server sent
 * (helpdesk.ticket.sla_badge). Pure functions: no clock is read here, "now"
 * is always an argument.
 *
 * Instants are epoch milliseconds; durations are business minutes.
 */

export const KIND = {
    ON_TRACK: "on_track",
    AT_RISK: "at_risk",
    OVERDUE: "overdue",
    PAUSED: "paused",
    MET: "met",
    MISSED: "missed",
    CANCELLED: "cancelled",
};

const MS_PER_MINUTE = 60000;

/**
 * Milliseconds of working time in [from, to), given the sorted working
 * intervals [[start, stop], ...] the server sent for that span.
 */
export function businessMs(intervals, from, to) {
    let total = 0;
    if (to <= from) {
        return total;
    }
    for (const [start, stop] of intervals) {
        if (stop <= from) {
            continue;
        }
        if (start >= to) {
            break;
        }
        total += Math.min(stop, to) - Math.max(start, from);
    }
    return total;
}

/**
 * {kind, minutes, stale} of `clock` at `now`.
 *
 * - running: business minutes left before the deadline (on track, or at
 *   risk once its at-risk instant passed), or past it (overdue);
 * - paused: business minutes left (negative when overdue), frozen;
 * - stopped: met or missed, with the minutes it was missed by;
 * - cancelled.
 * `stale` says `now` went past the span the intervals cover: the figures
 * stop there until the server is asked again.
 */
export function clockStatus(clock, serverNow, now) {
    if (clock.state === "cancelled") {
        return { kind: KIND.CANCELLED, minutes: 0, stale: false };
    }
    if (clock.stopped_at) {
        const missed = clock.state === "breached";
        return { kind: missed ? KIND.MISSED : KIND.MET, minutes: clock.overdue, stale: false };
    }
    if (clock.paused_since) {
        return { kind: KIND.PAUSED, minutes: clock.target - clock.consumed, stale: false };
    }
    // A browser clock behind the server's must not count time backwards.
    let at = Math.max(now, serverNow);
    const stale = Boolean(clock.horizon) && at >= clock.horizon;
    if (stale) {
        at = clock.horizon;
    }
    if (at < clock.deadline && clock.state !== "breached") {
        const left = businessMs(clock.intervals, at, clock.deadline) / MS_PER_MINUTE;
        const kind = at >= clock.at_risk_at ? KIND.AT_RISK : KIND.ON_TRACK;
        return { kind, minutes: left, stale };
    }
    const since = Math.max(serverNow, clock.deadline);
    const overdue = clock.overdue + businessMs(clock.intervals, since, at) / MS_PER_MINUTE;
    return { kind: KIND.OVERDUE, minutes: overdue, stale };
}

/**
 * The clock a one-badge view shows: the counting clock due first (an
 * overdue one is due first), else a paused one, else the verdict of the
 * stopped ones, a miss before a met.
 */
export function mainClock(clocks) {
    const open = clocks.filter((c) => !c.stopped_at && c.state !== "cancelled");
    const counting = open.filter((c) => !c.paused_since);
    if (counting.length) {
        return counting.reduce((a, b) => (b.deadline < a.deadline ? b : a));
    }
    if (open.length) {
        return open[0];
    }
    return (
        clocks.find((c) => c.state === "breached") ||
        clocks.find((c) => c.state === "met") ||
        clocks[0]
    );
}

/**
 * "42 min", "1 h 20", "3 h": whole minutes, rounded up for time left (the
 * last minute shows "1 min", never "0 min") and down for time overdue.
 */
export function formatMinutes(minutes, roundUp = true) {
    const total = Math.max(roundUp ? Math.ceil(minutes - 1e-9) : Math.floor(minutes + 1e-9), 0);
    const hours = Math.floor(total / 60);
    const mins = total % 60;
    if (!hours) {
        return `${mins} min`;
    }
    return mins ? `${hours} h ${String(mins).padStart(2, "0")}` : `${hours} h`;
}
