import { onMounted, onWillUnmount, reactive, useState } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";

const { DateTime } = luxon;

/**
 * The one clock every SLA badge of the page reads: a reactive "now" moved
 * on each minute by one timer, however many badges are shown. It reads
 * luxon's now, so a test that sets luxon.Settings.now moves every badge.
 */
export const slaNow = reactive({ value: DateTime.now().toMillis() });

let users = 0;
let timeout = null;

export function tick() {
    slaNow.value = DateTime.now().toMillis();
}

function schedule() {
    // On the minute, so that every badge of the page changes together.
    const wait = 60000 - (Date.now() % 60000) + 50;
    timeout = browser.setTimeout(() => {
        tick();
        schedule();
    }, wait);
}

function onVisibilityChange() {
    // Timers of a hidden tab are throttled: catch up when it shows again.
    if (!document.hidden) {
        tick();
    }
}

/** The reactive "now" of SLA badges, ticking while the component is mounted. */
export function useSlaNow() {
    onMounted(() => {
        if (!users++) {
            tick();
            schedule();
            browser.addEventListener("visibilitychange", onVisibilityChange);
        }
    });
    onWillUnmount(() => {
        if (!--users) {
            browser.clearTimeout(timeout);
            browser.removeEventListener("visibilitychange", onVisibilityChange);
        }
    });
    return useState(slaNow);
}
