import { Component, onMounted, onWillUnmount } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { getFieldsSpec } from "@web/model/relational_model/utils";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { clockStatus, formatMinutes, KIND, mainClock } from "./sla_badge_status";
import { useSlaNow } from "./sla_live";

const { DateTime } = luxon;

// Sent by the server when a ticket's clocks change (met, breached, paused...).
export const TICKET_CHANGED = "sla.ticket/changed";

// Font Awesome rather than emoji: these render on every desktop.
const ICONS = {
    [KIND.ON_TRACK]: ["fa-clock-o", _t("Time left")],
    [KIND.AT_RISK]: ["fa-clock-o", _t("Time left")],
    [KIND.OVERDUE]: ["fa-exclamation-circle", _t("Overdue")],
    [KIND.PAUSED]: ["fa-pause", _t("Paused")],
    [KIND.MET]: ["fa-check", _t("Met")],
    [KIND.MISSED]: ["fa-times", _t("Missed")],
    [KIND.CANCELLED]: ["fa-ban", _t("Cancelled")],
};

const COLOR_CLASSES = {
    [KIND.ON_TRACK]: "text-bg-success",
    [KIND.AT_RISK]: "text-bg-warning",
    [KIND.OVERDUE]: "text-bg-danger",
    [KIND.PAUSED]: "text-bg-info",
    [KIND.MET]: "text-success border border-success",
    [KIND.MISSED]: "text-bg-danger",
    [KIND.CANCELLED]: "text-muted border",
};

export class SlaBadgeField extends Component {
    static template = "sla_contract.SlaBadgeField";
    static props = {
        ...standardFieldProps,
        perClock: { type: Boolean, optional: true },
    };

    setup() {
        this.now = useSlaNow();
        this.busService = useService("bus_service");
        this.orm = useService("orm");
        this.reloadedAt = null;
        this.onTicketChanged = ({ ticket_ids }) => {
            if ((ticket_ids || []).includes(this.props.record.resId)) {
                this.reload();
            }
        };
        onMounted(() => this.busService.subscribe(TICKET_CHANGED, this.onTicketChanged));
        onWillUnmount(() => this.busService.unsubscribe(TICKET_CHANGED, this.onTicketChanged));
    }

    get data() {
        return this.props.record.data[this.props.name] || null;
    }

    get zone() {
        const zone = user.tz && DateTime.now().setZone(user.tz);
        return zone && zone.isValid ? user.tz : DateTime.local().zoneName;
    }

    async reload() {
        const record = this.props.record;
        if (!record.resId) {
            return;
        }
        if (await record.isDirty()) {
            // Never throw away what the agent is typing.
            await this.reloadSla(record);
        } else {
            await record.load();
        }
    }

    /**
     * Read again the SLA part of an edited record: the clocks, the badge,
     * the breach ribbon and every other SLA figure the server computes,
     * leaving the agent's unsaved edits as they are.
     */
    async reloadSla(record) {
        const activeFields = {};
        for (const [name, info] of Object.entries(record.activeFields)) {
            const field = record.fields[name];
            if (name.startsWith("sla_") && (field.readonly || field.type === "one2many")) {
                activeFields[name] = info;
            }
        }
        const [values] = await this.orm.webRead(record.resModel, [record.resId], {
            specification: getFieldsSpec(activeFields, record.fields, record.evalContext),
            context: { ...record.context, bin_size: true },
        });
        if (!values) {
            return;
        }
        // What the form changed since its last save, onchange results
        // included, stays as the agent sees it.
        for (const name of Object.keys(record._changes)) {
            delete values[name];
        }
        delete values.id;
        // As record.load() applies the server's values, but keeping the
        // record's changes on top and its dirty state: the public API has
        // no partial reload.
        await record.model.mutex.exec(() => record._applyValues(values));
    }

    /** One badge per clock in the form, the most urgent one elsewhere. */
    get badges() {
        const data = this.data;
        if (!data || !data.clocks.length) {
            return [];
        }
        const shown = this.props.perClock ? data.clocks : [mainClock(data.clocks)];
        let stale = false;
        const badges = shown.map((clock) => {
            const status = clockStatus(clock, data.now, this.now.value);
            stale = stale || status.stale;
            return {
                key: `${clock.metric}-${clock.cycle}`,
                metric: clock.metric,
                label: this.props.perClock ? clock.label : "",
                kind: status.kind,
                text: this.badgeText(clock, status, data),
                icon: ICONS[status.kind][0],
                iconLabel: ICONS[status.kind][1],
                className: `o_sla_badge_${status.kind} ${COLOR_CLASSES[status.kind]}`,
            };
        });
        // Past the working time the server sent: ask again, once per answer.
        if (stale && this.reloadedAt !== data.now) {
            this.reloadedAt = data.now;
            this.reload();
        }
        return badges;
    }

    badgeText(clock, status, data) {
        switch (status.kind) {
            case KIND.ON_TRACK:
            case KIND.AT_RISK:
                return formatMinutes(status.minutes);
            case KIND.OVERDUE:
                // Late by less than a business minute, e.g. due at closing time.
                return status.minutes < 1
                    ? _t("Overdue")
                    : _t("Overdue %(time)s", { time: formatMinutes(status.minutes, false) });
            case KIND.PAUSED:
                // One badge in a list column: the pause icon says paused,
                // the tooltip names the stage.
                if (!this.props.perClock) {
                    return _t("since %(time)s", { time: this.formatSince(clock.paused_since) });
                }
                return _t("%(stage)s since %(time)s", {
                    stage: data.stage || _t("Paused"),
                    time: this.formatSince(clock.paused_since),
                });
            case KIND.MET:
                return _t("Met");
            case KIND.MISSED:
                return _t("Missed");
            default:
                return _t("Cancelled");
        }
    }

    formatSince(ms) {
        const at = DateTime.fromMillis(ms).setZone(this.zone);
        const today = DateTime.fromMillis(this.now.value).setZone(this.zone);
        return at.hasSame(today, "day") ? at.toFormat("HH:mm") : at.toFormat("d LLL HH:mm");
    }

    formatInstant(ms) {
        return DateTime.fromMillis(ms).setZone(this.zone).toFormat("ccc d LLL yyyy, HH:mm");
    }

    clockLines(clock, status) {
        const lines = [];
        const minutes = formatMinutes(status.minutes, status.kind !== KIND.OVERDUE);
        const business = {
            [KIND.ON_TRACK]: _t("%(time)s left, in business time", { time: minutes }),
            [KIND.AT_RISK]: _t("At risk: %(time)s left, in business time", { time: minutes }),
            [KIND.OVERDUE]: _t("Overdue by %(time)s, in business time", {
                time: formatMinutes(status.minutes, false),
            }),
            [KIND.PAUSED]: _t("Paused since %(since)s; %(time)s left, in business time", {
                since: clock.paused_since && this.formatInstant(clock.paused_since),
                time: formatMinutes(status.minutes),
            }),
            [KIND.MET]: _t("Met on %(at)s", {
                at: clock.stopped_at && this.formatInstant(clock.stopped_at),
            }),
            [KIND.MISSED]: _t("Missed by %(time)s of business time, stopped on %(at)s", {
                time: formatMinutes(status.minutes, false),
                at: clock.stopped_at && this.formatInstant(clock.stopped_at),
            }),
            [KIND.CANCELLED]: _t("Cancelled: the SLA no longer applies"),
        };
        lines.push(business[status.kind]);
        if (clock.deadline && status.kind !== KIND.CANCELLED) {
            lines.push(
                _t("Deadline: %(at)s (%(zone)s)", {
                    at: this.formatInstant(clock.deadline),
                    zone: this.zone,
                })
            );
        }
        lines.push(
            _t("Target: %(time)s of business time; at risk from %(percent)s%", {
                time: formatMinutes(clock.target),
                percent: Math.round(clock.at_risk_percent),
            })
        );
        if (clock.slo_deadline) {
            const missed =
                clock.slo_missed ||
                (!clock.stopped_at && !clock.paused_since && this.now.value >= clock.slo_deadline);
            const slo = {
                percent: Math.round(clock.slo_percent),
                at: this.formatInstant(clock.slo_deadline),
            };
            lines.push(
                missed
                    ? _t("Internal SLO (%(percent)s% of the target): %(at)s, missed", slo)
                    : _t("Internal SLO (%(percent)s% of the target): %(at)s", slo)
            );
        }
        return lines;
    }

    get tooltipInfo() {
        const data = this.data;
        if (!data) {
            return "";
        }
        const clocks = data.clocks.map((clock) => ({
            key: `${clock.metric}-${clock.cycle}`,
            title: clock.label,
            lines: this.clockLines(clock, clockStatus(clock, data.now, this.now.value)),
        }));
        return JSON.stringify({
            tier: data.clocks[0] && _t("%(tier)s tier", { tier: data.clocks[0].tier }),
            clocks,
            footer: _t(
                "Business time counts the support hours of the tier only, without public holidays."
            ),
        });
    }
}

export const slaBadgeField = {
    component: SlaBadgeField,
    displayName: _t("SLA Badge"),
    supportedTypes: ["json"],
    // Room for the longest one-badge texts ("Overdue 123 h 45", "since 31
    // Dec 23:59"): a list never clips them; wider lists give more.
    listViewWidth: [155],
    extractProps: ({ options }) => ({ perClock: Boolean(options.per_clock) }),
};

registry.category("fields").add("sla_badge", slaBadgeField);
