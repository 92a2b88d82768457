import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import {
    SESSION_COLUMNS, SESSION_INPUT_STREAM, SESSION_OUTPUT_STREAM, SESSION_TABLE, TABLE_COLUMN_TYPE, TEXT_INPUT_COLUMNS,
    PROXY_SYSLOG, sessionTransformKql, type ExistingWorkspace,
} from "../lib/audit";
import type { ResourceNames } from "../lib/naming";

export interface AuditTrailArgs {
    readonly location: string;
    readonly resourceGroupName: pulumi.Input<string>;
    readonly names: ResourceNames;
    /** Use this workspace instead of creating one; its retention stays its owner's. */
    readonly existingWorkspace: ExistingWorkspace | undefined;
    /** The created workspace's retention, and the session table's in either case. */
    readonly retentionInDays: number;
    /** The nginx session log the agent reads on every proxy. */
    readonly sessionLogPath: string;
    /** Protect the created workspace (and the audit log in it) from `pulumi destroy`. */
    readonly protect: boolean;
    readonly tags: Record<string, string>;
}

/**
 * Where every connection is recorded: a Log Analytics workspace (created, or an existing one), the
 * table the proxies' session log goes to, and the data collection rule that the Azure Monitor
 * Agent on each proxy follows (nginx session lines through the transformation, and syslog).
 */
export class AuditTrail extends pulumi.ComponentResource {
    /** The workspace's resource id, for diagnostic settings. */
    public readonly workspaceId: pulumi.Output<string>;
    /** The workspace id (a GUID) that `az monitor log-analytics query -w` takes. */
    public readonly workspaceCustomerId: pulumi.Output<string>;
    public readonly dataCollectionRuleId: pulumi.Output<string>;

    constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securepg:audit:AuditTrail", name, {}, opts);
        const { names, tags, existingWorkspace: existing } = args;
        // Fixed names: a replacement has to delete the old one first (azure-native cannot create what exists).
        const named = { parent: this, deleteBeforeReplace: true };

        let workspace: { id: pulumi.Input<string>; customerId: pulumi.Input<string>; resourceGroupName: pulumi.Input<string>; name: pulumi.Input<string>; location: string };
        if (existing) {
            // Read once, before anything was declared (readExistingWorkspace).
            workspace = { ...existing, name: existing.workspaceName };
        } else {
            const created = new operationalinsights.Workspace("workspace", {
                workspaceName: names.logAnalyticsWorkspace, resourceGroupName: args.resourceGroupName, location: args.location, tags,
                // The only pricing tier a new workspace can have.
                sku: { name: "PerGB2018" },
                retentionInDays: args.retentionInDays,
                // Who may read a resource's logs follows who may read the resource.
                features: { enableLogAccessUsingOnlyResourcePermissions: true },
            }, { ...named, protect: args.protect });
            workspace = { id: created.id, customerId: created.customerId, location: args.location, resourceGroupName: args.resourceGroupName, name: created.name };
        }

        // A text log needs its table before the rule that writes to it; TimeGenerated is mandatory.
        const table = new operationalinsights.Table("session-table", {
            resourceGroupName: workspace.resourceGroupName, workspaceName: workspace.name, tableName: SESSION_TABLE,
            schema: {
                name: SESSION_TABLE,
                description: "securepg: one row per TCP session through the NGINX proxy tier",
                columns: SESSION_COLUMNS.map((c) => ({ name: c.name, type: TABLE_COLUMN_TYPE[c.type], description: c.description })),
            },
            plan: "Analytics",
            retentionInDays: args.retentionInDays,
        }, named);

        const destination = "audit-workspace";
        const rule = new monitor.DataCollectionRule("proxy-logs", {
            dataCollectionRuleName: names.dataCollectionRule, resourceGroupName: args.resourceGroupName, tags,
            location: workspace.location,
            kind: "Linux",
            description: "securepg: the proxies' nginx session log and syslog",
            streamDeclarations: { [SESSION_INPUT_STREAM]: { columns: TEXT_INPUT_COLUMNS.map((c) => ({ ...c })) } },
            dataSources: {
                logFiles: [{ name: "nginx-sessions", streams: [SESSION_INPUT_STREAM], filePatterns: [args.sessionLogPath], format: "text" }],
                syslog: [{ name: "syslog", streams: ["Microsoft-Syslog"], facilityNames: [...PROXY_SYSLOG.facilities], logLevels: [...PROXY_SYSLOG.levels] }],
            },
            destinations: { logAnalytics: [{ name: destination, workspaceResourceId: workspace.id }] },
            dataFlows: [
                { streams: [SESSION_INPUT_STREAM], destinations: [destination], transformKql: sessionTransformKql(), outputStream: SESSION_OUTPUT_STREAM },
                { streams: ["Microsoft-Syslog"], destinations: [destination] },
            ],
        }, { ...named, dependsOn: [table] });

        this.workspaceId = pulumi.output(workspace.id);
        this.workspaceCustomerId = pulumi.output(workspace.customerId);
        this.dataCollectionRuleId = rule.id;
        this.registerOutputs({ workspaceId: this.workspaceId, workspaceCustomerId: this.workspaceCustomerId, dataCollectionRuleId: this.dataCollectionRuleId });
    }
}
