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
            content: "The compliance KPI is shown with its target",
            trigger: ".o_pivot th:contains(SLA compliance % (target > 95))",
        },
        ...openDashboard("Monthly and Quarterly"),
        ...openDashboard("Breaches by Root Cause"),
    ],
});
