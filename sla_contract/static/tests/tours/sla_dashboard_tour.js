import { registry } from "@web/core/registry";

/**
 * A service manager opens the seed's dashboards from Reporting: the weekly
 * and the monthly / quarterly ones draw a chart of compliance, their pivots
 * name the KPIs with their targets, and root causes group the breaches.
 */
function openDashboard(name) {
    return [
        {
            content: "Open Reporting",
            trigger: ".o_menu_sections button:contains(Reporting)",
            run: "click",
        },
        {
            content: `Open the ${name} dashboard`,
            trigger: `.dropdown-item:contains(${name})`,
            run: "click",
        },
        {
            content: `The ${name} dashboard draws its chart`,
            trigger: ".o_content:not(.o_view_sample_data) .o_graph_renderer canvas",
        },
    ];
}

registry.category("web_tour.tours").add("sla_contract_dashboard_tour", {
    steps: () => [
        ...openDashboard("Weekly"),
        {
            content: "Switch to the pivot",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "The tickets-within-SLA KPI is shown with its target",
            trigger: ".o_pivot th:contains(Tickets within SLA % (target > 95))",
        },
        ...openDashboard("Monthly and Quarterly"),
        ...openDashboard("Breaches by Root Cause"),
    ],
});

// The one priority vocabulary, in its order.
const PRIORITIES = ["P1 - Critical", "P2 - High", "P3 - Medium", "P4 - Low"];

/**
 * The weekly dashboard's legend names the priorities P1 to P4, in that
 * order, whichever priority ended first (needs the tickets of
 * sla_contract/tests/test_dashboard_tour.py: a P4 ticket the earliest).
 */
registry.category("web_tour.tours").add("sla_contract_priority_legend_tour", {
    steps: () => [
        ...openDashboard("Weekly"),
        {
            content: "The legend lists the priorities from P1 to P4",
            trigger: ".o_content:not(.o_view_sample_data) .o_graph_renderer canvas",
            run() {
                const canvas = document.querySelector(".o_graph_renderer canvas");
                const labels = window.Chart.getChart(canvas).data.datasets.map(
                    (dataset) => dataset.label
                );
                const ranks = labels.map((label) => PRIORITIES.indexOf(label));
                const sorted = [...ranks].sort((a, b) => a - b);
                if (
                    ranks.includes(-1) ||
                    ranks.length !== PRIORITIES.length ||
                    ranks.some((rank, index) => rank !== sorted[index])
                ) {
                    throw new Error(`The legend reads: ${labels.join(", ")}`);
                }
            },
        },
    ],
});
