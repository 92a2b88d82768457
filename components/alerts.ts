import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import { metricAlerts, type AlertTarget } from "../lib/alerts";
import type { ResourceNames } from "../lib/naming";
import type { VpnGatewaySku } from "../stacks/types";

export interface AlertsArgs {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly names: ResourceNames;
    readonly vpnSku: VpnGatewaySku;
    /** The resource each alert watches. */
    readonly targets: Record<AlertTarget, pulumi.Input<string>>;
    /** Who is emailed; none: no action group, and the alerts show in the portal only. */
    readonly emails: readonly string[];
    readonly tags: Record<string, string>;
}

/**
 * Metric alerts on the proxy tier, the server and the gateway (lib/alerts.ts), and the action group
 * that emails them.
 */
export class Alerts extends pulumi.ComponentResource {
    /** The action group's id, when there are addresses to email. */
    public readonly actionGroupId: pulumi.Output<string | undefined>;
    public readonly alertNames: pulumi.Output<string[]>;

    constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securepg:audit:Alerts", name, {}, opts);
        const { names, resourceGroupName, tags } = args;
        // Fixed names: a replacement has to delete the old one first (azure-native cannot create what exists).
        const child = { parent: this, deleteBeforeReplace: true };

        const group = args.emails.length > 0
            ? new monitor.ActionGroup("action-group", {
                actionGroupName: names.actionGroup, resourceGroupName, tags,
                // Action groups are global; the short name is what emails and texts show.
                location: "Global", groupShortName: names.actionGroupShortName, enabled: true,
                emailReceivers: args.emails.map((emailAddress, i) => ({ name: `email-${i + 1}`, emailAddress, useCommonAlertSchema: true })),
            }, child)
            : undefined;

        const alertNames: string[] = [];
        for (const spec of metricAlerts({ vpnSku: args.vpnSku })) {
            const ruleName = `${names.alertPrefix}-${spec.key}`;
            alertNames.push(ruleName);
            new monitor.MetricAlert(`alert-${spec.key}`, {
                ruleName, resourceGroupName, tags,
                // Metric alert rules live in the global location.
                location: "global",
                description: spec.description,
                severity: spec.severity, enabled: true, autoMitigate: true,
                scopes: [args.targets[spec.target]],
                evaluationFrequency: spec.evaluationFrequency, windowSize: spec.windowSize,
                criteria: {
                    odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                    allOf: [{
                        criterionType: "StaticThresholdCriterion", name: spec.key,
                        metricNamespace: spec.metricNamespace, metricName: spec.metricName,
                        timeAggregation: spec.timeAggregation, operator: spec.operator, threshold: spec.threshold,
                    }],
                },
                actions: group ? [{ actionGroupId: group.id }] : [],
            }, child);
        }

        this.actionGroupId = group ? group.id : pulumi.output(undefined);
        this.alertNames = pulumi.output(alertNames);
        this.registerOutputs({ actionGroupId: this.actionGroupId, alertNames: this.alertNames });
    }
}
