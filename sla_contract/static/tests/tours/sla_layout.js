/**
 * Geometry checks for the SLA screens: what a reader sees cut off, measured
 * in the page as laid out at the browser's size.
 */

// Sub-pixel layout rounding, not a cut.
const SLACK = 1;

function cut(el) {
    return el.scrollWidth > el.clientWidth + SLACK;
}

/** The list headers whose title does not fit ("Ticket nu…"). */
export function cutHeaders(root = document) {
    const problems = [];
    for (const th of root.querySelectorAll(".o_list_renderer thead th[data-name]")) {
        const label = th.querySelector(".text-truncate");
        if (label && cut(label)) {
            problems.push(
                `the "${label.textContent.trim()}" header shows ${label.clientWidth}px of ${label.scrollWidth}px`
            );
        }
    }
    return problems;
}

/**
 * The SLA badges that do not show whole in their list cell: wider than the
 * cell's content box (clipped, "Overdue 1…"), or cut inside the pill.
 */
export function cutBadges(root = document) {
    const problems = [];
    for (const cell of root.querySelectorAll(".o_data_row td[name='sla_badge']")) {
        const style = getComputedStyle(cell);
        const box = cell.getBoundingClientRect();
        const left = box.left + parseFloat(style.paddingLeft) - SLACK;
        const right = box.right - parseFloat(style.paddingRight) + SLACK;
        for (const pill of cell.querySelectorAll(".o_sla_badge_pill")) {
            const text = pill.textContent.trim();
            const rect = pill.getBoundingClientRect();
            if (rect.left < left || rect.right > right) {
                problems.push(
                    `"${text}" is ${Math.round(rect.width)}px wide in a ${Math.round(right - left)}px cell`
                );
            }
            if (cut(pill)) {
                problems.push(`"${text}" is cut inside its badge`);
            }
        }
    }
    return problems;
}

/** Cells of `name` whose text is cut. */
export function cutCells(name, root = document) {
    const problems = [];
    for (const cell of root.querySelectorAll(`.o_data_row td[name='${name}']`)) {
        if (cut(cell)) {
            problems.push(
                `"${cell.textContent.trim()}" shows ${cell.clientWidth}px of ${cell.scrollWidth}px`
            );
        }
    }
    return problems;
}

export function assertNone(problems, what) {
    if (problems.length) {
        throw new Error(
            `${what} at ${window.innerWidth}x${window.innerHeight}: ${problems.join("; ")}`
        );
    }
}
