/** Each component on its own under mocks: type token, children parented to it, outputs it exposes. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Network } from "../components/network";
import { PostgresServer } from "../components/database";
import { VpnGateway } from "../components/vpnGateway";
import { SiteToSite } from "../components/siteToSite";
import { ProxyTier } from "../components/proxyTier";
import { AuditTrail } from "../components/audit";
import { Alerts } from "../components/alerts";
import { resourceNames } from "../lib/naming";
import { proxyUserData } from "../lib/proxyUserData";
import { parseStackConfig } from "../stacks";
import { MOCK_WORKSPACE_CUSTOMER_ID, MOCK_EXISTING_WORKSPACE_CUSTOMER_ID, one, runUnderMocks, unwrapSecret, type ProgramRun } from "./harness/program";

const config = parseStackConfig({ project: "securepg", stack: "dev", values: { "azure-native:location": "westeurope", "securepg:vpn": JSON.stringify({ clients: ["c1"] }) } });
const names = resourceNames("securepg", "dev");
const tags = { stack: "dev" };
const RG = "rg-test";
const SUBNET = "/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-proxy";

/** The component registered these outputs, each resolved to what the component exposes. */
function assertRegisteredOutputs(run: ProgramRun, token: string, expected: Record<string, unknown>): void {
    const registered = one(run, token).registeredOutputs;
    assert.ok(registered, `${token} called no registerOutputs`);
    assert.deepEqual(Object.keys(registered).sort(), Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) {
        assert.deepEqual(unwrapSecret(registered[key]), value, key);
    }
}

function assertComponent(run: ProgramRun, token: string): void {
    assert.equal(run.error, undefined, run.error?.message);
    const component = one(run, token);
    const children = run.resources.filter((r) => r !== component);
    assert.ok(children.length > 0);
    for (const child of children) {
        assert.equal(child.parent, component.urn, `${child.type} ${child.name} is not parented to ${token}`);
    }
}

describe("components", () => {
    it("Network", async () => {
        const run = await runUnderMocks({ stack: "dev", config: {} }, async () => {
            const net = new Network("network", { location: "westeurope", names, network: config.network, access: "vnet", vpnClientPool: "172.16.201.0/24", proxyListenPorts: [5432], sitePrefixes: [], protect: false, tags });
            assert.ok(net.privateAccess, "vnet mode exposes the delegated subnet and DNS zone");
            return {
                rg: net.resourceGroupName, gatewaySubnetId: net.gatewaySubnetId, zone: net.privateAccess.privateDnsZoneId,
                vnetId: net.virtualNetworkId, proxySubnetId: net.proxySubnetId, subnetId: net.privateAccess.delegatedSubnetId, natIp: net.natPublicIp,
            };
        });
        assertComponent(run, "securepg:network:Network");
        const o = run.outputs;
        assertRegisteredOutputs(run, "securepg:network:Network", {
            resourceGroupName: o.rg, virtualNetworkId: o.vnetId, gatewaySubnetId: o.gatewaySubnetId, proxySubnetId: o.proxySubnetId,
            databaseSubnetId: o.subnetId, privateDnsZoneId: o.zone, natPublicIp: o.natIp,
        });
        assert.equal(run.outputs.rg, "rg-securepg-dev");
        assert.match(String(run.outputs.gatewaySubnetId), /\/GatewaySubnet$/);
    });

    it("PostgresServer in public placement", async () => {
        const db = { ...config.database, access: "public" as const, allowedIpRanges: [], allowAzureServices: false };
        const run = await runUnderMocks({ stack: "dev", config: {} }, async () => {
            const server = new PostgresServer("database", { location: "westeurope", storageSizeGB: 32, highAvailabilityMode: "ZoneRedundant", resourceGroupName: RG, names, database: db, placement: { access: "public", natPublicIp: "20.1.1.1" }, protect: false, tags, authentication: { passwordAuth: true } });
            return {
                fqdn: server.fqdn, password: server.adminPassword, secret: pulumi.output(pulumi.isSecret(server.adminPassword)),
                name: server.serverName, login: server.adminLogin, databases: server.databaseNames, rules: server.firewallRuleNames,
                id: server.serverId, entraAdmin: server.entraAdminName,
            };
        });
        assertComponent(run, "securepg:database:PostgresServer");
        const o = run.outputs;
        assertRegisteredOutputs(run, "securepg:database:PostgresServer", {
            serverName: o.name, fqdn: o.fqdn, adminLogin: o.login, adminPassword: o.password, databaseNames: o.databases, firewallRuleNames: o.rules,
            // entraAdminName is undefined without Entra, and an undefined output is not recorded.
            serverId: o.id,
        });
        assert.equal(o.entraAdmin, undefined);
        assert.match(String(o.id), /\/providers\/azure-native:dbforpostgresql:Server\/psql-securepg-dev-/);
        assert.match(String(run.outputs.fqdn), /^psql-securepg-dev-[a-z0-9]+\.postgres\.database\.azure\.com$/);
        assert.ok(run.secretExports.has("password"));
        const nat = run.resources.find((r) => r.type === "azure-native:dbforpostgresql:FirewallRule");
        assert.deepEqual([nat?.inputs.startIpAddress, nat?.inputs.endIpAddress], ["20.1.1.1", "20.1.1.1"]);
    });

    it("SiteToSite", async () => {
        const sites = parseStackConfig({ project: "securepg", stack: "dev", values: {
            "azure-native:location": "westeurope",
            "securepg:vpn": JSON.stringify({ sites: [{ name: "hq", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"] }] }),
        } }).vpn.sites;
        const run = await runUnderMocks({ stack: "dev", config: {} }, async () => {
            const s2s = new SiteToSite("site-to-site", { project: "securepg", stack: "dev", resourceGroupName: RG, location: "westeurope", gatewayId: "/gw", sites, siteKeys: {}, tags });
            return { lng: s2s.connections.hq.localNetworkGatewayId, con: s2s.connections.hq.connectionId };
        });
        assertComponent(run, "securepg:vpn:SiteToSite");
        assertRegisteredOutputs(run, "securepg:vpn:SiteToSite", { connections: { hq: { localNetworkGatewayId: run.outputs.lng, connectionId: run.outputs.con } } });
    });

    it("VpnGateway", async () => {
        const run = await runUnderMocks({ stack: "dev", config: {} }, async () => {
            const vpn = new VpnGateway("vpn", { location: "westeurope", resourceGroupName: RG, names, gatewaySubnetId: "/subnets/GatewaySubnet", vpn: config.vpn, publicIpZones: ["1", "2", "3"], subjectPrefix: "securepg-dev", bgp: false, tags });
            return { ip: vpn.publicIp, creds: vpn.clientCredentials, roots: vpn.rootCertificatePems, active: vpn.activeRootCertificatePem, deployed: vpn.deployed, id: vpn.gatewayId, sites: vpn.siteAddresses };
        });
        assertComponent(run, "securepg:vpn:VpnGateway");
        const o = run.outputs;
        assertRegisteredOutputs(run, "securepg:vpn:VpnGateway", {
            publicIp: o.ip, rootCertificatePems: o.roots, activeRootCertificatePem: o.active, clientCredentials: o.creds, deployed: o.deployed, gatewayId: o.id, siteAddresses: o.sites,
        });
        assert.deepEqual(o.sites, [o.ip], "one instance: the sites' tunnels go to its one address");
        assert.match(String(o.id), /\/providers\/Microsoft\.Network\/virtualNetworkGateways\/vgw-securepg-dev$/);
        assert.deepEqual(Object.keys(run.outputs.creds as object), ["c1"]);
        assert.ok(run.secretExports.has("creds"));
        assert.deepEqual(Object.keys(run.outputs.roots as object), ["root-1"]);
    });

    it("ProxyTier, with a ProxyVm per instance", async () => {
        const fqdn = "psql-x.postgres.database.azure.com";
        const prod = parseStackConfig({ project: "securepg", stack: "prod", values: { "azure-native:location": "westeurope" } });
        const run = await runUnderMocks({ stack: "prod", config: {} }, async () => {
            const tier = new ProxyTier("proxy", { location: "westeurope", resourceGroupName: RG, names, subnetId: SUBNET, config: prod, serverFqdn: fqdn, tags });
            return { frontend: tier.frontendAddress, instances: tier.instances, userData: tier.userData, key: tier.sshPrivateKeyPem, lb: tier.loadBalancerId, admin: tier.adminUsername };
        });
        assert.equal(run.error, undefined, run.error?.message);
        const tier = one(run, "securepg:proxy:ProxyTier");
        const vms = run.resources.filter((r) => r.type === "securepg:proxy:ProxyVm");
        assert.deepEqual(vms.map((v) => [v.name, v.parent]), [["proxy-1", tier.urn], ["proxy-2", tier.urn]]);
        for (const resource of run.resources.filter((r) => r !== tier && !vms.includes(r))) {
            // A proxy's NIC, VM, health gate and drain belong to its ProxyVm; the load balancer to the tier.
            const parent = vms.find((v) => resource.name.startsWith(`${v.name}-`))?.urn ?? tier.urn;
            assert.equal(resource.parent, parent, `${resource.type} ${resource.name}`);
        }
        assert.equal(run.outputs.frontend, "10.40.1.254");
        assert.equal((run.outputs.instances as unknown[]).length, 2);
        assert.equal(run.outputs.userData, proxyUserData(prod, fqdn));
        assertRegisteredOutputs(run, "securepg:proxy:ProxyTier", {
            frontendAddress: run.outputs.frontend, instances: run.outputs.instances, adminUsername: run.outputs.admin,
            sshPrivateKeyPem: run.outputs.key, userData: run.outputs.userData, loadBalancerId: run.outputs.lb,
        });
        for (const vm of vms) {
            assert.deepEqual(Object.keys(vm.registeredOutputs ?? {}).sort(), ["privateIp", "vmName", "zone"], vm.name);
        }
        assert.ok(run.secretExports.has("key"));
        assert.match(String(run.outputs.lb), /lbi-securepg-dev-proxy$/);
    });

    it("AuditTrail with its own workspace", async () => {
        const run = await runUnderMocks({ stack: "dev", config: {} }, async () => {
            const audit = new AuditTrail("audit", { location: "westeurope", resourceGroupName: RG, names, existingWorkspace: undefined, retentionInDays: 30, sessionLogPath: "/var/log/x.log", protect: true, tags });
            return { id: audit.workspaceId, customer: audit.workspaceCustomerId, rule: audit.dataCollectionRuleId };
        });
        assertComponent(run, "securepg:audit:AuditTrail");
        const o = run.outputs;
        assertRegisteredOutputs(run, "securepg:audit:AuditTrail", { workspaceId: o.id, workspaceCustomerId: o.customer, dataCollectionRuleId: o.rule });
        assert.match(String(o.id), /operationalinsights:Workspace\/log-securepg-dev$/);
        assert.equal(o.customer, MOCK_WORKSPACE_CUSTOMER_ID);
        assert.match(String(o.rule), /monitor:DataCollectionRule\/dcr-securepg-dev-proxy$/);
        assert.equal(one(run, "azure-native:operationalinsights:Workspace").protect, true);
        assert.deepEqual(one(run, "azure-native:monitor:DataCollectionRule").inputs.dataSources.logFiles[0].filePatterns, ["/var/log/x.log"]);
    });

    it("AuditTrail in an existing workspace", async () => {
        const existing = { id: "/subscriptions/s/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/log-central", resourceGroupName: "rg-logs", workspaceName: "log-central", location: "northeurope", customerId: MOCK_EXISTING_WORKSPACE_CUSTOMER_ID };
        const run = await runUnderMocks({ stack: "dev", config: {} }, async () => {
            const audit = new AuditTrail("audit", { location: "westeurope", resourceGroupName: RG, names, existingWorkspace: existing, retentionInDays: 120, sessionLogPath: "/var/log/x.log", protect: true, tags });
            return { id: audit.workspaceId, customer: audit.workspaceCustomerId };
        });
        assertComponent(run, "securepg:audit:AuditTrail");
        assert.deepEqual([run.outputs.id, run.outputs.customer], [existing.id, MOCK_EXISTING_WORKSPACE_CUSTOMER_ID]);
        assert.equal(run.resources.filter((r) => r.type === "azure-native:operationalinsights:Workspace").length, 0);
        const table = one(run, "azure-native:operationalinsights:Table");
        assert.deepEqual([table.inputs.resourceGroupName, table.inputs.workspaceName, table.inputs.retentionInDays], ["rg-logs", "log-central", 120]);
        assert.equal(one(run, "azure-native:monitor:DataCollectionRule").inputs.location, "northeurope");
        assert.deepEqual(run.invokes, [], "the workspace was read before the component, once");
    });

    it("Alerts, with and without an action group", async () => {
        const targets = { server: "/servers/psql", gateway: "/gateways/vgw", loadBalancer: "/lbs/lbi" };
        for (const emails of [[], ["ops@example.com"]]) {
            const run = await runUnderMocks({ stack: "dev", config: {} }, async () => {
                const alerts = new Alerts("alerts", { resourceGroupName: RG, names, vpnSku: "VpnGw2AZ", targets, emails, tags });
                return { group: alerts.actionGroupId, names: alerts.alertNames };
            });
            assertComponent(run, "securepg:audit:Alerts");
            const expected = { alertNames: run.outputs.names, ...(emails.length > 0 ? { actionGroupId: run.outputs.group } : {}) };
            assertRegisteredOutputs(run, "securepg:audit:Alerts", expected);
            assert.equal(run.resources.filter((r) => r.type === "azure-native:monitor:ActionGroup").length, emails.length);
            const alerts = run.resources.filter((r) => r.type === "azure-native:monitor:MetricAlert");
            assert.deepEqual(alerts.map((a) => a.inputs.ruleName), run.outputs.names);
            assert.ok(alerts.every((a) => a.deleteBeforeReplace));
            const p2s = alerts.find((a) => a.inputs.ruleName === "alert-securepg-dev-gateway-p2s-connections")!;
            assert.deepEqual([p2s.inputs.scopes, p2s.inputs.criteria.allOf[0].threshold], [["/gateways/vgw"], 400]);
        }
    });
});
