/**
 * Entra ID for the database and the audit trail, as the real program registers them: every stack
 * file, each authentication mode, a created and an existing workspace, and the deployment checks.
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
    MOCK_EXISTING_WORKSPACE_CUSTOMER_ID, MOCK_TENANT_ID, MOCK_WORKSPACE_CUSTOMER_ID, byUrn, ofType, one, plainInputs, runProgram,
    type ProgramRun, type RunOptions,
} from "./harness/program";
import { plannedChanges } from "./harness/diff";
import { loadAllStackFiles, withSections, type StackFile } from "./harness/stackFiles";
import {
    GATEWAY_LOG_CATEGORIES, SERVER_LOG_CATEGORIES, SESSION_COLUMNS, SESSION_INPUT_STREAM, SESSION_OUTPUT_STREAM, SESSION_TABLE,
    sessionTransformKql,
} from "../lib/audit";
import { NGINX_DEFAULTS } from "../lib/nginx";
import { metricAlerts } from "../lib/alerts";
import { parseStackConfig } from "../stacks";

const T = {
    server: "azure-native:dbforpostgresql:Server",
    configuration: "azure-native:dbforpostgresql:Configuration",
    database: "azure-native:dbforpostgresql:Database",
    entraAdmin: "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra",
    lock: "azure-native:authorization:ManagementLockByScope",
    workspace: "azure-native:operationalinsights:Workspace",
    table: "azure-native:operationalinsights:Table",
    dcr: "azure-native:monitor:DataCollectionRule",
    dcra: "azure-native:monitor:DataCollectionRuleAssociation",
    diagnostics: "azure-native:monitor:DiagnosticSetting",
    actionGroup: "azure-native:monitor:ActionGroup",
    alert: "azure-native:monitor:MetricAlert",
    extension: "azure-native:compute:VirtualMachineExtension",
    vm: "azure-native:compute:VirtualMachine",
    gateway: "azure-native:network:VirtualNetworkGateway",
    lb: "azure-native:network:LoadBalancer",
};

const ADMIN = { objectId: "0f0e0d0c-0b0a-4908-8706-050403020100", principalName: "PostgreSQL Admins" };
const OTHER_TENANT = "99999999-8888-4777-8666-555555555555";
const WORKSPACE_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shared-logs/providers/Microsoft.OperationalInsights/workspaces/log-central";

async function deploy(file: StackFile, sections: Record<string, Record<string, unknown>> = {}, extra: Partial<RunOptions> = {}, values: Record<string, string> = {}): Promise<ProgramRun> {
    return runProgram({ stack: file.stack, config: { ...withSections(file.config, sections), ...values }, secretKeys: file.secretKeys, ...extra });
}

function ok(run: ProgramRun): ProgramRun {
    assert.equal(run.error, undefined, run.error?.message);
    return run;
}

/** The outputs a deployment leaves, as the next one reads them back. */
const after = (run: ProgramRun) => ({ previousOutputs: run.outputs });

for (const file of loadAllStackFiles()) {
    const environment = parseStackConfig({ project: "securepg", stack: file.stack, values: file.config }).environment;

    describe(`stack ${file.stack}: database authentication`, () => {
        it("as shipped: passwords only, Entra off, no tenant sent, the password connection string exported", async () => {
            const run = ok(await deploy(file));
            const server = one(run, T.server).inputs;
            // tenantId "" is the SDK's own default for authConfig (authConfigArgsProvideDefaults), what it always sent.
            assert.deepEqual(plainInputs(server.authConfig), { activeDirectoryAuth: "Disabled", passwordAuth: "Enabled", tenantId: "" });
            assert.equal(ofType(run, T.entraAdmin).length, 0);
            assert.equal(typeof run.outputs.connectionString, "string");
            assert.equal(run.outputs.entraConnectionString, undefined);
            assert.equal(run.outputs.passwordAuthentication, true);
            assert.deepEqual(run.outputs.databaseAuthentication, { passwordAuth: true, entraAdminObjectId: null });
            assert.ok(!run.invokes.some((i) => i.token === "azure-native:authorization:getClientConfig"), "the tenant is not read without Entra");
        });

        it("with an Entra administrator group: Entra on in the deploying identity's tenant, the group created after the parameters and before the databases", async () => {
            const run = ok(await deploy(file, { database: { entraAdmin: ADMIN, passwordAuth: true } }));
            const server = one(run, T.server);
            assert.deepEqual(plainInputs(server.inputs.authConfig), { activeDirectoryAuth: "Enabled", passwordAuth: "Enabled", tenantId: MOCK_TENANT_ID });
            const admin = one(run, T.entraAdmin);
            // The Flexible Server API's PascalCase, not azure-native's Cosmos DB enum ("group").
            assert.deepEqual(plainInputs(admin.inputs), {
                resourceGroupName: server.inputs.resourceGroupName, serverName: server.inputs.serverName,
                objectId: ADMIN.objectId, principalName: ADMIN.principalName, principalType: "Group", tenantId: MOCK_TENANT_ID,
            });
            assert.equal(admin.deleteBeforeReplace, false, "a new administrator comes before the old one goes");
            const parameters = ofType(run, T.configuration);
            const last = parameters.find((p) => !parameters.some((q) => q.dependencies.includes(p.urn)))!;
            assert.ok(admin.dependencies.includes(last.urn), "after the last server parameter (they restart the server)");
            const dependsOnAdmin = (r: { dependencies: string[] }): boolean =>
                r.dependencies.includes(admin.urn) || r.dependencies.some((d) => { const up = byUrn(run, d); return up !== undefined && up.parent === admin.parent && dependsOnAdmin(up); });
            for (const database of ofType(run, T.database)) {
                assert.ok(dependsOnAdmin(database), `${database.name} waits for the administrator`);
            }
            const conn = String(run.outputs.entraConnectionString);
            assert.match(conn, /user='PostgreSQL Admins' sslmode=verify-full$/);
            assert.doesNotMatch(conn, /password=/);
            assert.ok(!run.secretExports.has("entraConnectionString"));
            assert.equal(run.outputs.entraPsql,
                `PGPASSWORD="$(az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv)" psql "${conn}"`);
            assert.equal(run.outputs.entraAdmin, ADMIN.principalName);
            assert.equal(typeof run.outputs.connectionString, "string", "passwords still sign in");
            assert.deepEqual(run.outputs.databaseAuthentication, { passwordAuth: true, entraAdminObjectId: ADMIN.objectId });
        });

        it("a configured tenant replaces the deploying identity's, and nothing reads the latter", async () => {
            const run = ok(await deploy(file, { database: { entraAdmin: ADMIN } }, {}, { "securepg:entraTenantId": OTHER_TENANT }));
            assert.equal(plainInputs(one(run, T.server).inputs.authConfig as object) && (plainInputs(one(run, T.server).inputs.authConfig) as Record<string, unknown>).tenantId, OTHER_TENANT);
            assert.equal(one(run, T.entraAdmin).inputs.tenantId, OTHER_TENANT);
            assert.ok(!run.invokes.some((i) => i.token === "azure-native:authorization:getClientConfig"));
        });

        it("passwordless: the login is still sent (no replacement either way), and no password connection string is exported", async () => {
            const run = ok(await deploy(file, { database: { entraAdmin: ADMIN, passwordAuth: false } }));
            const server = one(run, T.server).inputs;
            assert.equal((plainInputs(server.authConfig) as Record<string, unknown>).passwordAuth, "Disabled");
            assert.equal(server.administratorLogin, "pgadmin");
            assert.ok(server.administratorLoginPassword !== undefined);
            for (const key of ["connectionString", "connectionStringWithoutPassword"]) {
                assert.equal(run.outputs[key], undefined, key);
            }
            assert.equal(run.outputs.passwordAuthentication, false);
            assert.equal(typeof run.outputs.entraPsql, "string");
        });

        it(`a new stack with an Entra administrator and no passwordAuth setting: ${environment === "prod" ? "passwordless" : "passwords stay on"}`, async () => {
            const run = ok(await deploy(file, { database: { entraAdmin: ADMIN } }));
            assert.equal(run.outputs.passwordAuthentication, environment !== "prod");
        });

        it("an existing server keeps passwords when the upgrade adds an administrator, and keeps whatever it was left with after that", async () => {
            const first = ok(await deploy(file));
            const previous = { ...first.outputs };
            delete previous.databaseAuthentication;
            const upgraded = ok(await deploy(file, { database: { entraAdmin: ADMIN } }, { previousOutputs: previous }));
            assert.equal(upgraded.outputs.passwordAuthentication, true, "a deployment from before this setting had passwords");
            const off = ok(await deploy(file, { database: { entraAdmin: ADMIN, passwordAuth: false } }, after(upgraded)));
            assert.ok(off.warnings.some((w) => w.includes("the admin password no longer signs in")), off.warnings.join("\n"));
            const kept = ok(await deploy(file, { database: { entraAdmin: ADMIN } }, after(off)));
            assert.equal(kept.outputs.passwordAuthentication, false, "unset keeps what is deployed; it does not flip back");
        });

        it("refuses to turn passwords off on a server that has no Entra administrator yet, before declaring anything", async () => {
            const first = ok(await deploy(file));
            const run = await deploy(file, { database: { entraAdmin: ADMIN, passwordAuth: false } }, after(first));
            assert.match(String(run.error?.message), /passwordAuth false would lock everyone out: the deployed server has no Entra administrator yet/);
            assert.deepEqual(run.resources.filter((r) => r.custom && r.type.startsWith("azure-native:")), []);
        });

        it("switching between the modes changes only authConfig on the server: never a replacement", async () => {
            const modes = [
                {}, { entraAdmin: ADMIN, passwordAuth: true }, { entraAdmin: ADMIN, passwordAuth: false }, { entraAdmin: ADMIN, passwordAuth: true }, { passwordAuth: true },
            ];
            let previous = ok(await deploy(file, { database: modes[0] }));
            for (const mode of modes.slice(1)) {
                const next = ok(await deploy(file, { database: mode }, after(previous)));
                const before = plainInputs(one(previous, T.server).inputs) as Record<string, unknown>;
                const now = one(next, T.server);
                const changed = plannedChanges(before, plainInputs(now.inputs) as Record<string, unknown>, now.ignoreChanges);
                assert.ok(changed.length > 0 && changed.every((path) => path.startsWith("authConfig")), `${JSON.stringify(mode)}: ${changed.join(", ")}`);
                assert.ok(!next.warnings.some((w) => w.includes("replace")), next.warnings.join("\n"));
                previous = next;
            }
        });
    });

    describe(`stack ${file.stack}: the audit trail`, () => {
        let run: ProgramRun;
        let config: ReturnType<typeof parseStackConfig>;
        before(async () => {
            config = parseStackConfig({ project: "securepg", stack: file.stack, values: file.config });
            run = ok(await deploy(file));
        });

        it("creates a PerGB2018 workspace with the environment's retention, protected as the stack is", () => {
            const workspace = one(run, T.workspace);
            assert.deepEqual(workspace.inputs.sku, { name: "PerGB2018" });
            assert.equal(workspace.inputs.retentionInDays, environment === "prod" ? 90 : 30);
            assert.equal(workspace.inputs.workspaceName, `log-securepg-${file.stack}`);
            assert.equal(workspace.protect, config.protect);
            assert.equal(run.outputs.auditWorkspaceCustomerId, MOCK_WORKSPACE_CUSTOMER_ID);
        });

        it("creates the session table in that workspace with the transformation's columns, before the rule that writes it", () => {
            const table = one(run, T.table);
            const workspace = one(run, T.workspace);
            assert.equal(table.inputs.workspaceName, workspace.inputs.workspaceName);
            assert.equal(table.inputs.tableName, SESSION_TABLE);
            assert.deepEqual(table.inputs.schema.columns.map((c: { name: string; type: string }) => [c.name, c.type]),
                SESSION_COLUMNS.map((c) => [c.name, c.type === "datetime" ? "dateTime" : c.type]));
            assert.equal(table.inputs.retentionInDays, workspace.inputs.retentionInDays);
            const rule = one(run, T.dcr);
            assert.ok(rule.dependencies.includes(table.urn));
        });

        it("the data collection rule reads the nginx session log and syslog on Linux, in the workspace's region", () => {
            const rule = one(run, T.dcr).inputs;
            assert.equal(rule.kind, "Linux");
            assert.equal(rule.location, config.location);
            assert.deepEqual(rule.dataSources.logFiles, [{ name: "nginx-sessions", streams: [SESSION_INPUT_STREAM], filePatterns: [NGINX_DEFAULTS.accessLogPath], format: "text" }]);
            assert.deepEqual(rule.dataSources.syslog.map((s: { streams: string[] }) => s.streams), [["Microsoft-Syslog"]]);
            const destinations = rule.destinations.logAnalytics.map((d: { name: string }) => d.name);
            assert.match(rule.destinations.logAnalytics[0].workspaceResourceId, /operationalinsights:Workspace\/log-securepg-/);
            const declared = Object.keys(rule.streamDeclarations);
            for (const flow of rule.dataFlows) {
                assert.ok(flow.destinations.every((d: string) => destinations.includes(d)));
                for (const stream of flow.streams) {
                    assert.ok(declared.includes(stream) || stream.startsWith("Microsoft-"), `${stream} is declared or built in`);
                }
            }
            const text = rule.dataFlows.find((f: { streams: string[] }) => f.streams.includes(SESSION_INPUT_STREAM));
            assert.deepEqual([text.outputStream, text.transformKql], [SESSION_OUTPUT_STREAM, sessionTransformKql()]);
        });

        it("every proxy VM has a managed identity, the Azure Monitor Agent and the rule associated, all going with the VM", () => {
            const vms = ofType(run, T.vm);
            assert.equal(vms.length, config.proxy.instances);
            const rule = one(run, T.dcr);
            for (const vm of vms) {
                assert.deepEqual(vm.inputs.identity, { type: "SystemAssigned" });
                const agent = ofType(run, T.extension).find((e) => e.parent === vm.parent)!;
                assert.deepEqual([agent.inputs.publisher, agent.inputs.type, agent.inputs.vmName, agent.inputs.enableAutomaticUpgrade, agent.inputs.autoUpgradeMinorVersion],
                    ["Microsoft.Azure.Monitor", "AzureMonitorLinuxAgent", vm.inputs.vmName, true, true]);
                const association = ofType(run, T.dcra).find((a) => a.parent === vm.parent)!;
                assert.match(association.inputs.resourceUri, new RegExp(`/${vm.inputs.vmName}$`));
                assert.ok(association.dependencies.includes(vm.urn) && association.dependencies.includes(rule.urn));
            }
        });

        it("diagnostic settings: the server's connection log to resource-specific tables, every gateway category to AzureDiagnostics", () => {
            const settings = ofType(run, T.diagnostics);
            assert.equal(settings.length, 2);
            const server = one(run, T.server);
            const gateway = one(run, T.gateway);
            const forServer = settings.find((s) => s.dependencies.includes(server.urn))!;
            const forGateway = settings.find((s) => s.dependencies.includes(gateway.urn))!;
            assert.equal(forServer.inputs.logAnalyticsDestinationType, "Dedicated");
            assert.deepEqual(forServer.inputs.logs.map((l: { category: string }) => l.category), [...SERVER_LOG_CATEGORIES]);
            assert.equal(forGateway.inputs.logAnalyticsDestinationType, undefined);
            assert.deepEqual(forGateway.inputs.logs.map((l: { category: string }) => l.category), [...GATEWAY_LOG_CATEGORIES]);
            for (const setting of [forServer, forGateway]) {
                assert.ok(setting.inputs.logs.every((l: { enabled: boolean; categoryGroup?: string }) => l.enabled === true && l.categoryGroup === undefined));
                assert.deepEqual(setting.inputs.metrics, [{ category: "AllMetrics", enabled: true }]);
                assert.equal(setting.inputs.name, "securepg-audit");
                assert.equal(setting.deleteBeforeReplace, true, "a second setting with the same categories and workspace is refused (409)");
                assert.match(setting.inputs.workspaceId, /operationalinsights:Workspace\/log-securepg-/);
            }
            const lock = ofType(run, T.lock)[0];
            if (lock) {
                // Destroy deletes the lock first only if it waits for the setting: a CanNotDelete lock blocks its delete.
                assert.ok(lock.dependencies.includes(forServer.urn) || ofType(run, T.database).some((d) => lock.dependencies.includes(d.urn)));
            }
            assert.equal(config.database.deleteLock, lock !== undefined);
        });

        it("alerts on the proxy tier, the server and the gateway, with the SKU's P2S limit", () => {
            const alerts = ofType(run, T.alert);
            const specs = metricAlerts({ vpnSku: config.vpn.sku });
            assert.equal(alerts.length, specs.length);
            const targets = { server: one(run, T.server), gateway: one(run, T.gateway), loadBalancer: one(run, T.lb) };
            for (const spec of specs) {
                const alert = alerts.find((a) => a.inputs.ruleName === `alert-securepg-${file.stack}-${spec.key}`)!;
                assert.ok(alert, spec.key);
                const criterion = alert.inputs.criteria.allOf[0];
                assert.deepEqual([criterion.metricName, criterion.metricNamespace, criterion.operator, criterion.threshold, criterion.timeAggregation],
                    [spec.metricName, spec.metricNamespace, spec.operator, spec.threshold, spec.timeAggregation]);
                assert.equal(alert.inputs.criteria.odataType, "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria");
                assert.ok(alert.dependencies.includes(targets[spec.target].urn), `${spec.key} watches the ${spec.target}`);
                assert.equal(alert.inputs.location, "global");
            }
            assert.equal(ofType(run, T.actionGroup).length, 0, "no addresses, no action group");
            assert.ok(alerts.every((a) => a.inputs.actions.length === 0));
        });

        it("emails alerts through one action group when addresses are configured", async () => {
            const emailed = ok(await deploy(file, { monitoring: { alertEmails: ["ops@example.com", "dba@example.com"] } }));
            const group = one(emailed, T.actionGroup);
            assert.deepEqual(group.inputs.emailReceivers, [
                { name: "email-1", emailAddress: "ops@example.com", useCommonAlertSchema: true },
                { name: "email-2", emailAddress: "dba@example.com", useCommonAlertSchema: true },
            ]);
            assert.ok(group.inputs.groupShortName.length <= 12);
            assert.equal(group.inputs.location, "Global");
            assert.ok(ofType(emailed, T.alert).every((a) => a.dependencies.includes(group.urn) && a.inputs.actions.length === 1));
        });

        it("an existing workspace: not created or managed; the table goes into it and the rule into its region", async () => {
            const existing = ok(await deploy(file, { monitoring: { workspaceId: WORKSPACE_ID } }));
            assert.equal(ofType(existing, T.workspace).length, 0);
            const table = one(existing, T.table);
            assert.deepEqual([table.inputs.resourceGroupName, table.inputs.workspaceName], ["rg-shared-logs", "log-central"]);
            assert.equal(one(existing, T.dcr).inputs.location, "northeurope");
            for (const setting of ofType(existing, T.diagnostics)) {
                assert.equal(setting.inputs.workspaceId.toLowerCase(), WORKSPACE_ID.toLowerCase());
            }
            assert.equal(existing.outputs.auditWorkspaceCustomerId, MOCK_EXISTING_WORKSPACE_CUSTOMER_ID);
            assert.deepEqual(existing.invokes.filter((i) => i.token === "azure-native:operationalinsights:getWorkspace").map((i) => i.args),
                [{ resourceGroupName: "rg-shared-logs", workspaceName: "log-central" }], "read once");
        });

        it("an existing workspace that cannot be read, or lives in another subscription, stops the deployment before anything is declared", async () => {
            const missing = await deploy(file, { monitoring: { workspaceId: WORKSPACE_ID } }, { existingWorkspace: "missing" });
            assert.match(String(missing.error?.message), /could not read securepg:monitoring.workspaceId .*: it does not exist/);
            const denied = await deploy(file, { monitoring: { workspaceId: WORKSPACE_ID } }, { existingWorkspace: { throws: "AuthorizationFailed: The client does not have authorization to perform action 'Microsoft.OperationalInsights/workspaces/read'" } });
            assert.match(String(denied.error?.message), /could not read securepg:monitoring.workspaceId \/subscriptions\/.*log-central: AuthorizationFailed: The client does not have authorization/);
            const elsewhere = await deploy(file, { monitoring: { workspaceId: WORKSPACE_ID.replace("00000000-0000-0000-0000-000000000000", "12345678-0000-0000-0000-000000000000") } });
            assert.match(String(elsewhere.error?.message), /is in subscription 12345678-0000-0000-0000-000000000000, but this stack deploys to 00000000-0000-0000-0000-000000000000/);
            for (const failed of [missing, denied, elsewhere]) {
                assert.deepEqual(failed.resources.filter((r) => r.custom && r.type.startsWith("azure-native:")), []);
            }
        });

        it("turning the trail off or moving it away from the stack's own workspace: refused where it would stop halfway, a warning where it deletes logs", async () => {
            for (const change of [{ diagnostics: false }, { workspaceId: WORKSPACE_ID }]) {
                const next = await deploy(file, { monitoring: change }, after(run));
                if (config.protect) {
                    assert.match(String(next.error?.message), /deletes the stack's audit workspace log-securepg-\S+ and the logs in it, which Pulumi protect keeps/);
                    assert.deepEqual(next.resources.filter((r) => r.custom && r.type.startsWith("azure-native:")), []);
                } else {
                    ok(next);
                    assert.ok(next.warnings.some((w) => w.includes(`deletes the stack's audit workspace log-securepg-${file.stack} and the logs in it`)), next.warnings.join("\n"));
                }
                if (config.database.deleteLock && change.diagnostics === false) {
                    assert.match(String(next.error?.message), /which the server's CanNotDelete lock blocks \(ScopeLocked\)/);
                }
            }
        });

        it("diagnostics off: no workspace, table, rule, setting, agent or identity; the alerts stay", async () => {
            const off = ok(await deploy(file, { monitoring: { diagnostics: false } }));
            for (const type of [T.workspace, T.table, T.dcr, T.dcra, T.diagnostics, T.extension]) {
                assert.equal(ofType(off, type).length, 0, type);
            }
            assert.ok(ofType(off, T.vm).every((vm) => vm.inputs.identity === undefined));
            assert.equal(ofType(off, T.alert).length, metricAlerts({ vpnSku: config.vpn.sku }).length);
            assert.equal(off.outputs.auditWorkspaceId, undefined);
        });
    });
}
