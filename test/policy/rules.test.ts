/** Every rule of the policy pack, as a plain function: at least one input it rejects and one it accepts. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
    checkAllowAzureServicesRule, checkBackupRetention, checkFirewallRule, checkGatewaySku, checkLinuxPasswordAuth,
    checkNetworkInterfacePublicIp, checkNetworkSecurityGroup, checkPublicIpSku, checkSecrets,
    checkSecurityRule, checkServerParameter, checkServerPublicAccess, checkServerResilience, checkVirtualMachinePublicIp,
    checkVpnClientAuth, checkVpnClientPools, checkVpnGatewayPublicIps, checkVpnPublicIp, environmentOf, isInternetSource,
    isProduction, isSensitiveName, portSpecCovers, serverAccessMode, type StackResource,
    checkLogRetention, checkPasswordlessHasEntraAdmin, checkProdDiagnostics, DEFAULT_RETENTION_FLOOR_DAYS,
} from "../../policy/rules";
import { armName, formatPath, kindOf, obj, present, snapshotProps, UNKNOWN, walkStrings, type Props } from "../../policy/props";

const none: string[] = [];

describe("postgres-tls-required: checkServerParameter", () => {
    it("rejects require_secure_transport off and TLS below 1.2", () => {
        assert.equal(checkServerParameter({ configurationName: "require_secure_transport", value: "off" }).length, 1);
        assert.equal(checkServerParameter({ configurationName: "require_secure_transport", value: "OFF" }).length, 1);
        for (const version of ["TLSv1", "TLSv1.1", "tls1.2", ""]) {
            assert.equal(checkServerParameter({ configurationName: "ssl_min_protocol_version", value: version }).length, 1, version);
        }
        assert.equal(checkServerParameter({ configurationName: "ssl_max_protocol_version", value: "TLSv1.1" }).length, 1);
    });
    it("accepts on, TLSv1.2 and TLSv1.3, other parameters, and values unknown during preview", () => {
        assert.deepEqual(checkServerParameter({ configurationName: "require_secure_transport", value: "on" }), none);
        assert.deepEqual(checkServerParameter({ configurationName: "require_secure_transport", value: "ON" }), none);
        assert.deepEqual(checkServerParameter({ configurationName: "ssl_min_protocol_version", value: "TLSv1.2" }), none);
        assert.deepEqual(checkServerParameter({ configurationName: "ssl_min_protocol_version", value: "TLSv1.3" }), none);
        assert.deepEqual(checkServerParameter({ configurationName: "log_connections", value: "off" }), none);
        assert.deepEqual(checkServerParameter({ configurationName: "require_secure_transport", value: UNKNOWN }), none);
    });
});

describe("postgres-firewall-no-open-ranges: checkFirewallRule", () => {
    const rule = (start: unknown, end: unknown): Props => ({ firewallRuleName: "r", startIpAddress: start, endIpAddress: end });
    it("rejects the whole Internet and public ranges wider than a /24", () => {
        assert.match(checkFirewallRule(rule("0.0.0.0", "255.255.255.255"))[0], /whole Internet/);
        assert.match(checkFirewallRule(rule("203.0.0.0", "203.0.1.255"))[0], /512 addresses/);
        assert.match(checkFirewallRule(rule("1.0.0.0", "200.0.0.0"))[0], /wider than a \/24/);
    });
    it("rejects malformed and inverted ranges", () => {
        assert.match(checkFirewallRule(rule("203.0.113.9", "203.0.113.1"))[0], /after end/);
        assert.match(checkFirewallRule(rule("not-an-ip", "203.0.113.1"))[0], /not a pair of IPv4/);
    });
    it("accepts single addresses, /24s, private ranges, the Azure-services rule and unknown addresses", () => {
        assert.deepEqual(checkFirewallRule(rule("203.0.113.7", "203.0.113.7")), none);
        assert.deepEqual(checkFirewallRule(rule("198.51.100.0", "198.51.100.255")), none);
        assert.deepEqual(checkFirewallRule(rule("10.0.0.0", "10.255.255.255")), none);
        assert.deepEqual(checkFirewallRule(rule("0.0.0.0", "0.0.0.0")), none);
        assert.deepEqual(checkFirewallRule(rule(UNKNOWN, UNKNOWN)), none);
    });
});

describe("postgres-firewall-allow-azure-services: checkAllowAzureServicesRule", () => {
    it("reports 0.0.0.0-0.0.0.0", () => {
        assert.equal(checkAllowAzureServicesRule({ startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" }).length, 1);
    });
    it("accepts any other rule", () => {
        assert.deepEqual(checkAllowAzureServicesRule({ startIpAddress: "203.0.113.7", endIpAddress: "203.0.113.7" }), none);
        assert.deepEqual(checkAllowAzureServicesRule({ startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" }), none);
    });
});

describe("postgres-vnet-no-public-access: checkServerPublicAccess", () => {
    const subnet = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/psql";
    it("rejects a VNet-integrated server with public access enabled or unset", () => {
        assert.equal(checkServerPublicAccess({ network: { delegatedSubnetResourceId: subnet, publicNetworkAccess: "Enabled" } }).length, 1);
        assert.equal(checkServerPublicAccess({ network: { delegatedSubnetResourceId: subnet } }).length, 1);
        // During preview the subnet id is unknown, yet the server is VNet-integrated.
        assert.equal(checkServerPublicAccess({ network: { delegatedSubnetResourceId: UNKNOWN, publicNetworkAccess: "Enabled" } }).length, 1);
    });
    it("accepts Disabled in VNet mode, and public-access servers", () => {
        assert.deepEqual(checkServerPublicAccess({ network: { delegatedSubnetResourceId: subnet, publicNetworkAccess: "Disabled" } }), none);
        assert.deepEqual(checkServerPublicAccess({ network: { publicNetworkAccess: "Enabled" } }), none);
        assert.equal(serverAccessMode({ network: { publicNetworkAccess: "Enabled" } }), "public");
        assert.equal(serverAccessMode({ network: { delegatedSubnetResourceId: UNKNOWN } }), "vnet");
    });
});

describe("postgres-backup-retention: checkBackupRetention", () => {
    it("rejects fewer than 7 days", () => {
        assert.equal(checkBackupRetention({ backup: { backupRetentionDays: 3 } }).length, 1);
        assert.equal(checkBackupRetention({ backup: { backupRetentionDays: 6 } }).length, 1);
    });
    it("accepts 7 to 35 days and Azure's default (unset)", () => {
        assert.deepEqual(checkBackupRetention({ backup: { backupRetentionDays: 7 } }), none);
        assert.deepEqual(checkBackupRetention({ backup: { backupRetentionDays: 35 } }), none);
        assert.deepEqual(checkBackupRetention({}), none);
    });
});

describe("postgres-prod-resilience / postgres-dev-resilience: checkServerResilience, environmentOf", () => {
    it("rejects missing geo-redundant backups and HA", () => {
        const problems = checkServerResilience({ backup: { geoRedundantBackup: "Disabled" }, highAvailability: { mode: "Disabled" } });
        assert.equal(problems.length, 2);
        assert.equal(checkServerResilience({}).length, 2, "Azure's defaults are no geo-redundancy and no HA");
    });
    it("accepts geo-redundant backups with zone-redundant or same-zone HA", () => {
        assert.deepEqual(checkServerResilience({ backup: { geoRedundantBackup: "Enabled" }, highAvailability: { mode: "ZoneRedundant" } }), none);
        assert.deepEqual(checkServerResilience({ backup: { geoRedundantBackup: "Enabled" }, highAvailability: { mode: "SameZone" } }), none);
    });
    it("reads the environment tag; no tag counts as production", () => {
        assert.equal(environmentOf({ tags: { environment: "Prod" } }), "prod");
        assert.equal(isProduction(environmentOf({ tags: { environment: "prod" } })), true);
        assert.equal(isProduction(environmentOf({ tags: { environment: "dev" } })), false);
        assert.equal(isProduction(environmentOf({})), true);
    });
});

describe("nsg-no-internet-to-ssh-or-postgres: checkSecurityRule, checkNetworkSecurityGroup", () => {
    const inbound = (source: string, ports: string[], extra: Props = {}): Props => ({
        name: "r", priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp",
        sourceAddressPrefix: source, sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRanges: ports, ...extra,
    });
    it("rejects the Internet, in every spelling, to 22 or 5432", () => {
        for (const source of ["*", "Internet", "0.0.0.0/0", "Any", "::/0", "0.0.0.0/1"]) {
            assert.equal(checkSecurityRule(inbound(source, ["22"])).length, 1, source);
        }
        assert.equal(checkSecurityRule(inbound("Internet", ["5432"])).length, 1);
        assert.equal(checkSecurityRule(inbound("*", ["*"])).length, 2, "both protected ports");
        assert.equal(checkSecurityRule(inbound("*", ["5000-6000"])).length, 1);
        assert.equal(checkSecurityRule({ ...inbound("*", []), destinationPortRanges: undefined, destinationPortRange: "22" }).length, 1);
        assert.equal(checkSecurityRule({ ...inbound("10.0.0.0/8", ["22"]), sourceAddressPrefixes: ["Internet"] }).length, 1);
        assert.equal(checkSecurityRule(inbound("Internet", ["6432"]), [6432]).length, 1, "configured ports");
        assert.equal(checkNetworkSecurityGroup({ securityRules: [inbound("10.1.0.0/24", ["22"]), inbound("Internet", ["22"])] }).length, 1);
    });
    it("accepts VPN pools, subnets, service tags, denies, outbound rules, UDP and other ports", () => {
        assert.deepEqual(checkSecurityRule(inbound("172.16.201.0/24", ["22", "5432"])), none);
        assert.deepEqual(checkSecurityRule(inbound("AzureLoadBalancer", ["*"])), none);
        assert.deepEqual(checkSecurityRule(inbound("*", ["*"], { access: "Deny" })), none);
        assert.deepEqual(checkSecurityRule(inbound("*", ["*"], { direction: "Outbound" })), none);
        assert.deepEqual(checkSecurityRule(inbound("*", ["22"], { protocol: "Udp" })), none);
        assert.deepEqual(checkSecurityRule(inbound("Internet", ["443"])), none);
        assert.deepEqual(checkSecurityRule(inbound("10.0.0.0/8", ["22"])), none);
        assert.deepEqual(checkSecurityRule(inbound("*", [UNKNOWN as unknown as string])), none);
    });
    it("helpers: sources and port specifications", () => {
        assert.equal(isInternetSource("VirtualNetwork"), false);
        assert.equal(isInternetSource("203.0.113.0/24"), false);
        assert.equal(isInternetSource("11.0.0.0/8"), true);
        assert.equal(portSpecCovers("20-30", 22), true);
        assert.equal(portSpecCovers("23-30", 22), false);
        assert.equal(portSpecCovers("5432", 22), false);
        assert.equal(portSpecCovers(" 22 ", 22), true);
        assert.equal(portSpecCovers("20 - 22", 22), true);
        assert.equal(portSpecCovers("22-21", 22), false);
        for (const anything of ["*", "", "ssh", "22,23"]) {
            assert.equal(portSpecCovers(anything, 22), true, `${JSON.stringify(anything)} counts as covering every port`);
        }
    });
    it("a rule that names no destination port counts for every port; of several, one covering the port is enough", () => {
        assert.deepEqual(checkSecurityRule({ ...inbound("Internet", []), destinationPortRanges: undefined }), [
            "rule r allows Internet (the Internet) to port 22 (SSH); admit VPN clients or specific subnets only",
            "rule r allows Internet (the Internet) to port 5432 (PostgreSQL); admit VPN clients or specific subnets only",
        ]);
        assert.deepEqual(checkSecurityRule(inbound("Internet", ["443", "22"])), [
            "rule r allows Internet (the Internet) to port 22 (SSH); admit VPN clients or specific subnets only",
        ]);
        assert.deepEqual(checkSecurityRule({ ...inbound("Internet", ["22"]), name: undefined }), [
            "rule (unnamed rule) allows Internet (the Internet) to port 22 (SSH); admit VPN clients or specific subnets only",
        ]);
    });
});

describe("proxy-vm-no-public-ip: checkNetworkInterfacePublicIp, checkVirtualMachinePublicIp", () => {
    it("rejects a NIC or an inline VM NIC with a public IP", () => {
        assert.equal(checkNetworkInterfacePublicIp({ ipConfigurations: [{ name: "primary", publicIPAddress: { id: "/x/publicIPAddresses/pip" } }] }).length, 1);
        assert.equal(checkNetworkInterfacePublicIp({ ipConfigurations: [{ name: "primary", publicIPAddress: { id: UNKNOWN } }] }).length, 1);
        assert.equal(checkVirtualMachinePublicIp({
            networkProfile: { networkInterfaceConfigurations: [{ name: "nic", ipConfigurations: [{ name: "ip", publicIPAddressConfiguration: { name: "pip" } }] }] },
        }).length, 1);
    });
    it("accepts private-only NICs and VMs that reference existing NICs", () => {
        assert.deepEqual(checkNetworkInterfacePublicIp({ ipConfigurations: [{ name: "primary", privateIPAddress: "10.40.1.4", subnet: { id: "s" } }] }), none);
        assert.deepEqual(checkVirtualMachinePublicIp({ networkProfile: { networkInterfaces: [{ id: "/x/nic" }] } }), none);
    });
});

describe("linux-vm-no-password-auth: checkLinuxPasswordAuth", () => {
    const vm = (os: Props): Props => ({ osProfile: { adminUsername: "azureuser", ...os }, storageProfile: { imageReference: { publisher: "Canonical" } } });
    it("rejects password authentication, a missing setting and an admin password", () => {
        assert.equal(checkLinuxPasswordAuth(vm({ linuxConfiguration: { disablePasswordAuthentication: false } })).length, 1);
        assert.equal(checkLinuxPasswordAuth(vm({ linuxConfiguration: {} })).length, 1);
        assert.equal(checkLinuxPasswordAuth(vm({})).length, 1, "a Linux image without linuxConfiguration");
        assert.equal(checkLinuxPasswordAuth(vm({ adminPassword: "x", linuxConfiguration: { disablePasswordAuthentication: true } })).length, 1);
    });
    it("accepts SSH keys only, Windows VMs and VMs without an OS profile", () => {
        assert.deepEqual(checkLinuxPasswordAuth(vm({ linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [] } } })), none);
        assert.deepEqual(checkLinuxPasswordAuth({ osProfile: { adminPassword: "x", windowsConfiguration: {} } }), none);
        assert.deepEqual(checkLinuxPasswordAuth({ osProfile: { adminPassword: "x" }, storageProfile: { imageReference: { publisher: "MicrosoftWindowsServer" } } }), none);
        assert.deepEqual(checkLinuxPasswordAuth({ storageProfile: { osDisk: { createOption: "Attach" } } }), none);
    });
});

describe("public-ip-no-basic-sku: checkPublicIpSku", () => {
    it("rejects Basic and an unset SKU", () => {
        assert.equal(checkPublicIpSku({ sku: { name: "Basic" } }).length, 1);
        assert.equal(checkPublicIpSku({}).length, 1);
    });
    it("accepts Standard", () => {
        assert.deepEqual(checkPublicIpSku({ sku: { name: "Standard", tier: "Regional" } }), none);
    });
});

describe("vpn-gateway-no-basic-sku: checkGatewaySku", () => {
    it("rejects Basic", () => {
        assert.equal(checkGatewaySku({ sku: { name: "Basic", tier: "Basic" } }).length, 1);
    });
    it("accepts AZ SKUs", () => {
        assert.deepEqual(checkGatewaySku({ sku: { name: "VpnGw1AZ", tier: "VpnGw1AZ" } }), none);
    });
});

describe("vpn-auth-certificate-or-entra: checkVpnClientAuth", () => {
    const p2s = (config: Props): Props => ({ vpnClientConfiguration: { vpnClientAddressPool: { addressPrefixes: ["172.16.201.0/24"] }, ...config } });
    it("rejects RADIUS, incomplete Entra ID settings and no authentication at all", () => {
        assert.equal(checkVpnClientAuth(p2s({ vpnAuthenticationTypes: ["Radius"] })).length, 1);
        assert.equal(checkVpnClientAuth(p2s({ vpnAuthenticationTypes: ["Certificate"], vpnClientRootCertificates: [{}], radiusServerAddress: "10.0.0.9" })).length, 1);
        assert.equal(checkVpnClientAuth(p2s({ vpnAuthenticationTypes: ["AAD"], aadTenant: "https://login.microsoftonline.com/t" })).length, 2);
        assert.equal(checkVpnClientAuth(p2s({})).length, 1);
    });
    it("accepts certificates, Entra ID, both, and gateways without P2S", () => {
        assert.deepEqual(checkVpnClientAuth(p2s({ vpnAuthenticationTypes: ["Certificate"], vpnClientRootCertificates: [{ name: "root-1", publicCertData: "MII" }] })), none);
        const entra = { aadTenant: "https://login.microsoftonline.com/t", aadAudience: "c632b3df-fb67-4d84-bdcf-b95ad541b5c8", aadIssuer: "https://sts.windows.net/t/" };
        assert.deepEqual(checkVpnClientAuth(p2s({ vpnAuthenticationTypes: ["AAD"], ...entra })), none);
        assert.deepEqual(checkVpnClientAuth(p2s({ vpnAuthenticationTypes: ["Certificate", "AAD"], vpnClientRootCertificates: [{}], ...entra })), none);
        assert.deepEqual(checkVpnClientAuth(p2s({ vpnClientRootCertificates: [{}] })), none, "Azure infers certificate auth");
        assert.deepEqual(checkVpnClientAuth({ gatewayType: "Vpn" }), none);
    });
});

function resource(type: string, name: string, props: Props, extra: Partial<StackResource> = {}): StackResource {
    return { type, name, urn: `urn:pulumi:t::securepg::${type}::${name}`, props, dependencies: [], additionalSecretOutputs: [], ...extra };
}

const GW = "azure-native:network:VirtualNetworkGateway";
const PIP = "azure-native:network:PublicIPAddress";
const VNET = "azure-native:network:VirtualNetwork";

describe("vpn-public-ip-zone-redundant: checkVpnPublicIp, checkVpnGatewayPublicIps", () => {
    const goodIp = { publicIpAddressName: "pip-vgw", sku: { name: "Standard" }, publicIPAllocationMethod: "Static", zones: ["1", "2", "3"] };
    const gateway = (ipId: unknown, dependencies: string[] = []) => resource(GW, "vpn-gateway", {
        ipConfigurations: [{ name: "default", publicIPAddress: { id: ipId } }],
    }, { dependencies });
    it("rejects a zonal or non-zonal, Basic or dynamic gateway IP", () => {
        assert.equal(checkVpnPublicIp({ ...goodIp, zones: undefined }).length, 1);
        assert.equal(checkVpnPublicIp({ ...goodIp, zones: ["1"] }).length, 1);
        assert.equal(checkVpnPublicIp({ ...goodIp, sku: { name: "Basic" }, publicIPAllocationMethod: "Dynamic" }).length, 2);
        const ip = resource(PIP, "vpn-public-ip", { ...goodIp, zones: [] });
        // Found by the id's last segment...
        const byName = checkVpnGatewayPublicIps([gateway("/s/x/publicIPAddresses/pip-vgw"), ip]);
        assert.equal(byName.length, 1);
        assert.equal(byName[0].urn, ip.urn);
        // ... and, during preview when the id is unknown, by dependency.
        assert.equal(checkVpnGatewayPublicIps([gateway(UNKNOWN, [ip.urn]), ip]).length, 1);
    });
    it("rejects a gateway IP that the stack does not manage (cannot be checked)", () => {
        assert.match(checkVpnGatewayPublicIps([gateway("/s/x/publicIPAddresses/elsewhere")])[0].message, /not managed in this stack/);
    });
    it("accepts a zone-redundant gateway IP and ignores other public IPs", () => {
        const nat = resource(PIP, "nat-public-ip", { publicIpAddressName: "pip-ng", sku: { name: "Standard" }, publicIPAllocationMethod: "Static" });
        const ip = resource(PIP, "vpn-public-ip", goodIp);
        assert.deepEqual(checkVpnGatewayPublicIps([gateway("/s/x/publicIPAddresses/pip-vgw", [ip.urn]), ip, nat]), []);
        assert.deepEqual(checkVpnPublicIp(goodIp), none);
    });
});

describe("prod-diagnostics-on: checkProdDiagnostics", () => {
    const SERVER = "azure-native:dbforpostgresql:Server";
    const SETTING = "azure-native:monitor:DiagnosticSetting";
    const prodTags = { tags: { environment: "prod" } };
    const server = resource(SERVER, "server", prodTags);
    const gateway = resource(GW, "vpn-gateway", prodTags);
    const setting = (target: StackResource, logs: unknown[], extra: Props = {}, via: "dependencies" | "property" = "dependencies") =>
        resource(SETTING, `${target.name}-diagnostics`, { workspaceId: "/x/workspaces/log", logs, ...extra },
            via === "property" ? { propertyDependencies: { resourceUri: [target.urn] }, dependencies: [target.urn, "urn:other"] } : { dependencies: [target.urn] });
    const enabled = (category: string) => ({ category, enabled: true });

    it("accepts a prod server and gateway with their connection logs to a workspace, by category or category group", () => {
        assert.deepEqual(checkProdDiagnostics([server, gateway, setting(server, [enabled("PostgreSQLLogs")]), setting(gateway, [enabled("P2SDiagnosticLog")], {}, "property")]), []);
        assert.deepEqual(checkProdDiagnostics([server, setting(server, [{ categoryGroup: "allLogs", enabled: true }])]), []);
        assert.deepEqual(checkProdDiagnostics([server, setting(server, [{ categoryGroup: "audit", enabled: true }])]), []);
    });

    it("rejects a missing, disabled, workspace-less or other-category setting, naming the resource", () => {
        for (const resources of [
            [server],
            [server, setting(server, [{ category: "PostgreSQLLogs", enabled: false }])],
            [server, setting(server, [enabled("PostgreSQLLogs")], { workspaceId: undefined })],
            [server, setting(server, [enabled("PostgreSQLFlexSessions")])],
            [server, setting(gateway, [enabled("PostgreSQLLogs")])],
        ]) {
            const findings = checkProdDiagnostics(resources);
            assert.equal(findings.length, 1, JSON.stringify(resources.map((r) => r.props)));
            assert.equal(findings[0].urn, server.urn);
            assert.match(findings[0].message, /PostgreSQL server server sends no PostgreSQLLogs to a Log Analytics workspace/);
        }
        assert.match(checkProdDiagnostics([gateway])[0].message, /VPN gateway vpn-gateway sends no P2SDiagnosticLog/);
        // A setting whose property dependencies name another resource does not count, whatever else it depends on.
        const elsewhere = resource(SETTING, "s", { workspaceId: "/x", logs: [enabled("PostgreSQLLogs")] }, { propertyDependencies: { resourceUri: ["urn:other"] }, dependencies: [server.urn] });
        assert.equal(checkProdDiagnostics([server, elsewhere]).length, 1);
        // An engine that lists the property with no dependencies: fall back to the resource's own.
        const unlisted = resource(SETTING, "s", { workspaceId: "/x", logs: [enabled("PostgreSQLLogs")] }, { propertyDependencies: { resourceUri: [] }, dependencies: [server.urn] });
        assert.deepEqual(checkProdDiagnostics([server, unlisted]), []);
    });

    it("leaves non-production resources alone; an untagged one counts as production", () => {
        assert.deepEqual(checkProdDiagnostics([resource(SERVER, "server", { tags: { environment: "dev" } }), resource(GW, "gw", { tags: { environment: "dev" } })]), []);
        assert.equal(checkProdDiagnostics([resource(SERVER, "server", {})]).length, 1);
    });
});

describe("postgres-passwordless-has-entra-admin: checkPasswordlessHasEntraAdmin", () => {
    const SERVER = "azure-native:dbforpostgresql:Server";
    const server = (authConfig: Props | undefined) => resource(SERVER, "server", authConfig ? { authConfig } : {});
    const admin = (type: string, target: StackResource, via: "dependencies" | "property" = "dependencies") =>
        resource(type, "entra-admin", { objectId: "x" }, via === "property" ? { propertyDependencies: { serverName: [target.urn] } } : { dependencies: [target.urn] });

    it("accepts passwords on, and passwords off with Entra on and an administrator (either resource name)", () => {
        assert.deepEqual(checkPasswordlessHasEntraAdmin([server({ passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" })]), []);
        assert.deepEqual(checkPasswordlessHasEntraAdmin([server(undefined)]), []);
        const off = server({ passwordAuth: "Disabled", activeDirectoryAuth: "Enabled" });
        assert.deepEqual(checkPasswordlessHasEntraAdmin([off, admin("azure-native:dbforpostgresql:AdministratorsMicrosoftEntra", off)]), []);
        assert.deepEqual(checkPasswordlessHasEntraAdmin([off, admin("azure-native:dbforpostgresql:Administrator", off, "property")]), []);
        assert.deepEqual(checkPasswordlessHasEntraAdmin([server({ passwordAuth: "disabled", activeDirectoryAuth: UNKNOWN }), admin("azure-native:dbforpostgresql:AdministratorsMicrosoftEntra", server({}))]), []);
    });

    it("rejects passwords off with Entra off, or with no administrator for this server", () => {
        assert.match(checkPasswordlessHasEntraAdmin([server({ passwordAuth: "Disabled", activeDirectoryAuth: "Disabled" })])[0].message, /password and Entra authentication both off/);
        assert.match(checkPasswordlessHasEntraAdmin([server({ passwordAuth: "Disabled" })])[0].message, /both off/);
        const off = server({ passwordAuth: "Disabled", activeDirectoryAuth: "Enabled" });
        const other = resource(SERVER, "other", {});
        for (const resources of [[off], [off, admin("azure-native:dbforpostgresql:AdministratorsMicrosoftEntra", other)], [off, admin("azure-native:dbforpostgresql:FirewallRule", off)]]) {
            const findings = checkPasswordlessHasEntraAdmin(resources);
            assert.deepEqual(findings.map((f) => f.urn), [off.urn]);
            assert.match(findings[0].message, /password authentication off and no Entra administrator in this stack/);
        }
    });
});

describe("log-retention-floor: checkLogRetention", () => {
    const WORKSPACE = "azure-native:operationalinsights:Workspace";
    const TABLE = "azure-native:operationalinsights:Table";
    const workspace = (retentionInDays: unknown, environment?: string) => resource(WORKSPACE, "workspace", { retentionInDays, ...(environment ? { tags: { environment } } : {}) });
    const table = (retentionInDays: unknown) => resource(TABLE, "session-table", { retentionInDays });

    it("the floor is the prod default retention", () => {
        assert.equal(DEFAULT_RETENTION_FLOOR_DAYS, 90);
    });

    it("in production: workspaces and tables at or above the floor; a table inheriting; values unknown in preview", () => {
        assert.deepEqual(checkLogRetention([workspace(90, "prod"), table(90)]), []);
        assert.deepEqual(checkLogRetention([workspace(730, "prod"), table(-1)]), []);
        assert.deepEqual(checkLogRetention([workspace(UNKNOWN, "prod"), table(UNKNOWN)]), []);
    });

    it("rejects anything below the floor, or unset, naming the resource", () => {
        for (const [resources, at] of [[[workspace(89, "prod")], "workspace"], [[workspace(90, "prod"), table(30)], "session-table"], [[workspace(undefined, "prod")], "workspace"], [[workspace(90, "prod"), table(-2)], "session-table"]] as const) {
            const findings = checkLogRetention(resources);
            assert.equal(findings.length, 1, JSON.stringify(resources.map((r) => r.props)));
            assert.match(findings[0].urn!, new RegExp(`::${at}$`));
            assert.match(findings[0].message, /production keeps them at least 90/);
        }
        assert.deepEqual(checkLogRetention([workspace(89, "prod"), table(30)]).map((f) => f.message), [
            "Log Analytics workspace workspace keeps logs 89 days: production keeps them at least 90 (securepg:monitoring.retentionInDays)",
            "workspace table session-table keeps logs 30 days: production keeps them at least 90 (securepg:monitoring.retentionInDays)",
        ]);
        assert.equal(checkLogRetention([workspace(120, "prod")], 180).length, 1, "a configured floor");
        assert.deepEqual(checkLogRetention([workspace(30, "prod")], 30), []);
    });

    it("applies to production stacks only: one prod-tagged resource makes it production, an untagged stack counts as production", () => {
        assert.deepEqual(checkLogRetention([workspace(30, "dev"), table(30), resource(GW, "gw", { tags: { environment: "dev" } })]), []);
        assert.equal(checkLogRetention([workspace(30, "dev"), resource(GW, "gw", { tags: { environment: "prod" } })]).length, 1);
        assert.equal(checkLogRetention([workspace(30), table(30)]).length, 2);
        assert.equal(checkLogRetention([workspace(30, "dev"), resource("pulumi:pulumi:Stack", "securepg-dev", {})]).length, 0, "the stack resource has no tags and does not count");
    });
});

describe("vpn-client-pool-no-vnet-overlap: checkVpnClientPools", () => {
    const vnet = resource(VNET, "vnet", { addressSpace: { addressPrefixes: ["10.40.0.0/16"] } });
    const gateway = (pool: unknown) => resource(GW, "vpn-gateway", { vpnClientConfiguration: { vpnClientAddressPool: { addressPrefixes: [pool] } } });
    it("rejects a pool inside, around or overlapping the VNet, and a malformed pool", () => {
        assert.match(checkVpnClientPools([vnet, gateway("10.40.200.0/24")])[0].message, /overlaps the address space 10\.40\.0\.0\/16/);
        assert.equal(checkVpnClientPools([vnet, gateway("10.0.0.0/8")]).length, 1);
        assert.equal(checkVpnClientPools([vnet, gateway("10.40.0.1/24")]).length, 1);
    });
    it("accepts a disjoint pool and a pool unknown during preview", () => {
        assert.deepEqual(checkVpnClientPools([vnet, gateway("172.16.201.0/24")]), []);
        assert.deepEqual(checkVpnClientPools([vnet, gateway(UNKNOWN)]), []);
    });
});

describe("secrets-stay-secret: checkSecrets", () => {
    const password = "S3cret-Admin-Pa55word";
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----\n";
    const server = (additionalSecretOutputs = ["administratorLoginPassword"], extra: Props = {}) =>
        resource("azure-native:dbforpostgresql:Server", "server", { administratorLogin: "pgadmin", administratorLoginPassword: password, authConfig: { passwordAuth: "Enabled" }, ...extra },
            { additionalSecretOutputs });
    const stack = (outputs: Props) => resource("pulumi:pulumi:Stack", "securepg-dev", outputs);

    it("rejects an undeclared sensitive output", () => {
        assert.match(checkSecrets([server([])])[0].message, /administratorLoginPassword is not declared in additionalSecretOutputs/);
        const key = resource("tls:index/privateKey:PrivateKey", "ssh-key", {}, { additionalSecretOutputs: ["privateKeyPem"] });
        assert.equal(checkSecrets([key]).length, 2, "privateKeyOpenssh and privateKeyPemPkcs8 are missing");
    });
    it("rejects credentials under names that do not say so: stack outputs, tags, private keys", () => {
        const findings = checkSecrets([server(undefined, { tags: { note: `pw ${password}` } }), stack({
            sshKey: pem,
            dsn: `host=db user=pgadmin password=${password}`,
        })]);
        assert.deepEqual(findings.map((f) => f.message).sort(), [
            "azure-native:dbforpostgresql:Server server: tags.note contains the value of azure-native:dbforpostgresql:Server server: administratorLoginPassword under a name that does not say it is a credential; keep it in a secret output named for it",
            "stack output dsn contains the value of azure-native:dbforpostgresql:Server server: administratorLoginPassword under a name that does not say it is a credential; keep it in a secret output named for it",
            "stack output sshKey holds a PEM private key under a name that does not say it is a credential; keep it in a secret output named for it",
        ]);
    });
    it("accepts credentials under names that say so, whether or not they are secrets (which it cannot see)", () => {
        assert.deepEqual(checkSecrets([server(), stack({
            adminPassword: password,
            connectionString: `host=db password=${password}`,
            connectionStringWithoutPassword: "host=db user=pgadmin",
            vpnClientCertificates: { laptop: { certificatePem: "c", privateKeyPem: pem } },
            proxySshPrivateKey: "",
            serverFqdn: "psql-x.postgres.database.azure.com",
        })]), []);
    });
    it("a PEM private key of any kind, with or without a word before PRIVATE KEY, is found", () => {
        for (const header of ["PRIVATE KEY", "RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]) {
            const findings = checkSecrets([stack({ note: `-----BEGIN ${header}-----\nMIIabc\n-----END ${header}-----\n` })]);
            assert.deepEqual(findings.map((f) => f.message), ["stack output note holds a PEM private key under a name that does not say it is a credential; keep it in a secret output named for it"], header);
        }
        assert.deepEqual(checkSecrets([stack({ note: "-----BEGIN PUBLIC KEY-----\nMIIabc\n-----END PUBLIC KEY-----\n" })]), []);
    });
    it("finds copies of credentials kept in lists and of the outputs its type's table lists; short values are not tracked", () => {
        const secrets = resource("azure-native:compute:VirtualMachine", "vm", { secret: ["first-long-secret", "second-long-secret"] });
        const generated = resource("random:index/randomPassword:RandomPassword", "pw", { result: "generated-Pa55-value", length: "22-characters-long" },
            { additionalSecretOutputs: ["result", "bcryptHash"] });
        const short = resource("azure-native:compute:VirtualMachine", "vm2", { password: "abc1234" });
        const findings = checkSecrets([secrets, generated, short, stack({ a: "x-second-long-secret", b: "user:generated-Pa55-value", c: "22-characters-long", d: "xabc1234" })]);
        assert.deepEqual(findings.map((f) => f.message), [
            "stack output a contains the value of azure-native:compute:VirtualMachine vm: secret[1] under a name that does not say it is a credential; keep it in a secret output named for it",
            "stack output b contains the value of random:index/randomPassword:RandomPassword pw: result under a name that does not say it is a credential; keep it in a secret output named for it",
        ]);
    });
    it("names: credentials, not flags or hashes of them", () => {
        for (const name of ["administratorLoginPassword", "adminPassword", "privateKeyPem", "caPrivateKeyPem", "clientSecret", "connectionString", "vpnClientCertificates", "clientCredentials", "privateKey", "sshPrivateKey", "credential", "privateKeyOpenssh", "siteSharedKeys", "passwords", "clientSecrets"]) {
            assert.equal(isSensitiveName(name), true, name);
        }
        for (const name of ["passwordAuth", "disablePasswordAuthentication", "connectionStringWithoutPassword", "publicKeyPem", "vpnClientRootCertificates", "passwordRotation"]) {
            assert.equal(isSensitiveName(name), false, name);
        }
    });
});

describe("props helpers", () => {
    it("snapshot turns values a CrossGuard proxy refuses into UNKNOWN", () => {
        const refusing = new Proxy({ known: "a", pending: "x" }, {
            get: (target, key) => {
                if (key === "pending") {
                    throw new Error("string value at .pending can't be known during preview");
                }
                return (target as Record<string | symbol, unknown>)[key];
            },
        });
        const copy = snapshotProps({ outer: refusing, list: [1, "b"] });
        assert.deepEqual(copy, { outer: { known: "a", pending: UNKNOWN }, list: [1, "b"] });
        assert.equal((copy.outer as Props).pending, UNKNOWN, "the marker itself, which the rules recognise by identity");
    });
    it("snapshotProps gives an object, whatever it is handed", () => {
        for (const value of [undefined, null, "x", 5, [1, 2]]) {
            assert.deepEqual(snapshotProps(value), {}, JSON.stringify(value));
        }
    });
    it("obj, formatPath and walkStrings", () => {
        for (const value of [null, undefined, "x", 5, [1]]) {
            assert.deepEqual(obj(value), {}, String(value));
        }
        assert.deepEqual(obj(UNKNOWN), {});
        assert.deepEqual(obj({ a: 1 }), { a: 1 });
        assert.equal(formatPath(["osProfile", "adminPassword"]), "osProfile.adminPassword");
        assert.equal(formatPath(["ipConfigurations", 0, "publicIPAddress", "id"]), "ipConfigurations[0].publicIPAddress.id");
        assert.equal(formatPath([]), "");
        const seen: string[] = [];
        const refusing = Object.defineProperty({ ok: "a" }, "pending", { enumerable: true, get: () => { throw new Error("unknown during preview"); } });
        walkStrings({ outer: refusing, list: ["b", 3, null, UNKNOWN] }, (path, text) => seen.push(`${formatPath(path)}=${text}`));
        assert.deepEqual(seen, ["outer.ok=a", "list[0]=b"]);
    });
    it("present: absent is undefined, null, an empty string or an empty object; anything else, UNKNOWN included, is present", () => {
        for (const value of [undefined, null, "", {}]) {
            assert.equal(present(value), false, JSON.stringify(value));
        }
        for (const value of ["x", " ", 0, 5, false, true, [], [1], { a: 1 }, UNKNOWN]) {
            assert.equal(present(value), true, JSON.stringify(value));
        }
    });
    it("armName: the last segment of an ARM id, lower-cased; nothing for an id that is absent, empty or ends in a slash", () => {
        assert.equal(armName("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/PIP-Gw-1"), "pip-gw-1");
        assert.equal(armName("pip-x"), "pip-x");
        for (const id of [undefined, "", "/subscriptions/s/", 5, UNKNOWN]) {
            assert.equal(armName(id), undefined, String(id));
        }
    });
    it("kindOf folds API-version-pinned azure-native tokens into the default module", () => {
        assert.equal(kindOf("azure-native:network/v20240301:NetworkSecurityGroup"), "azure-native:network:NetworkSecurityGroup");
        assert.equal(kindOf("azure-native:network:NetworkSecurityGroup"), "azure-native:network:NetworkSecurityGroup");
        assert.equal(kindOf("tls:index/privateKey:PrivateKey"), "tls:index/privateKey:PrivateKey");
    });
});
