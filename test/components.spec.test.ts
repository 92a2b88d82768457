/**
 * What each component asks Azure (and the random/tls providers) for, property by property, and
 * with which resource options. Every value here is a decision with a reason (given beside it or in
 * the component); a change to any of them must be deliberate, so it must fail a test.
 * components.test.ts covers the component contract (type tokens, parents, outputs).
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Network, FLEXIBLE_SERVER_DELEGATION } from "../components/network";
import { PostgresServer, serverParameters, type DatabaseArgs } from "../components/database";
import { VpnGateway } from "../components/vpnGateway";
import { HEALTH_CHECK_TIMEOUT_SECONDS, UBUNTU_IMAGE } from "../components/proxyVm";
import { ProxyTier } from "../components/proxyTier";
import { renderProxyHealthCheck } from "../lib/healthCheck";
import { DRAIN_SCRIPT, renderDrainInvocation } from "../lib/drain";
import { writtenFiles } from "../lib/cloudInit";
import { proxyGeneration } from "../lib/proxyTier";
import { proxyInstanceNames, resourceNames } from "../lib/naming";
import { proxyUserData } from "../lib/proxyUserData";
import { databaseSubnetRules, proxySubnetRules } from "../lib/nsgRules";
import { NAT_EGRESS_RULE_NAME } from "../lib/firewall";
import { parseStackConfig } from "../stacks";
import type { DatabaseConfig } from "../stacks/types";
import { MOCK_SSH_PUBLIC_KEY, one, ofType, plainInputs, runUnderMocks, type ProgramRun, type RegisteredResource } from "./harness/program";

const config = parseStackConfig({
    project: "securepg", stack: "dev",
    values: { "azure-native:location": "westeurope", "securepg:vpn": JSON.stringify({ clients: ["alice", "bob"], rootCertificates: ["root-a", "root-b"] }) },
});
const names = resourceNames("securepg", "dev");
const tags = { stack: "dev", environment: "dev" };
const RG = "rg-test";
const SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000";
/** The id the mocks give an Azure resource: ARM-shaped, ending in its name. */
const armId = (group: string, type: string, name: string) => `${SUBSCRIPTION}/resourceGroups/${group}/providers/${type}/${name}`;

const inputsOf = (r: RegisteredResource) => plainInputs(r.inputs) as Record<string, any>;

/**
 * `actual` has every property of `expected`, with the same value (recursively; lists element by
 * element). Properties the SDK fills in with its own defaults are not the program's decisions and
 * are not compared.
 */
function assertSets(actual: unknown, expected: unknown, where = "inputs"): void {
    if (Array.isArray(expected)) {
        assert.ok(Array.isArray(actual), `${where} is not a list`);
        assert.equal(actual.length, expected.length, `${where} has ${actual.length} entries`);
        expected.forEach((e, i) => assertSets(actual[i], e, `${where}[${i}]`));
    } else if (expected !== null && typeof expected === "object") {
        assert.ok(actual !== null && typeof actual === "object", `${where} is not an object`);
        for (const [key, value] of Object.entries(expected)) {
            assertSets((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
        }
    } else {
        assert.deepEqual(actual, expected, where);
    }
}
const ok = (run: ProgramRun) => assert.equal(run.error, undefined, run.error?.message);
const byName = (run: ProgramRun, name: string) => {
    const found = run.resources.find((r) => r.name === name);
    assert.ok(found, `no resource ${name}`);
    return found;
};

describe("Network asks for", () => {
    const build = (access: "vnet" | "public", protect = false) => runUnderMocks({ stack: "dev", config: {} }, async () => {
        const net = new Network("network", { location: "westeurope", names, network: config.network, access, vpnClientPool: "172.16.201.0/24", proxyListenPorts: [6432], sitePrefixes: [], protect, tags });
        return { privateAccess: pulumi.output(net.privateAccess !== undefined), natIp: net.natPublicIp, proxySubnetId: net.proxySubnetId, vnetId: net.virtualNetworkId };
    });
    const N = config.network;
    const rgName = names.resourceGroup;

    it("a resource group, protected when the stack is, and a VNet that does not own its subnets", async () => {
        const run = await build("vnet", true);
        ok(run);
        const group = one(run, "azure-native:resources:ResourceGroup");
        assertSets(inputsOf(group), { resourceGroupName: rgName, location: "westeurope", tags });
        assert.equal(group.protect, true);
        assert.equal(one((await build("vnet", false)), "azure-native:resources:ResourceGroup").protect, false);
        const vnet = one(run, "azure-native:network:VirtualNetwork");
        assertSets(inputsOf(vnet), { virtualNetworkName: names.virtualNetwork, resourceGroupName: rgName, location: "westeurope", tags, addressSpace: { addressPrefixes: [N.addressSpace.text] } });
        assert.deepEqual(vnet.ignoreChanges, ["subnets"]);
        assert.equal(run.outputs.vnetId, armId(rgName, "azure-native:network:VirtualNetwork", names.virtualNetwork));
    });

    it("a Standard static IPv4 address for a NAT gateway with a 4-minute idle timeout (Azure's minimum)", async () => {
        const run = await build("vnet");
        const ip = byName(run, "nat-public-ip");
        assertSets(inputsOf(ip), {
            publicIpAddressName: names.natPublicIp, resourceGroupName: rgName, location: "westeurope", tags,
            sku: { name: "Standard", tier: "Regional" }, publicIPAllocationMethod: "Static", publicIPAddressVersion: "IPv4",
        });
        const nat = one(run, "azure-native:network:NatGateway");
        assertSets(inputsOf(nat), {
            natGatewayName: names.natGateway, resourceGroupName: rgName, location: "westeurope", tags,
            sku: { name: "Standard" }, publicIpAddresses: [{ id: armId(rgName, "azure-native:network:PublicIPAddress", names.natPublicIp) }], idleTimeoutInMinutes: 4,
        });
        assert.match(String(run.outputs.natIp), /^20\.50\.100\.\d+$/);
    });

    it("GatewaySubnet without an NSG, then the proxy subnet behind NAT and its NSG, without default outbound access", async () => {
        const run = await build("vnet");
        const gateway = byName(run, "gateway-subnet");
        assertSets(inputsOf(gateway), { subnetName: "GatewaySubnet", virtualNetworkName: names.virtualNetwork, resourceGroupName: rgName, addressPrefix: N.gatewaySubnet.text });
        const proxy = byName(run, "proxy-subnet");
        assertSets(inputsOf(proxy), {
            subnetName: names.proxySubnet, virtualNetworkName: names.virtualNetwork, resourceGroupName: rgName, addressPrefix: N.proxySubnet.text,
            defaultOutboundAccess: false,
            natGateway: { id: armId(rgName, "azure-native:network:NatGateway", names.natGateway) },
            networkSecurityGroup: { id: armId(rgName, "azure-native:network:NetworkSecurityGroup", names.proxyNsg) },
            serviceEndpoints: N.serviceEndpoints.map((service) => ({ service })),
        });
        assert.ok(proxy.dependencies.includes(gateway.urn), "one subnet operation at a time on the VNet");
        const nsg = byName(run, "proxy-nsg");
        assertSets(inputsOf(nsg), {
            networkSecurityGroupName: names.proxyNsg, resourceGroupName: rgName, location: "westeurope", tags,
            securityRules: plainInputs(proxySubnetRules({ vpnClientPool: "172.16.201.0/24", proxySubnet: N.proxySubnet.text, listenPorts: [6432], sitePrefixes: [] })),
        });
        assert.equal(run.outputs.proxySubnetId, armId(rgName, "azure-native:network:Subnet", names.proxySubnet));
    });

    it("in VNet mode: the delegated database subnet, the private DNS zone and its link, in destroy-safe order", async () => {
        const run = await build("vnet");
        assert.equal(run.outputs.privateAccess, true);
        const proxy = byName(run, "proxy-subnet");
        const database = byName(run, "database-subnet");
        assertSets(inputsOf(database), {
            subnetName: names.databaseSubnet, virtualNetworkName: names.virtualNetwork, resourceGroupName: rgName, addressPrefix: N.databaseSubnet.text,
            defaultOutboundAccess: false,
            networkSecurityGroup: { id: armId(rgName, "azure-native:network:NetworkSecurityGroup", names.databaseNsg) },
            delegations: [{ name: "flexible-server", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }],
        });
        assert.equal(FLEXIBLE_SERVER_DELEGATION, "Microsoft.DBforPostgreSQL/flexibleServers");
        assert.ok(database.dependencies.includes(proxy.urn));
        assertSets(inputsOf(byName(run, "database-nsg")).securityRules, plainInputs(databaseSubnetRules({ proxySubnet: N.proxySubnet.text, databaseSubnet: N.databaseSubnet.text })));
        const zone = one(run, "azure-native:privatedns:PrivateZone");
        assertSets(inputsOf(zone), { privateZoneName: names.privateDnsZone, resourceGroupName: rgName, location: "Global", tags });
        const link = one(run, "azure-native:privatedns:VirtualNetworkLink");
        assertSets(inputsOf(link), {
            virtualNetworkLinkName: names.privateDnsZoneLink, privateZoneName: names.privateDnsZone, resourceGroupName: rgName, location: "Global",
            virtualNetwork: { id: armId(rgName, "azure-native:network:VirtualNetwork", names.virtualNetwork) }, registrationEnabled: false, tags,
        });
        assert.ok(link.dependencies.includes(database.urn), "the link goes before the subnet on destroy");
    });

    it("in public mode: no database subnet, DNS zone or link", async () => {
        const run = await build("public");
        ok(run);
        assert.equal(run.outputs.privateAccess, false);
        assert.deepEqual(run.resources.filter((r) => ["database-subnet", "database-nsg", "private-dns-zone", "private-dns-zone-link"].includes(r.name)), []);
    });

    it("every Azure resource replaced delete-first (their names are fixed)", async () => {
        const run = await build("vnet");
        for (const r of run.resources.filter((x) => x.custom)) {
            assert.equal(r.deleteBeforeReplace, true, `${r.type} ${r.name}`);
        }
    });
});

describe("PostgresServer asks for", () => {
    const db = (extra: Partial<Record<string, unknown>> = {}) => ({ ...config.database, ...extra }) as DatabaseConfig;
    const vnetPlacement = (link: pulumi.Resource) => ({ access: "vnet" as const, delegatedSubnetId: "/subnets/snet-db", privateDnsZoneId: "/privateDnsZones/zone", privateDnsZoneLink: link });
    const build = (database: DatabaseConfig, options: { protect?: boolean; storageSizeGB?: number; mode?: "ZoneRedundant" | "SameZone"; placement?: "vnet" | "public"; authentication?: DatabaseArgs["authentication"]; workspaceId?: string } = {}) =>
        runUnderMocks({ stack: "dev", config: {} }, async () => {
            const link = new random.RandomId("zone-link", { byteLength: 1 });
            const placement = options.placement === "public" ? { access: "public" as const, natPublicIp: "20.1.1.1" } : vnetPlacement(link);
            const server = new PostgresServer("database", {
                location: "westeurope", storageSizeGB: options.storageSizeGB ?? 64, highAvailabilityMode: options.mode ?? "ZoneRedundant",
                resourceGroupName: RG, names, database, placement, protect: options.protect ?? false, tags,
                authentication: options.authentication ?? { passwordAuth: true }, workspaceId: options.workspaceId,
            });
            return {
                serverName: server.serverName, fqdn: server.fqdn, adminLogin: server.adminLogin, adminPassword: server.adminPassword,
                databaseNames: server.databaseNames, firewallRuleNames: server.firewallRuleNames,
            };
        });

    it("a generated server name of the prefix and six random lowercase letters and digits", async () => {
        const run = await build(db({ serverName: undefined }));
        ok(run);
        assertSets(inputsOf(one(run, "random:index/randomString:RandomString")), { length: 6, special: false, upper: false, lower: true, numeric: true });
        assert.equal(inputsOf(one(run, "azure-native:dbforpostgresql:Server")).serverName, `${names.serverPrefix}-a1b2c3`);
        const named = await build(db({ serverName: "psql-mine" }));
        assert.deepEqual(ofType(named, "random:index/randomString:RandomString"), []);
        assert.equal(inputsOf(one(named, "azure-native:dbforpostgresql:Server")).serverName, "psql-mine");
    });

    it("a 32-character admin password that Azure's complexity rule and a connection string both accept, rotated by its keeper", async () => {
        const run = await build(db({ passwordRotation: 3 }));
        const password = one(run, "random:index/randomPassword:RandomPassword");
        assertSets(inputsOf(password), {
            length: 32, special: true, overrideSpecial: "-_.~", minLower: 2, minUpper: 2, minNumeric: 2, minSpecial: 1, keepers: { rotation: "3" },
        });
        assert.ok(run.secretExports.has("adminPassword"));
        assert.equal(run.outputs.adminPassword, "Mock-Pa55word_3-xYz");
    });

    it("the server itself, VNet-integrated", async () => {
        const database = db({ serverName: "psql-x", highAvailability: true, geoRedundantBackup: true, backupRetentionDays: 14 });
        const run = await build(database, { storageSizeGB: 256, mode: "SameZone" });
        ok(run);
        const server = one(run, "azure-native:dbforpostgresql:Server");
        assertSets(inputsOf(server), {
            serverName: "psql-x", resourceGroupName: RG, location: "westeurope", tags,
            version: database.version,
            administratorLogin: database.adminLogin,
            administratorLoginPassword: `Mock-Pa55word_${database.passwordRotation}-xYz`,
            authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" },
            sku: { name: database.skuName, tier: database.tier },
            storage: { storageSizeGB: 256, autoGrow: "Enabled" },
            backup: { backupRetentionDays: 14, geoRedundantBackup: "Enabled" },
            highAvailability: { mode: "SameZone" },
            network: { delegatedSubnetResourceId: "/subnets/snet-db", privateDnsZoneArmResourceId: "/privateDnsZones/zone", publicNetworkAccess: "Disabled" },
        });
        assert.ok(server.dependencies.includes(byName(run, "zone-link").urn), "created only once the private DNS zone is linked");
        assert.deepEqual(server.ignoreChanges, ["availabilityZone", "highAvailability.standbyAvailabilityZone"]);
        assert.deepEqual(server.additionalSecretOutputs, ["administratorLoginPassword"]);
        assert.deepEqual(server.customTimeouts, { create: "60m", update: "60m", delete: "30m" });
        assert.equal(server.deleteBeforeReplace, true);
        assert.equal(server.protect, false);
        assert.equal(run.outputs.fqdn, "psql-x.postgres.database.azure.com");
        assert.equal(run.outputs.serverName, "psql-x");
        assert.equal(run.outputs.adminLogin, database.adminLogin);
    });

    it("no HA and no geo-redundancy unless configured; the configured HA mode when it is", async () => {
        const plain = inputsOf(one(await build(db({ highAvailability: false, geoRedundantBackup: false })), "azure-native:dbforpostgresql:Server"));
        assert.equal(plain.highAvailability.mode, "Disabled");
        assert.equal(plain.backup.geoRedundantBackup, "Disabled");
        const ha = inputsOf(one(await build(db({ highAvailability: true }), { mode: "ZoneRedundant" }), "azure-native:dbforpostgresql:Server"));
        assert.equal(ha.highAvailability.mode, "ZoneRedundant");
    });

    it("server parameters that enforce TLS and log connections, one after another, kept by Azure on destroy", async () => {
        const base = [
            { name: "require_secure_transport", value: "on" },
            { name: "ssl_min_protocol_version", value: "TLSv1.3" },
            { name: "log_connections", value: "on" },
            { name: "log_disconnections", value: "on" },
        ];
        assert.deepEqual(serverParameters({ tlsMinVersion: "TLSv1.3", pgbouncer: undefined }), base, "PgBouncer unset: left as the server has it");
        assert.deepEqual(serverParameters({ tlsMinVersion: "TLSv1.3", pgbouncer: true }), [...base, { name: "pgbouncer.enabled", value: "true" }]);
        assert.deepEqual(serverParameters({ tlsMinVersion: "TLSv1.3", pgbouncer: false }), [...base, { name: "pgbouncer.enabled", value: "false" }], "turned off by a value, not by leaving the list");
        const run = await build(db({ serverName: "psql-x", tlsMinVersion: "TLSv1.2" }));
        const server = one(run, "azure-native:dbforpostgresql:Server");
        const parameters = ofType(run, "azure-native:dbforpostgresql:Configuration");
        assertSets(parameters.map((p) => [p.name, inputsOf(p)]), serverParameters({ tlsMinVersion: "TLSv1.2", pgbouncer: undefined }).map(({ name, value }) => [
            `parameter-${name}`, { resourceGroupName: RG, serverName: "psql-x", configurationName: name, value, source: "user-override" },
        ]));
        let previous = server.urn;
        for (const parameter of parameters) {
            assert.ok(parameter.dependencies.includes(previous), `${parameter.name} waits for the one before (ServerBusy)`);
            assert.equal(parameter.retainOnDelete, true);
            assert.equal(parameter.deleteBeforeReplace, true);
            previous = parameter.urn;
        }
    });

    it("in public mode: the allowlist, then the NAT egress rule, each after the one before", async () => {
        const publicDatabase = parseStackConfig({
            project: "securepg", stack: "dev",
            values: { "azure-native:location": "westeurope", "securepg:database": JSON.stringify({ access: "public", serverName: "psql-x", allowedIpRanges: ["203.0.113.7", "198.51.100.0/30"], allowAzureServices: true }) },
        }).database;
        const run = await build(publicDatabase, { placement: "public" });
        ok(run);
        const server = inputsOf(one(run, "azure-native:dbforpostgresql:Server"));
        assert.deepEqual(server.network, { publicNetworkAccess: "Enabled" });
        const rules = ofType(run, "azure-native:dbforpostgresql:FirewallRule");
        const last = rules[rules.length - 1];
        assertSets(inputsOf(last), { resourceGroupName: RG, serverName: "psql-x", firewallRuleName: NAT_EGRESS_RULE_NAME, startIpAddress: "20.1.1.1", endIpAddress: "20.1.1.1" });
        assert.equal(last.name, "firewall-nat-egress");
        assert.deepEqual(run.outputs.firewallRuleNames, rules.map((r) => inputsOf(r).firewallRuleName));
        assert.ok(rules.length >= 2);
        for (const [i, rule] of rules.entries()) {
            assert.equal(rule.name, `firewall-${inputsOf(rule).firewallRuleName === NAT_EGRESS_RULE_NAME ? "nat-egress" : inputsOf(rule).firewallRuleName}`);
            if (i > 0) {
                assert.ok(rule.dependencies.includes(rules[i - 1].urn), rule.name);
            }
        }
        assert.equal(server.serverName, "psql-x");
        const vnet = await build(db({ serverName: "psql-x" }));
        assert.deepEqual(ofType(vnet, "azure-native:dbforpostgresql:FirewallRule"), [], "no firewall in VNet mode");
        assert.deepEqual(vnet.outputs.firewallRuleNames, []);
    });

    it("UTF-8 databases, protected with the stack", async () => {
        const run = await build(db({ serverName: "psql-x", databases: ["app", "audit"], deleteLock: false }), { protect: true });
        const databases = ofType(run, "azure-native:dbforpostgresql:Database");
        assertSets(databases.map((d) => [d.name, inputsOf(d)]), ["app", "audit"].map((databaseName) => [
            `database-${databaseName}`, { resourceGroupName: RG, serverName: "psql-x", databaseName, charset: "UTF8", collation: "en_US.utf8" },
        ]));
        assert.ok(databases.every((d) => d.protect && d.deleteBeforeReplace));
        assert.deepEqual(run.outputs.databaseNames, ["app", "audit"]);
        assert.equal(one(run, "azure-native:dbforpostgresql:Server").protect, true);
        assert.deepEqual(ofType(run, "azure-native:authorization:ManagementLockByScope"), []);
        const unprotected = await build(db({ databases: ["app"] }), { protect: false });
        assert.equal(one(unprotected, "azure-native:dbforpostgresql:Database").protect, false);
    });

    it("a CanNotDelete lock on the server when configured, after every other server operation", async () => {
        const run = await build(db({ serverName: "psql-x", databases: ["app"], deleteLock: true }), { protect: true });
        const lock = one(run, "azure-native:authorization:ManagementLockByScope");
        assertSets(inputsOf(lock), {
            scope: armId(RG, "azure-native:dbforpostgresql:Server", "psql-x"), level: "CanNotDelete", lockName: "securepg-cannot-delete",
            notes: "Managed by securepg (securepg:database.deleteLock). Deleting this server loses its data.",
        });
        assert.ok(lock.dependencies.includes(one(run, "azure-native:dbforpostgresql:Database").urn));
        assert.equal(lock.protect, true);
    });
});

describe("VpnGateway asks for", () => {
    const build = (vpn = config.vpn, publicIpZones: string[] | undefined = ["1", "2", "3"]) => runUnderMocks({ stack: "dev", config: {} }, async () => {
        const gateway = new VpnGateway("vpn", { location: "westeurope", resourceGroupName: RG, names, gatewaySubnetId: "/subnets/GatewaySubnet", vpn, publicIpZones, subjectPrefix: "securepg-dev", bgp: false, tags });
        return { deployed: gateway.deployed, roots: gateway.rootCertificatePems, active: gateway.activeRootCertificatePem, creds: gateway.clientCredentials, ip: gateway.publicIp };
    });

    it("a 4096-bit root CA per configured root, valid ten years, that can sign", async () => {
        const run = await build();
        ok(run);
        for (const root of ["root-a", "root-b"]) {
            assertSets(inputsOf(byName(run, `root-key-${root}`)), { algorithm: "RSA", rsaBits: 4096 });
            const cert = inputsOf(byName(run, `root-cert-${root}`));
            assert.deepEqual({ ...cert, privateKeyPem: undefined }, {
                privateKeyPem: undefined,
                subject: { commonName: `securepg-dev P2S root ${root}`, organization: "securepg" },
                isCaCertificate: true, validityPeriodHours: 87_600, allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            });
            assert.match(cert.privateKeyPem, /PRIVATE KEY/);
        }
        assert.deepEqual(Object.keys(run.outputs.roots as object), ["root-a", "root-b"]);
    });

    it("a 2048-bit client certificate per client, signed by the newest root, renewed before it expires", async () => {
        const run = await build({ ...config.vpn, clientCertificateValidityDays: 365 });
        for (const client of ["alice", "bob"]) {
            assertSets(inputsOf(byName(run, `client-key-${client}`)), { algorithm: "RSA", rsaBits: 2048 });
            assertSets(inputsOf(byName(run, `client-csr-${client}`)).subject, { commonName: client, organization: "securepg" });
            const cert = byName(run, `client-cert-${client}`);
            const inputs = inputsOf(cert);
            assert.equal(inputs.validityPeriodHours, 365 * 24);
            assert.equal(inputs.earlyRenewalHours, 30 * 24);
            assert.deepEqual(inputs.allowedUses, ["digital_signature", "key_encipherment", "client_auth"]);
            assert.ok(cert.dependencies.includes(byName(run, "root-cert-root-b").urn), "signed by the last root");
            assert.ok(!cert.dependencies.includes(byName(run, "root-cert-root-a").urn));
        }
        assert.deepEqual(Object.keys(run.outputs.creds as object), ["alice", "bob"]);
        assert.ok(run.secretExports.has("creds"));
        const short = await build({ ...config.vpn, clientCertificateValidityDays: 7 });
        assert.equal(inputsOf(byName(short, "client-cert-alice")).earlyRenewalHours, 6 * 24, "renewal starts a day before expiry at the latest");
    });

    it("a Standard static IPv4 address, zone-redundant where the region has zones", async () => {
        const run = await build();
        assertSets(inputsOf(byName(run, "vpn-public-ip")), {
            publicIpAddressName: names.vpnPublicIp, resourceGroupName: RG, location: "westeurope", tags,
            sku: { name: "Standard", tier: "Regional" }, publicIPAllocationMethod: "Static", publicIPAddressVersion: "IPv4", zones: ["1", "2", "3"],
        });
        assert.equal(byName(run, "vpn-public-ip").deleteBeforeReplace, true);
        const regional = await runUnderMocks({ stack: "dev", config: {} }, async () => {
            new VpnGateway("vpn", { location: "ukwest", resourceGroupName: RG, names, gatewaySubnetId: "/subnets/GatewaySubnet", vpn: config.vpn, publicIpZones: undefined, subjectPrefix: "securepg-dev", bgp: false, tags });
            return {};
        });
        assert.equal(inputsOf(byName(regional, "vpn-public-ip")).zones, undefined);
        assert.match(String(run.outputs.ip), /^20\.50\.100\.\d+$/);
    });

    it("a route-based P2S gateway with certificate authentication over OpenVPN and IKEv2", async () => {
        const run = await build();
        const gateway = one(run, "azure-native:network:VirtualNetworkGateway");
        const inputs = inputsOf(gateway);
        const roots = inputs.vpnClientConfiguration.vpnClientRootCertificates;
        assert.deepEqual(roots.map((r: { name: string }) => r.name), ["root-a", "root-b"]);
        assert.ok(roots.every((r: { publicCertData: string }) => /^[A-Za-z0-9+/=]+$/.test(r.publicCertData) && !r.publicCertData.includes("BEGIN")), "base64 body only, as Azure wants it");
        assert.deepEqual({ ...inputs, vpnClientConfiguration: { ...inputs.vpnClientConfiguration, vpnClientRootCertificates: undefined } }, {
            virtualNetworkGatewayName: names.vpnGateway, resourceGroupName: RG, location: "westeurope", tags,
            gatewayType: "Vpn", vpnType: "RouteBased",
            sku: { name: config.vpn.sku, tier: config.vpn.sku },
            vpnGatewayGeneration: "Generation1",
            activeActive: false, enableBgp: false,
            ipConfigurations: [{
                name: "default", privateIPAllocationMethod: "Dynamic", subnet: { id: "/subnets/GatewaySubnet" },
                publicIPAddress: { id: armId(RG, "azure-native:network:PublicIPAddress", names.vpnPublicIp) },
            }],
            vpnClientConfiguration: {
                vpnClientAddressPool: { addressPrefixes: [config.vpn.clientAddressPool.text] },
                vpnClientProtocols: ["OpenVPN", "IkeV2"],
                vpnAuthenticationTypes: ["Certificate"],
                vpnClientRootCertificates: undefined,
            },
        });
        assert.deepEqual(gateway.ignoreChanges, ["vpnGatewayGeneration"]);
        assert.deepEqual(gateway.customTimeouts, { create: "75m", update: "75m", delete: "75m" });
        assert.equal(gateway.deleteBeforeReplace, true);
        assert.deepEqual(run.outputs.deployed, { sku: config.vpn.sku, generation: "Generation1" });
        const larger = await build({ ...config.vpn, sku: "VpnGw2AZ" });
        assert.equal(inputsOf(one(larger, "azure-native:network:VirtualNetworkGateway")).vpnGatewayGeneration, "Generation2");
    });
});

describe("ProxyTier asks for", () => {
    const fqdn = "psql-x.postgres.database.azure.com";
    const SUBNET = `${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet-x/subnets/snet-proxy`;
    const LB_ID = `${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Network/loadBalancers/${names.loadBalancer}`;
    const tierConfig = (proxy: Partial<typeof config.proxy> = {}, location = "westeurope") => {
        const c = parseStackConfig({ project: "securepg", stack: "dev", values: { "azure-native:location": location } });
        return { ...c, proxy: { ...c.proxy, ...proxy } };
    };
    const build = (c = tierConfig()) => runUnderMocks({ stack: "dev", config: {} }, async () => {
        const tier = new ProxyTier("proxy", { location: c.location, resourceGroupName: RG, names, subnetId: SUBNET, config: c, serverFqdn: fqdn, tags });
        return { frontend: tier.frontendAddress, instances: tier.instances, admin: tier.adminUsername, key: tier.sshPrivateKeyPem, userData: tier.userData };
    });

    it("an internal Standard load balancer: a zone-redundant static frontend at the subnet's last usable address, a TCP probe and rule on the proxy port", async () => {
        const run = await build(tierConfig({ port: 6432 }));
        ok(run);
        const lb = one(run, "azure-native:network:LoadBalancer");
        assert.deepEqual(inputsOf(lb), {
            loadBalancerName: names.loadBalancer, resourceGroupName: RG, location: "westeurope", tags,
            sku: { name: "Standard", tier: "Regional" },
            frontendIPConfigurations: [{
                name: "frontend", subnet: { id: SUBNET }, privateIPAllocationMethod: "Static", privateIPAddress: "10.40.1.254",
                privateIPAddressVersion: "IPv4", zones: ["1", "2", "3"],
            }],
            backendAddressPools: [{ name: "proxies" }],
            probes: [{ name: "tcp-6432", protocol: "Tcp", port: 6432, intervalInSeconds: 5, numberOfProbes: 2, probeThreshold: 2 }],
            loadBalancingRules: [{
                name: "tcp-6432", protocol: "Tcp", frontendPort: 6432, backendPort: 6432,
                frontendIPConfiguration: { id: `${LB_ID}/frontendIPConfigurations/frontend` },
                backendAddressPool: { id: `${LB_ID}/backendAddressPools/proxies` },
                probe: { id: `${LB_ID}/probes/tcp-6432` },
                idleTimeoutInMinutes: 30, enableTcpReset: true, enableFloatingIP: false, loadDistribution: "Default",
            }],
        });
        assert.equal(lb.deleteBeforeReplace, true);
        assert.equal(run.outputs.frontend, "10.40.1.254");
        assert.deepEqual(ofType(run, "azure-native:compute:AvailabilitySet"), [], "zones, not an availability set");
    });

    it("one proxy per zone, each in the load balancer's pool with a dynamic address", async () => {
        const run = await build(tierConfig({ instances: 3 }));
        ok(run);
        const vms = ofType(run, "azure-native:compute:VirtualMachine");
        assert.deepEqual(vms.map((v) => [v.name, inputsOf(v).zones]), [["proxy-1-vm", ["1"]], ["proxy-2-vm", ["2"]], ["proxy-3-vm", ["3"]]]);
        const lb = one(run, "azure-native:network:LoadBalancer");
        for (const [i, nic] of ofType(run, "azure-native:network:NetworkInterface").entries()) {
            const generation = /-g([0-9a-f]{6})$/.exec(String(inputsOf(vms[i]).vmName))![1];
            assertSets(inputsOf(nic), {
                networkInterfaceName: proxyInstanceNames("securepg", "dev", i + 1, generation).nic, resourceGroupName: RG, location: "westeurope", tags,
                ipConfigurations: [{
                    name: "primary", primary: true, subnet: { id: SUBNET }, privateIPAllocationMethod: "Dynamic", privateIPAddressVersion: "IPv4",
                    loadBalancerBackendAddressPools: [{ id: `${armId(RG, "azure-native:network:LoadBalancer", names.loadBalancer)}/backendAddressPools/proxies` }],
                }],
            });
            assert.equal(inputsOf(nic).ipConfigurations[0].privateIPAddress, undefined, "Azure picks it");
            assert.ok(nic.dependencies.includes(lb.urn));
            assert.equal(nic.deleteBeforeReplace, false);
        }
        assert.deepEqual((run.outputs.instances as Array<{ zone: string }>).map((i) => i.zone), ["1", "2", "3"]);
    });

    it("in a region without zones: no zones anywhere, the proxies in an availability set", async () => {
        const run = await build(tierConfig({ instances: 2 }, "ukwest"));
        ok(run);
        const set = one(run, "azure-native:compute:AvailabilitySet");
        assertSets(inputsOf(set), {
            availabilitySetName: names.availabilitySet, resourceGroupName: RG, location: "ukwest", tags,
            sku: { name: "Aligned" }, platformFaultDomainCount: 2, platformUpdateDomainCount: 5,
        });
        assert.equal(set.deleteBeforeReplace, true);
        assert.equal(inputsOf(one(run, "azure-native:network:LoadBalancer")).frontendIPConfigurations[0].zones, undefined);
        for (const vm of ofType(run, "azure-native:compute:VirtualMachine")) {
            assert.equal(inputsOf(vm).zones, undefined);
            assert.deepEqual(inputsOf(vm).availabilitySet, { id: armId(RG, "azure-native:compute:AvailabilitySet", names.availabilitySet) });
        }
    });

    it("an Ubuntu 24.04 Trusted Launch VM per proxy, named after its generation, replaced create-first", async () => {
        const c = tierConfig({ sshPublicKey: undefined });
        const run = await build(c);
        const key = one(run, "tls:index/privateKey:PrivateKey");
        assertSets(inputsOf(key), { algorithm: "RSA", rsaBits: 4096 });
        assert.ok(run.secretExports.has("key"));
        const vm = one(run, "azure-native:compute:VirtualMachine");
        const admin = c.proxy.adminUsername;
        const generation = proxyGeneration({
            userData: proxyUserData(c, fqdn), vmSize: c.proxy.vmSize, zone: "1", adminUsername: admin, sshPublicKey: MOCK_SSH_PUBLIC_KEY, image: "Canonical:ubuntu-24_04-lts:server:latest",
        });
        const vmNames = proxyInstanceNames("securepg", "dev", 1, generation);
        assert.deepEqual(UBUNTU_IMAGE, { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" });
        assertSets(inputsOf(vm), {
            vmName: vmNames.vm, resourceGroupName: RG, location: "westeurope", tags, zones: ["1"],
            hardwareProfile: { vmSize: c.proxy.vmSize },
            storageProfile: {
                imageReference: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
                osDisk: { name: vmNames.osDisk, createOption: "FromImage", deleteOption: "Delete", managedDisk: { storageAccountType: "StandardSSD_LRS" } },
            },
            osProfile: {
                computerName: vmNames.vm,
                adminUsername: admin,
                customData: Buffer.from(proxyUserData(c, fqdn), "utf8").toString("base64"),
                linuxConfiguration: {
                    disablePasswordAuthentication: true,
                    provisionVMAgent: true,
                    ssh: { publicKeys: [{ path: `/home/${admin}/.ssh/authorized_keys`, keyData: MOCK_SSH_PUBLIC_KEY }] },
                    patchSettings: { patchMode: "AutomaticByPlatform", assessmentMode: "AutomaticByPlatform" },
                },
            },
            networkProfile: { networkInterfaces: [{ id: armId(RG, "azure-native:network:NetworkInterface", vmNames.nic), primary: true, deleteOption: "Detach" }] },
            securityProfile: { securityType: "TrustedLaunch", uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } },
            diagnosticsProfile: { bootDiagnostics: { enabled: true } },
        });
        assert.equal(inputsOf(vm).availabilitySet, undefined);
        assert.deepEqual(vm.replaceOnChanges, ["osProfile.customData"], "cloud-init runs only at first boot");
        assert.equal(vm.deleteBeforeReplace, false, "the new generation comes up before the old one goes");
        assert.equal(run.outputs.userData, proxyUserData(c, fqdn));
        assert.equal(run.outputs.admin, admin);
    });

    it("a health gate on every new VM that fails the deployment until nginx serves", async () => {
        const c = tierConfig({ port: 6432 });
        const run = await build(c);
        const vm = one(run, "azure-native:compute:VirtualMachine");
        const gate = one(run, "azure-native:compute:VirtualMachineRunCommandByVirtualMachine");
        assert.deepEqual(inputsOf(gate), {
            resourceGroupName: RG, location: "westeurope", tags, vmName: inputsOf(vm).vmName, runCommandName: "securepg-health",
            source: { script: renderProxyHealthCheck({ port: 6432, timeoutSeconds: HEALTH_CHECK_TIMEOUT_SECONDS }) },
            asyncExecution: false, treatFailureAsDeploymentFailure: true, timeoutInSeconds: HEALTH_CHECK_TIMEOUT_SECONDS + 120,
        });
        assert.equal(HEALTH_CHECK_TIMEOUT_SECONDS, 900);
        assert.ok(gate.dependencies.includes(vm.urn), "it runs on the new VM, after it exists");
        assert.equal(gate.deleteBeforeReplace, false);
        assert.deepEqual(gate.customTimeouts, { create: "30m", update: "30m", delete: "15m" });
    });

    it("a drain before each VM is deleted: a local command whose delete takes the VM out of the load balancer, replaced with the VM", async () => {
        const run = await build();
        const vm = one(run, "azure-native:compute:VirtualMachine");
        const drain = one(run, "command:local:Command");
        assert.deepEqual(inputsOf(drain), {
            delete: renderDrainInvocation(), interpreter: ["/bin/bash", "-c"],
            environment: { SECUREPG_VM_ID: armId(RG, "azure-native:compute:VirtualMachine", inputsOf(vm).vmName), SECUREPG_DRAIN_SCRIPT: DRAIN_SCRIPT },
            triggers: [armId(RG, "azure-native:compute:VirtualMachine", inputsOf(vm).vmName)],
        });
        assert.equal(DRAIN_SCRIPT, "/usr/local/sbin/securepg-drain");
        assert.ok(drain.dependencies.includes(vm.urn) && drain.dependencies.includes(one(run, "azure-native:compute:VirtualMachineRunCommandByVirtualMachine").urn),
            "deleted before its VM, and created only once the VM is healthy");
        assert.ok(writtenFiles(String(run.outputs.userData)).get(DRAIN_SCRIPT)?.includes("tcp dport 5432 drop"), "cloud-init writes the drain script");
    });

    it("a new generation whenever Azure would have to replace or reboot a proxy, and only then", async () => {
        const generationOf = async (c: ReturnType<typeof tierConfig>) => String(inputsOf(one(await build(c), "azure-native:compute:VirtualMachine")).vmName);
        const base = await generationOf(tierConfig());
        assert.equal(await generationOf(tierConfig()), base, "stable");
        for (const change of [{ port: 6432 }, { vmSize: "Standard_D2as_v5" }, { adminUsername: "ops" }, { sshPublicKey: "ssh-ed25519 AAAAmine me@host" }, { idleTimeoutSeconds: 7200 }]) {
            assert.notEqual(await generationOf(tierConfig(change)), base, JSON.stringify(change));
        }
    });

    it("no generated key when the stack brings its own public key", async () => {
        const run = await build(tierConfig({ sshPublicKey: "ssh-ed25519 AAAAmine me@host" }));
        assert.deepEqual(ofType(run, "tls:index/privateKey:PrivateKey"), []);
        assert.equal(run.outputs.key, "");
        const keys = inputsOf(one(run, "azure-native:compute:VirtualMachine")).osProfile.linuxConfiguration.ssh.publicKeys;
        assert.deepEqual(keys.map((k: { keyData: string }) => k.keyData), ["ssh-ed25519 AAAAmine me@host"]);
    });
});
