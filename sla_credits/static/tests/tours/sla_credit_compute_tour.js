import { registry } from "@web/core/registry";

/**
 * Compute Service Credits shows its year as a year: "2026", never "2,026".
 */
registry.category("web_tour.tours").add("sla_credits_compute_year_tour", {
    steps: () => [
        {
            content: "Open the Service Credits menu",
            trigger: ".o_menu_sections button:contains(Service Credits)",
            run: "click",
        },
        {
            content: "Open Compute Credits",
            trigger: ".dropdown-item:contains(Compute Credits)",
            run: "click",
        },
        {
            content: "The year reads as four digits",
            trigger: ".modal .o_field_widget[name='year'] input",
            run() {
                const { value } = document.querySelector(
                    ".modal .o_field_widget[name='year'] input"
                );
                if (!/^\d{4}$/.test(value)) {
                    throw new Error(`The year reads "${value}"`);
                }
            },
        },
        {
            content: "Close the wizard",
            trigger: ".modal-footer button:contains(Cancel)",
            run: "click",
        },
        {
            content: "The wizard is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
