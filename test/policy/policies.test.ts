/**
 * The CrossGuard policy objects, called as the analyzer calls them (fake args, a reportViolation
 * spy; no PolicyPack is constructed): each rejects a bad resource or stack and accepts a good one.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { VirtualMachine } from "@pulumi/azure-native/compute";
import { Configuration, FirewallRule, Server } from "@pulumi/azure-native/dbforpostgresql";
import {
    NetworkInterface, NetworkSecurityGroup, PublicIPAddress, SecurityRule, VirtualNetwork, VirtualNetworkGateway,
} from "@pulumi/azure-native/network";
import { RandomPassword } from "@pulumi/random";
import { PrivateKey } from "@pulumi/tls";
import type { PolicyResource, ResourceValidation, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { policies, resourcePolicies, stackPolicies, stackResourceOf, typeTokenOf } from "../../policy/policies";
import { DEFAULT_IPSEC_POLICY } from "../../lib/siteToSite";
import { TYPES } from "../../policy/props";
import { resourceArgs, runPack, wireSecret, type SimResource } from "./simulate";

function res(type: string, name: string, inputs: Record<string, any>, extra: Partial<SimResource> = {}): SimResource {
    return {
        type, name, urn: `urn:pulumi:dev::securepg::${type}::${name}`, inputs, parent: "", dependencies: [],
        additionalSecretOutputs: [], protect: false, ignoreChanges: [], ...extra,
    };
}

const tags = (environment: string) => ({ project: "securepg", stack: environment, environment, "managed-by": "pulumi" });
const subnetId = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/psql";
const goodServer = {
    administratorLoginPassword: wireSecret("S3cret-Admin-Pa55word"), backup: { backupRetentionDays: 35, geoRedundantBackup: "Enabled" },
    highAvailability: { mode: "ZoneRedundant" }, network: { delegatedSubnetResourceId: subnetId, publicNetworkAccess: "Disabled" }, tags: tags("prod"),
};
const serverAso = { additionalSecretOutputs: ["administratorLoginPassword"] };
const rule = (source: string, ports: string[]) => ({
    name: "r", priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp", sourceAddressPrefix: source,
    sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRanges: ports,
});
const linuxVm = (disablePasswordAuthentication: boolean) => ({
    osProfile: { adminUsername: "azureuser", linuxConfiguration: { disablePasswordAuthentication } },
    networkProfile: { networkInterfaces: [{ id: "/x/networkInterfaces/nic" }] },
});
const vpnIp = (zones: string[] | undefined) => res(TYPES.publicIp, "vpn-public-ip", {
    publicIpAddressName: "pip-vgw", sku: { name: "Standard" }, publicIPAllocationMethod: "Static", ...(zones ? { zones } : {}),
});
const gateway = (extra: Record<string, any> = {}, dependencies: string[] = []) => res(TYPES.vpnGateway, "vpn-gateway", {
    sku: { name: "VpnGw1AZ", tier: "VpnGw1AZ" },
    ipConfigurations: [{ name: "default", publicIPAddress: { id: "/x/publicIPAddresses/pip-vgw" } }],
    vpnClientConfiguration: {
        vpnClientAddressPool: { addressPrefixes: ["172.16.201.0/24"] }, vpnAuthenticationTypes: ["Certificate"],
        vpnClientRootCertificates: [{ name: "root-1", publicCertData: "MII" }],
    },
    ...extra,
}, { dependencies });
const vnet = res(TYPES.virtualNetwork, "vnet", { addressSpace: { addressPrefixes: ["10.40.0.0/16"] } });

const server = res(TYPES.server, "server", goodServer, serverAso);
const serverSetting = (logs: Array<Record<string, unknown>>, workspaceId: string | undefined = "/x/workspaces/log") =>
    res(TYPES.diagnosticSetting, "server-diagnostics", { resourceUri: "/x/flexibleServers/psql", workspaceId, logs }, { dependencies: [server.urn] });
const passwordless = (activeDirectoryAuth: string) => res(TYPES.server, "server", { ...goodServer, authConfig: { passwordAuth: "Disabled", activeDirectoryAuth } }, serverAso);
const admin = res(TYPES.entraAdmin, "entra-admin", { serverName: "psql", objectId: "0f0e0d0c-0b0a-4908-8706-050403020100" }, { dependencies: [server.urn] });
const workspace = (retentionInDays: number, environment = "prod") => res(TYPES.workspace, "workspace", { retentionInDays, tags: tags(environment) });

interface Case {
    readonly bad: SimResource[];
    readonly good: SimResource[];
}

/** For every policy: resources it must reject, and resources it must accept. */
const CASES: Record<string, Case> = {
    "postgres-tls-required": {
        bad: [res(TYPES.configuration, "p", { configurationName: "ssl_min_protocol_version", value: "TLSv1.1" })],
        good: [res(TYPES.configuration, "p", { configurationName: "ssl_min_protocol_version", value: "TLSv1.2" })],
    },
    "postgres-firewall-no-open-ranges": {
        bad: [res(TYPES.firewallRule, "fw", { startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" })],
        good: [res(TYPES.firewallRule, "fw", { startIpAddress: "203.0.113.0", endIpAddress: "203.0.113.255" })],
    },
    "postgres-firewall-allow-azure-services": {
        bad: [res(TYPES.firewallRule, "fw", { startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" })],
        good: [res(TYPES.firewallRule, "fw", { startIpAddress: "203.0.113.7", endIpAddress: "203.0.113.7" })],
    },
    "postgres-vnet-no-public-access": {
        bad: [res(TYPES.server, "server", { ...goodServer, network: { delegatedSubnetResourceId: subnetId, publicNetworkAccess: "Enabled" } }, serverAso)],
        good: [res(TYPES.server, "server", goodServer, serverAso)],
    },
    "postgres-backup-retention": {
        bad: [res(TYPES.server, "server", { ...goodServer, backup: { backupRetentionDays: 3, geoRedundantBackup: "Enabled" } }, serverAso)],
        good: [res(TYPES.server, "server", goodServer, serverAso)],
    },
    "postgres-prod-resilience": {
        bad: [res(TYPES.server, "server", { ...goodServer, highAvailability: { mode: "Disabled" } }, serverAso)],
        good: [res(TYPES.server, "server", { ...goodServer, highAvailability: { mode: "Disabled" }, tags: tags("dev") }, serverAso)],
    },
    "postgres-dev-resilience": {
        bad: [res(TYPES.server, "server", { ...goodServer, highAvailability: { mode: "Disabled" }, tags: tags("dev") }, serverAso)],
        good: [res(TYPES.server, "server", { ...goodServer, highAvailability: { mode: "Disabled" } }, serverAso)],
    },
    "nsg-no-internet-to-ssh-or-postgres": {
        bad: [res(TYPES.nsg, "nsg", { securityRules: [rule("Internet", ["22"])] }), res(TYPES.securityRule, "standalone", rule("*", ["5432"]))],
        good: [res(TYPES.nsg, "nsg", { securityRules: [rule("172.16.201.0/24", ["22", "5432"])] }), res(TYPES.securityRule, "standalone", rule("Internet", ["443"]))],
    },
    "proxy-vm-no-public-ip": {
        bad: [
            res(TYPES.networkInterface, "nic", { ipConfigurations: [{ name: "primary", publicIPAddress: { id: "/x/publicIPAddresses/p" } }] }),
            res(TYPES.virtualMachine, "vm", { ...linuxVm(true), networkProfile: { networkInterfaceConfigurations: [{ name: "nic", ipConfigurations: [{ name: "ip", publicIPAddressConfiguration: { name: "pip" } }] }] } }),
        ],
        good: [res(TYPES.networkInterface, "nic", { ipConfigurations: [{ name: "primary", privateIPAddress: "10.40.1.4" }] }), res(TYPES.virtualMachine, "vm", linuxVm(true))],
    },
    "linux-vm-no-password-auth": {
        bad: [res(TYPES.virtualMachine, "vm", linuxVm(false))],
        good: [res(TYPES.virtualMachine, "vm", linuxVm(true))],
    },
    "public-ip-no-basic-sku": {
        bad: [res(TYPES.publicIp, "pip", { sku: { name: "Basic" } })],
        good: [res(TYPES.publicIp, "pip", { sku: { name: "Standard" } })],
    },
    "vpn-gateway-no-basic-sku": {
        bad: [gateway({ sku: { name: "Basic", tier: "Basic" } })],
        good: [gateway()],
    },
    "vpn-auth-certificate-or-entra": {
        bad: [gateway({ vpnClientConfiguration: { vpnAuthenticationTypes: ["Radius"], radiusServerAddress: "10.0.0.9" } })],
        good: [gateway()],
    },
    "site-connection-strong-ipsec": {
        bad: [res(TYPES.vpnConnection, "c", { connectionType: "IPsec", connectionProtocol: "IKEv1", ipsecPolicies: [{ ...DEFAULT_IPSEC_POLICY }] })],
        good: [res(TYPES.vpnConnection, "c", { connectionType: "IPsec", connectionProtocol: "IKEv2", ipsecPolicies: [{ ...DEFAULT_IPSEC_POLICY }] })],
    },
    "vpn-public-ip-zone-redundant": {
        bad: [gateway({}, [vpnIp(undefined).urn]), vpnIp(undefined)],
        good: [gateway({}, [vpnIp(["1", "2", "3"]).urn]), vpnIp(["1", "2", "3"])],
    },
    "vpn-client-pool-no-vnet-overlap": {
        bad: [vnet, gateway({ vpnClientConfiguration: { vpnClientAddressPool: { addressPrefixes: ["10.40.250.0/24"] }, vpnAuthenticationTypes: ["Certificate"] } })],
        good: [vnet, gateway()],
    },
    "prod-diagnostics-on": {
        bad: [server, serverSetting([{ category: "PostgreSQLFlexSessions", enabled: true }])],
        good: [server, serverSetting([{ category: "PostgreSQLLogs", enabled: true }])],
    },
    "postgres-passwordless-has-entra-admin": {
        bad: [passwordless("Enabled")],
        good: [passwordless("Enabled"), admin],
    },
    "log-retention-floor": {
        bad: [workspace(30), server],
        good: [workspace(90), server],
    },
    "secrets-stay-secret": {
        bad: [res(TYPES.server, "server", goodServer), res(TYPES.stack, "securepg-dev", { dsn: "host=db password=S3cret-Admin-Pa55word" })],
        good: [res(TYPES.server, "server", goodServer, serverAso), res(TYPES.stack, "securepg-dev", { adminPassword: wireSecret("S3cret-Admin-Pa55word") })],
    },
    "azure-request-rules": {
        bad: [res(TYPES.nsg, "nsg", { networkSecurityGroupName: "nsg-x", location: "westeurope", securityRules: [{ ...rule("172.16.201.0/24", ["*"]), description: "" }] }, { deleteBeforeReplace: true })],
        good: [res(TYPES.nsg, "nsg", { networkSecurityGroupName: "nsg-x", location: "westeurope", securityRules: [{ ...rule("172.16.201.0/24", ["5432"]), description: "" }] }, { deleteBeforeReplace: true })],
    },
};

describe("the policy list", () => {
    it("has unique names, descriptions and an explicit enforcement level on every policy", () => {
        const names = policies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const policy of policies) {
            assert.match(policy.name, /^[a-z0-9-]+$/);
            assert.ok(policy.description.length > 20, policy.name);
            assert.ok(policy.enforcementLevel === "mandatory" || policy.enforcementLevel === "advisory", policy.name);
        }
        assert.equal(policies.length, resourcePolicies.length + stackPolicies.length);
        assert.deepEqual(Object.keys(CASES).sort(), [...names].sort(), "every policy has a test case");
    });

    it("advisory only where the issue says so", () => {
        const advisory = policies.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name).sort();
        assert.deepEqual(advisory, ["postgres-dev-resilience", "postgres-firewall-allow-azure-services"]);
    });

    it("the rules' type tokens are the classes' own", () => {
        const classes = {
            server: Server, configuration: Configuration, firewallRule: FirewallRule, nsg: NetworkSecurityGroup, securityRule: SecurityRule,
            networkInterface: NetworkInterface, publicIp: PublicIPAddress, virtualNetwork: VirtualNetwork, vpnGateway: VirtualNetworkGateway,
            virtualMachine: VirtualMachine, randomPassword: RandomPassword, tlsPrivateKey: PrivateKey,
        };
        for (const [key, resourceClass] of Object.entries(classes)) {
            assert.equal(typeTokenOf(resourceClass), TYPES[key as keyof typeof TYPES], key);
        }
    });
});

for (const policy of policies) {
    describe(`${policy.name} (${policy.enforcementLevel})`, () => {
        const testCase = CASES[policy.name];
        it("rejects a bad input", async () => {
            const { violations } = await runPack([policy], testCase.bad);
            assert.ok(violations.length > 0, `${policy.name} accepted ${JSON.stringify(testCase.bad.map((r) => r.inputs))}`);
            assert.ok(violations.every((v) => v.policy === policy.name && v.enforcementLevel === policy.enforcementLevel));
            if (!("validateStack" in policy)) {
                // A resource policy judges each resource on its own: every bad one is rejected by itself.
                for (const bad of testCase.bad) {
                    const alone = await runPack([policy], [bad]);
                    assert.deepEqual(alone.violations.map((v) => v.urn).filter((urn, i, all) => all.indexOf(urn) === i), [bad.urn], `${policy.name} accepted ${bad.name}`);
                }
            }
        });
        it("accepts a good input", async () => {
            const { violations } = await runPack([policy], testCase.good);
            assert.deepEqual(violations, []);
        });
    });
}

describe("the policy objects' own plumbing", () => {
    it("a class without a type token is refused when the pack is built", () => {
        class NotAResource { }
        assert.throws(() => typeTokenOf(NotAResource as never), { message: "NotAResource has no __pulumiType" });
    });

    it("a resource policy says which type it applies to when it skips another", async () => {
        const policy = policies.find((p) => p.name === "postgres-tls-required") as ResourceValidationPolicy;
        const other = res("azure-native:resources:ResourceGroup", "rg", {});
        const validate = policy.validateResource as ResourceValidation;
        await assert.rejects(async () => validate(resourceArgs(other), () => assert.fail("no violation expected")), { reason: "applies only to azure-native:dbforpostgresql:Configuration" });
    });

    it("the NSG policy's configuration: protected ports, 1-65535, 22 and 5432 by default", () => {
        const policy = policies.find((p) => p.name === "nsg-no-internet-to-ssh-or-postgres") as ResourceValidationPolicy;
        const { description, ...ports } = policy.configSchema!.properties.ports;
        assert.deepEqual(ports, { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, default: [22, 5432] });
        assert.ok(typeof description === "string" && description.length > 20);
        assert.deepEqual(Object.keys(policy.configSchema!.properties), ["ports"]);
    });

    it("the retention policy's configuration: floorDays, 30-730, 90 by default, and it is what the policy applies", async () => {
        const policy = policies.find((p) => p.name === "log-retention-floor") as StackValidationPolicy;
        const { description, ...floorDays } = policy.configSchema!.properties.floorDays;
        assert.deepEqual(floorDays, { type: "integer", minimum: 30, maximum: 730, default: 90 });
        assert.ok(typeof description === "string" && description.length > 20);
        assert.deepEqual(Object.keys(policy.configSchema!.properties), ["floorDays"]);
        const kept = (days: number) => res(TYPES.workspace, "workspace", { retentionInDays: days, tags: tags("prod") });
        const found = async (days: number, config: Record<string, unknown>) => {
            const messages: string[] = [];
            await policy.validateStack({ resources: [{ ...kept(days), props: kept(days).inputs }], getConfig: () => config } as unknown as StackValidationArgs, (m) => { messages.push(String(m)); });
            return messages;
        };
        assert.deepEqual(await found(100, {}), []);
        assert.deepEqual(await found(100, { floorDays: 120 }), ["Log Analytics workspace workspace keeps logs 100 days: production keeps them at least 120 (securepg:monitoring.retentionInDays)"]);
        assert.deepEqual(await found(89, { floorDays: "120" }), ["Log Analytics workspace workspace keeps logs 89 days: production keeps them at least 90 (securepg:monitoring.retentionInDays)"], "a floor that is not a number: the default");
    });

    it("stackResourceOf: dependencies and property dependencies by URN, options that may be missing", () => {
        const a = { urn: "urn:a" } as PolicyResource;
        const b = { urn: "urn:b" } as PolicyResource;
        const full = stackResourceOf({
            type: TYPES.server, name: "s", urn: "urn:s", props: { x: 1 }, dependencies: [a, b], propertyDependencies: { network: [a], backup: [] },
            opts: { additionalSecretOutputs: ["administratorLoginPassword"] }, isType: () => false, asType: () => undefined,
        } as unknown as PolicyResource);
        assert.deepEqual(full.dependencies, ["urn:a", "urn:b"]);
        assert.deepEqual(full.propertyDependencies, { network: ["urn:a"], backup: [] });
        assert.deepEqual(full.additionalSecretOutputs, ["administratorLoginPassword"]);
        assert.deepEqual([full.type, full.name, full.urn, full.props], [TYPES.server, "s", "urn:s", { x: 1 }]);
        const bare = stackResourceOf({ type: TYPES.server, name: "s", urn: "urn:s", props: {} } as unknown as PolicyResource);
        assert.deepEqual([bare.dependencies, bare.propertyDependencies, bare.additionalSecretOutputs], [[], {}, []]);
    });

    it("azure-request-rules reads deleteBeforeReplace from the options, and copes without them", async () => {
        const policy = policies.find((p) => p.name === "azure-request-rules") as StackValidationPolicy;
        const nsg = { type: TYPES.nsg, name: "nsg", urn: "urn:nsg", props: { networkSecurityGroupName: "nsg-x", location: "westeurope" } };
        const run = async (opts: object | undefined) => {
            const found: string[] = [];
            await policy.validateStack({ resources: [{ ...nsg, opts }], getConfig: () => ({}) } as unknown as StackValidationArgs, (message) => { found.push(String(message)); });
            return found;
        };
        assert.deepEqual(await run({ deleteBeforeReplace: true }), []);
        assert.deepEqual(await run(undefined), []);
        assert.deepEqual(await run({ deleteBeforeReplace: false }), [
            "replacement-deletes-first: azure-native:network:NetworkSecurityGroup nsg: has a fixed name (networkSecurityGroupName) but no deleteBeforeReplace: " +
            "a replacement would create the new resource first, under the same name, and azure-native refuses to create a resource that exists",
        ]);
    });
});

describe("resource policies skip other types", () => {
    it("call notApplicable for a resource they do not check, and check API-version-pinned types", async () => {
        const other = res("azure-native:resources:ResourceGroup", "rg", { location: "westeurope" });
        const { violations, applied } = await runPack(resourcePolicies, [other]);
        assert.deepEqual(violations, []);
        assert.ok([...applied.values()].every((n) => n === 0), JSON.stringify([...applied]));
        const pinned = res("azure-native:network/v20240301:NetworkSecurityGroup", "nsg", { securityRules: [rule("Internet", ["22"])] });
        const result = await runPack(resourcePolicies, [pinned]);
        assert.deepEqual(result.violations.map((v) => v.policy), ["nsg-no-internet-to-ssh-or-postgres"]);
    });
    it("the NSG policy's ports come from the policy configuration", async () => {
        const nsg = res(TYPES.nsg, "nsg", { securityRules: [rule("Internet", ["6432"])] });
        const policy = policies.find((p) => p.name === "nsg-no-internet-to-ssh-or-postgres")!;
        assert.equal((await runPack([policy], [nsg])).violations.length, 0);
        const configured = await runPack([policy], [nsg], { config: { [policy.name]: { ports: [22, 6432] } } });
        assert.equal(configured.violations.length, 1);
        const standalone = res(TYPES.securityRule, "rule", rule("Internet", ["6432"]));
        assert.equal((await runPack([policy], [standalone], { config: { [policy.name]: { ports: [6432] } } })).violations.length, 1);
        // An empty list is no list: the defaults (22 and 5432) apply.
        const ssh = res(TYPES.nsg, "nsg", { securityRules: [rule("Internet", ["22"])] });
        assert.equal((await runPack([policy], [ssh], { config: { [policy.name]: { ports: [] } } })).violations.length, 1);
    });
});
