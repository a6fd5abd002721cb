import { GraphModel, SEP } from "@web/views/graph/graph_model";
import { graphView } from "@web/views/graph/graph_view";
import { registry } from "@web/core/registry";

/**
 * The graph of the SLA reports: series (the legend) of a selection, such as
 * the priority, come in the selection's order (P1 to P4), where the stock
 * graph lists them in the order they first appear in the data, week by week.
 */
export class SlaReportGraphModel extends GraphModel {
    _getData(dataPoints, forceUseAllDataPoints) {
        const data = super._getData(dataPoints, forceUseAllDataPoints);
        const { domains, fields, groupBy, mode } = this.metaData;
        if (mode === "pie" || domains.length > 1 || groupBy.length < 2) {
            return data;
        }
        const ranks = groupBy.slice(1).map((gb) => {
            const field = fields[gb.fieldName];
            if (!field || field.type !== "selection") {
                return null;
            }
            return new Map(field.selection.map(([, label], index) => [label, index]));
        });
        if (!ranks.some(Boolean)) {
            return data;
        }
        const key = (dataset) => {
            const labels = dataset.label.split(SEP);
            return ranks.map((rank, index) =>
                rank && rank.has(labels[index]) ? rank.get(labels[index]) : Infinity
            );
        };
        const compare = (a, b) => {
            const [ka, kb] = [key(a), key(b)];
            for (let index = 0; index < ka.length; index++) {
                if (ka[index] !== kb[index]) {
                    return ka[index] < kb[index] ? -1 : 1;
                }
            }
            return 0;
        };
        // Array.prototype.sort is stable: series of other groupbys keep
        // their order.
        data.datasets = [...data.datasets].sort(compare);
        return data;
    }
}

export const slaReportGraphView = {
    ...graphView,
    Model: SlaReportGraphModel,
};

registry.category("views").add("sla_report_graph", slaReportGraphView);
