import {
    DateTimeField,
    dateTimeField,
} from "@web/views/fields/datetime/datetime_field";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

/**
 * A date and time followed by its time zone ("12/03/2026 14:05 CET").
 *
 * The web client shows datetimes in the browser's zone, which need not be
 * the support desk's nor the user's preference: a deadline read without its
 * zone is easily off by hours.
 */
export class SlaDateTimeTzField extends DateTimeField {
    getFormattedValue(valueIndex) {
        const formatted = super.getFormattedValue(valueIndex);
        const value = this.values[valueIndex];
        if (!formatted || !value || this.field.type !== "datetime") {
            return formatted;
        }
        return `${formatted} ${value.toFormat("ZZZZ")}`;
    }
}

export const slaDateTimeTzField = {
    ...dateTimeField,
    component: SlaDateTimeTzField,
    displayName: _t("Date & time with time zone"),
    // The zone adds a few characters to the localized datetime.
    listViewWidth: 190,
};

registry.category("fields").add("sla_datetime_tz", slaDateTimeTzField);
