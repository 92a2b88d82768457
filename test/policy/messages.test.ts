/**
 * What each policy rule says, word for word, and where its limits are: the messages are what a
 * user reads in `pulumi preview`, so a rule that reports the wrong thing is a bug. rules.test.ts
 * covers which inputs each rule rejects and accepts.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
    checkAllowAzureServicesRule, checkBackupRetention, checkFirewallRule, checkGatewaySku, checkLinuxPasswordAuth,
    checkNetworkInterfacePublicIp, checkNetworkSecurityGroup, checkPublicIpSku, checkSecrets,
    checkSecurityRule, checkServerParameter, checkServerPublicAccess, checkServerResilience, checkVirtualMachinePublicIp,
    checkSiteConnection, checkVpnClientAuth, checkVpnClientPools, checkVpnGatewayPublicIps, checkVpnPublicIp, firewallRange, isInternetSource,
    isProduction, portSpecCovers, DEFAULT_PROTECTED_PORTS, MIN_BACKUP_RETENTION_DAYS, SENSITIVE_OUTPUTS, type StackResource,
} from "../../policy/rules";
import { TYPES, UNKNOWN, type Props } from "../../policy/props";
import { DEFAULT_IPSEC_POLICY } from "../../lib/siteToSite";

describe("PostgreSQL rules say what is wrong", () => {
    it("server parameters", () => {
        assert.deepEqual(checkServerParameter({ configurationName: "require_secure_transport", value: "off" }),
            [`require_secure_transport is "off": it must be "on" so that the server refuses unencrypted connections`]);
        assert.deepEqual(checkServerParameter({ configurationName: "Require_Secure_Transport", value: " ON " }), [], "names and values in any case, trimmed");
        assert.deepEqual(checkServerParameter({ configurationName: "ssl_min_protocol_version", value: "TLSv1.1" }),
            [`ssl_min_protocol_version is "TLSv1.1": it must be TLSv1.2 or TLSv1.3`]);
        assert.deepEqual(checkServerParameter({ configurationName: "ssl_min_protocol_version", value: "tlsv1.3" }), []);
        for (const value of ["TLSv1.2x", "xTLSv1.2", "TLSv1.4", "TLSv1,2"]) {
            assert.equal(checkServerParameter({ configurationName: "ssl_min_protocol_version", value }).length, 1, value);
        }
        assert.deepEqual(checkServerParameter({ configurationName: "ssl_max_protocol_version", value: "TLSv1" }),
            [`ssl_max_protocol_version is "TLSv1": anything below TLSv1.2 caps clients at a protocol Azure refuses; leave it unset`]);
        assert.deepEqual(checkServerParameter({ configurationName: "ssl_max_protocol_version", value: "" }), []);
        assert.deepEqual(checkServerParameter({ configurationName: "ssl_max_protocol_version", value: "TLSv1.3" }), []);
        assert.deepEqual(checkServerParameter({ value: "off" }), [], "no name");
        assert.deepEqual(checkServerParameter({ configurationName: "require_secure_transport" }), [], "no value");
    });

    it("firewall ranges: the whole Internet, wider than a /24 of public space, malformed", () => {
        const rule = (startIpAddress: unknown, endIpAddress: unknown) => checkFirewallRule({ startIpAddress, endIpAddress });
        assert.deepEqual(rule("0.0.0.0", "255.255.255.255"), ["firewall rule 0.0.0.0-255.255.255.255 opens the server to the whole Internet"]);
        assert.deepEqual(rule("203.0.113.0", "203.0.114.0"),
            ["firewall rule 203.0.113.0-203.0.114.0 admits 257 addresses, wider than a /24 of public address space; allow the office or CI ranges you need"]);
        assert.deepEqual(rule("203.0.113.0", "203.0.113.255"), [], "exactly a /24");
        assert.deepEqual(rule("172.16.0.0", "172.31.255.255"), [], "RFC 1918, however wide");
        assert.deepEqual(rule("203.0.113.9", "203.0.113.1"), [`firewall rule start "203.0.113.9" is after end "203.0.113.1"`]);
        assert.deepEqual(rule("203.0.113", "203.0.113.1"), [`firewall rule start "203.0.113" / end "203.0.113.1" is not a pair of IPv4 addresses`]);
        assert.deepEqual(rule("203.0.113.1", undefined), [`firewall rule start "203.0.113.1" / end unset is not a pair of IPv4 addresses`]);
        assert.deepEqual(rule("203.0.113.1", "203.0.113.300"), [`firewall rule start "203.0.113.1" / end "203.0.113.300" is not a pair of IPv4 addresses`]);
        assert.deepEqual(rule(" 203.0.113.1 ", "203.0.113.1"), [], "surrounding spaces are ignored");
        for (const notDecimal of ["0x11.0.0.1", "10.0.0.0x1", "167772161", "10.1"]) {
            assert.deepEqual(rule(notDecimal, "10.0.0.1"), [`firewall rule start "${notDecimal}" / end "10.0.0.1" is not a pair of IPv4 addresses`], "only dotted-decimal addresses, as Azure takes them");
        }
        assert.deepEqual(rule("203.0.113.1", UNKNOWN), []);
        assert.deepEqual(rule(UNKNOWN, "203.0.113.1"), []);
    });

    it("a firewall range's size as a prefix length", () => {
        assert.deepEqual(firewallRange({ startIpAddress: "203.0.113.0", endIpAddress: "203.0.113.255" }),
            { text: "203.0.113.0-203.0.113.255", prefixLength: 24, first: 3405803776, last: 3405804031 });
        assert.equal((firewallRange({ startIpAddress: "203.0.113.7", endIpAddress: "203.0.113.7" }) as { prefixLength: number }).prefixLength, 32);
        assert.equal((firewallRange({ startIpAddress: "203.0.113.0", endIpAddress: "203.0.113.2" }) as { prefixLength: number }).prefixLength, 30, "rounded up to the block that holds it");
    });

    it("the Azure-services rule", () => {
        assert.deepEqual(checkAllowAzureServicesRule({ startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" }),
            ["firewall rule 0.0.0.0 admits every Azure service of every tenant, not just yours; expected only when the stack sets securepg:database.allowAzureServices: true"]);
        assert.deepEqual(checkAllowAzureServicesRule({ startIpAddress: "203.0.113.7", endIpAddress: "0.0.0.0" }), []);
    });

    it("public access of a VNet-integrated server", () => {
        const subnet = "/subscriptions/x/subnets/psql";
        assert.deepEqual(checkServerPublicAccess({ network: { delegatedSubnetResourceId: subnet, publicNetworkAccess: "Enabled" } }),
            [`the server is VNet-integrated but network.publicNetworkAccess is "Enabled": it must be "Disabled"`]);
        assert.deepEqual(checkServerPublicAccess({ network: { delegatedSubnetResourceId: subnet } }),
            [`the server is VNet-integrated but network.publicNetworkAccess is unset: it must be "Disabled"`]);
        assert.deepEqual(checkServerPublicAccess({ network: { delegatedSubnetResourceId: subnet, publicNetworkAccess: "disabled" } }), []);
        assert.deepEqual(checkServerPublicAccess({ network: { delegatedSubnetResourceId: subnet, publicNetworkAccess: UNKNOWN } }), []);
    });

    it("backup retention, from 7 days", () => {
        assert.equal(MIN_BACKUP_RETENTION_DAYS, 7);
        assert.deepEqual(checkBackupRetention({ backup: { backupRetentionDays: 6 } }), ["backup.backupRetentionDays is 6: keep backups at least 7 days"]);
        assert.deepEqual(checkBackupRetention({ backup: { backupRetentionDays: "7" } }), [`backup.backupRetentionDays is "7": keep backups at least 7 days`], "a number, not text");
        assert.deepEqual(checkBackupRetention({ backup: { backupRetentionDays: UNKNOWN } }), []);
    });

    it("resilience", () => {
        assert.deepEqual(checkServerResilience({ backup: { geoRedundantBackup: "Disabled" }, highAvailability: { mode: "Disabled" } }), [
            `backup.geoRedundantBackup is "Disabled": enable geo-redundant backups (fixed at creation) to survive a regional outage`,
            `highAvailability.mode is "Disabled": use ZoneRedundant (or SameZone) so a standby takes over on failure`,
        ]);
        assert.deepEqual(checkServerResilience({ backup: { geoRedundantBackup: UNKNOWN }, highAvailability: { mode: UNKNOWN } }), []);
        assert.deepEqual(checkServerResilience({ backup: { geoRedundantBackup: "enabled" }, highAvailability: { mode: "zoneredundant" } }), []);
    });

    it("production unless tagged otherwise", () => {
        for (const env of [undefined, "prod", "production", "prd"]) {
            assert.equal(isProduction(env), true, String(env));
        }
        for (const env of ["dev", "test", "staging", ""]) {
            assert.equal(isProduction(env), false, env);
        }
    });
});

describe("network rules say what is wrong", () => {
    const inbound = (extra: Props): Props => ({
        name: "open", direction: "Inbound", access: "Allow", protocol: "Tcp", sourceAddressPrefix: "Internet", destinationPortRange: "22", ...extra,
    });

    it("an Internet source to a protected port, each port named", () => {
        assert.deepEqual(DEFAULT_PROTECTED_PORTS, [22, 5432]);
        assert.deepEqual(checkSecurityRule(inbound({})), ["rule open allows Internet (the Internet) to port 22 (SSH); admit VPN clients or specific subnets only"]);
        assert.deepEqual(checkSecurityRule(inbound({ destinationPortRange: "5432" })), ["rule open allows Internet (the Internet) to port 5432 (PostgreSQL); admit VPN clients or specific subnets only"]);
        assert.deepEqual(checkSecurityRule(inbound({ destinationPortRange: "6432" }), [6432]), ["rule open allows Internet (the Internet) to port 6432; admit VPN clients or specific subnets only"]);
        assert.deepEqual(checkSecurityRule(inbound({ name: undefined, sourceAddressPrefix: undefined, sourceAddressPrefixes: ["*", "10.0.0.0/8", "0.0.0.0/0"] })),
            ["rule (unnamed rule) allows *, 0.0.0.0/0 (the Internet) to port 22 (SSH); admit VPN clients or specific subnets only"]);
        assert.deepEqual(checkSecurityRule(inbound({ destinationPortRange: undefined })).length, 2, "no port given: every port");
        assert.deepEqual(checkSecurityRule(inbound({ destinationPortRange: undefined, destinationPortRanges: ["1-21", "23-5431"] })), []);
        assert.deepEqual(checkSecurityRule(inbound({ destinationPortRange: UNKNOWN })), [], "ports unknown during preview");
        assert.deepEqual(checkSecurityRule(inbound({ destinationPortRange: null, destinationPortRanges: ["22"] })).length, 1);
    });

    it("only inbound allows over TCP (or any protocol) are judged", () => {
        assert.deepEqual(checkSecurityRule(inbound({ direction: "Outbound" })), []);
        assert.deepEqual(checkSecurityRule(inbound({ access: "Deny" })), []);
        assert.deepEqual(checkSecurityRule(inbound({ direction: "inbound", access: "allow" })).length, 1);
        for (const protocol of ["Udp", "ICMP", "Esp", "Ah"]) {
            assert.deepEqual(checkSecurityRule(inbound({ protocol })), [], protocol);
        }
        for (const protocol of ["*", "Tcp", undefined]) {
            assert.equal(checkSecurityRule(inbound({ protocol })).length, 1, String(protocol));
        }
    });

    it("Internet sources: the names, and public blocks of /8 or wider", () => {
        for (const source of ["*", " Any ", "INTERNET", "0.0.0.0/0", "::/0", "1.0.0.0/8", "0.0.0.0/1"]) {
            assert.equal(isInternetSource(source), true, source);
        }
        for (const source of ["1.0.0.0/9", "10.0.0.0/8", "VirtualNetwork", "AzureLoadBalancer", "203.0.113.7", "garbage"]) {
            assert.equal(isInternetSource(source), false, source);
        }
    });

    it("port specifications", () => {
        assert.equal(portSpecCovers(" * ", 22), true);
        assert.equal(portSpecCovers("22", 22), true);
        assert.equal(portSpecCovers(" 22 ", 22), true);
        assert.equal(portSpecCovers(" 22 ", 23), false, "spaces around a port are not part of it");
        assert.equal(portSpecCovers("2222", 22), false);
        assert.equal(portSpecCovers("22", 2222), false);
        assert.equal(portSpecCovers("20-22", 22), true);
        assert.equal(portSpecCovers("22-30", 22), true);
        assert.equal(portSpecCovers("20 - 30", 25), true);
        assert.equal(portSpecCovers("23-30", 22), false);
        assert.equal(portSpecCovers("10-21", 22), false);
        assert.equal(portSpecCovers("x22", 22), true, "unparseable counts as covered");
        assert.equal(portSpecCovers("1-2-3", 22), true);
    });

    it("every rule of an NSG", () => {
        assert.deepEqual(checkNetworkSecurityGroup({ securityRules: [inbound({ name: "a" }), inbound({ name: "b", sourceAddressPrefix: "10.0.0.0/8" }), inbound({ name: "c", destinationPortRange: "5432" })] }), [
            "rule a allows Internet (the Internet) to port 22 (SSH); admit VPN clients or specific subnets only",
            "rule c allows Internet (the Internet) to port 5432 (PostgreSQL); admit VPN clients or specific subnets only",
        ]);
        assert.deepEqual(checkNetworkSecurityGroup({ securityRules: [inbound({ destinationPortRange: "6432" })] }, [6432]).length, 1);
    });

    it("public IPs on NICs and VMs", () => {
        assert.deepEqual(checkNetworkInterfacePublicIp({ ipConfigurations: [{ name: "a" }, { name: "b", publicIPAddress: { id: "/pip" } }, { publicIPAddress: { id: "/pip2" } }] }), [
            "ipConfigurations[1] (b) has a public IP: the proxy VM is reached over the VPN only and leaves through the NAT gateway",
            "ipConfigurations[2] (unnamed) has a public IP: the proxy VM is reached over the VPN only and leaves through the NAT gateway",
        ]);
        const nic = (...configs: Props[]) => ({ ipConfigurations: configs });
        assert.deepEqual(checkVirtualMachinePublicIp({ networkProfile: { networkInterfaceConfigurations: [nic({}), nic({}, { publicIPAddressConfiguration: { name: "p" } })] } }),
            ["networkProfile.networkInterfaceConfigurations[1].ipConfigurations[1] creates a public IP: the proxy VM must have none"]);
    });

    it("Linux password authentication", () => {
        assert.deepEqual(checkLinuxPasswordAuth({ osProfile: { linuxConfiguration: { disablePasswordAuthentication: false }, adminPassword: "x" } }), [
            "osProfile.linuxConfiguration.disablePasswordAuthentication is false: it must be true (SSH keys only)",
            "osProfile.adminPassword is set on a Linux VM: use SSH keys only",
        ]);
        assert.deepEqual(checkLinuxPasswordAuth({ osProfile: { adminUsername: "a" } }), ["osProfile.linuxConfiguration.disablePasswordAuthentication is unset: it must be true (SSH keys only)"]);
        assert.deepEqual(checkLinuxPasswordAuth({ osProfile: { windowsConfiguration: {} } }), [], "Windows");
        assert.deepEqual(checkLinuxPasswordAuth({ osProfile: { windowsConfiguration: null } }).length, 1, "a null Windows configuration is none");
        assert.deepEqual(checkLinuxPasswordAuth({ osProfile: {}, storageProfile: { imageReference: { publisher: "MicrosoftWindowsServer" } } }), []);
        assert.deepEqual(checkLinuxPasswordAuth({ osProfile: {}, storageProfile: { imageReference: { offer: "WindowsServer" } } }), []);
        assert.deepEqual(checkLinuxPasswordAuth({ osProfile: { linuxConfiguration: { disablePasswordAuthentication: true } }, storageProfile: { imageReference: { offer: "WindowsServer" } } }), [],
            "a Linux configuration wins over the image's name");
        assert.deepEqual(checkLinuxPasswordAuth({ osProfile: { linuxConfiguration: { disablePasswordAuthentication: false } }, storageProfile: { imageReference: { offer: "WindowsServer" } } }).length, 1);
        assert.deepEqual(checkLinuxPasswordAuth({ osProfile: UNKNOWN }), []);
        assert.deepEqual(checkLinuxPasswordAuth({ osProfile: { linuxConfiguration: { disablePasswordAuthentication: UNKNOWN } } }), []);
    });

    it("public IP SKUs", () => {
        assert.deepEqual(checkPublicIpSku({}), ["sku.name is unset: set Standard explicitly (older API versions default to the retired Basic SKU)"]);
        assert.deepEqual(checkPublicIpSku({ sku: { name: "Basic" } }), [`sku.name is "Basic": Basic public IPs are retired; use Standard`]);
        assert.deepEqual(checkPublicIpSku({ sku: { name: "standard" } }), []);
        assert.deepEqual(checkPublicIpSku({ sku: { name: UNKNOWN } }), []);
    });
});

describe("VPN rules say what is wrong", () => {
    it("the gateway SKU", () => {
        const message = ["sku is Basic: it has no OpenVPN, IKEv2 or Entra ID and needs a retired Basic public IP; use VpnGw1AZ or larger"];
        assert.deepEqual(checkGatewaySku({ sku: { name: "Basic" } }), message);
        assert.deepEqual(checkGatewaySku({ sku: { tier: "basic" } }), message);
        assert.deepEqual(checkGatewaySku({ sku: { name: "VpnGw1AZ", tier: "VpnGw1AZ" } }), []);
    });

    it("client authentication", () => {
        assert.deepEqual(checkVpnClientAuth({ vpnClientConfiguration: { vpnAuthenticationTypes: ["Radius", "Certificate"], radiusServerAddress: "10.0.0.4", radiusServerSecret: "s", radiusServers: [{}] } }), [
            `vpnClientConfiguration.vpnAuthenticationTypes includes "Radius": only Certificate or AAD (Microsoft Entra ID) are allowed`,
            "vpnClientConfiguration.radiusServerAddress configures RADIUS: use certificates or Entra ID",
            "vpnClientConfiguration.radiusServerSecret configures RADIUS: use certificates or Entra ID",
            "vpnClientConfiguration.radiusServers configures RADIUS: use certificates or Entra ID",
        ]);
        assert.deepEqual(checkVpnClientAuth({ vpnClientConfiguration: { vpnAuthenticationTypes: [] } }),
            ["vpnClientConfiguration names no authentication type and has neither root certificates nor Entra ID settings"]);
        assert.deepEqual(checkVpnClientAuth({ vpnClientConfiguration: { vpnAuthenticationTypes: [], vpnClientRootCertificates: [{}] } }), []);
        assert.deepEqual(checkVpnClientAuth({ vpnClientConfiguration: { vpnAuthenticationTypes: [], aadTenant: "https://login.microsoftonline.com/t" } }), []);
        assert.deepEqual(checkVpnClientAuth({ vpnClientConfiguration: { vpnAuthenticationTypes: ["aad"], aadTenant: "t" } }), [
            "vpnClientConfiguration.aadAudience is unset: Entra ID authentication needs the tenant, audience and issuer",
            "vpnClientConfiguration.aadIssuer is unset: Entra ID authentication needs the tenant, audience and issuer",
        ]);
        assert.deepEqual(checkVpnClientAuth({ vpnClientConfiguration: { vpnAuthenticationTypes: ["AAD"], aadAudience: "a", aadIssuer: "i" } }),
            ["vpnClientConfiguration.aadTenant is unset: Entra ID authentication needs the tenant, audience and issuer"]);
        assert.deepEqual(checkVpnClientAuth({ vpnClientConfiguration: { vpnAuthenticationTypes: ["certificate", "AAD"], aadTenant: "t", aadAudience: "a", aadIssuer: "i" } }), []);
        assert.deepEqual(checkVpnClientAuth({ vpnClientConfiguration: { vpnAuthenticationTypes: UNKNOWN, radiusServerAddress: "10.0.0.4" } }),
            ["vpnClientConfiguration.radiusServerAddress configures RADIUS: use certificates or Entra ID"], "RADIUS is checked even when the types are unknown");
        assert.deepEqual(checkVpnClientAuth({ vpnClientConfiguration: UNKNOWN }), []);
        assert.deepEqual(checkVpnClientAuth({}), []);
    });

    it("the gateway's public IP", () => {
        assert.deepEqual(checkVpnPublicIp({ sku: { name: "Basic" }, publicIPAllocationMethod: "Dynamic", zones: ["1"], location: "westeurope" }), [
            `sku.name is "Basic": a VPN gateway needs a Standard public IP`,
            `publicIPAllocationMethod is "Dynamic": a VPN gateway needs a static public IP`,
            `zones is ["1"]: the VPN gateway's public IP must be zone-redundant (zones ["1", "2", "3"])`,
        ]);
        const ip = (zones: unknown, location: unknown) => checkVpnPublicIp({ sku: { name: "Standard" }, publicIPAllocationMethod: "Static", zones, location });
        assert.deepEqual(ip(["1", "2", "3"], "westeurope"), []);
        assert.deepEqual(ip([1, 2, 3], "westeurope"), [], "zones as numbers");
        assert.deepEqual(ip(["1", "2"], "westeurope").length, 1);
        assert.deepEqual(ip(["1", "1", "2"], "westeurope").length, 1, "three entries, two zones");
        assert.deepEqual(ip(undefined, "westeurope"), [`zones is unset: the VPN gateway's public IP must be zone-redundant (zones ["1", "2", "3"])`]);
        assert.deepEqual(ip(["1", "2", "3"], "ukwest"), [`zones is ["1","2","3"] in ukwest, a region without availability zones: the VPN gateway's public IP must have none there`]);
        assert.deepEqual(ip([], "ukwest"), []);
        assert.deepEqual(ip(undefined, "ukwest"), []);
        assert.deepEqual(ip(["1"], undefined).length, 1, "no location: zones are wanted");
        assert.deepEqual(ip(UNKNOWN, "westeurope"), []);
        assert.deepEqual(checkVpnPublicIp({ sku: { name: UNKNOWN }, publicIPAllocationMethod: UNKNOWN, zones: UNKNOWN }), []);
    });

    const resource = (type: string, name: string, props: Props, extra: Partial<StackResource> = {}): StackResource =>
        ({ type, name, urn: `urn:${name}`, props, dependencies: [], additionalSecretOutputs: [], ...extra });

    it("the public IPs of each gateway, by dependency or by id", () => {
        const badIp = resource(TYPES.publicIp, "pip", { name: "pip-x", sku: { name: "Standard" }, publicIPAllocationMethod: "Static", zones: ["1"], location: "westeurope" });
        const gateway = (extra: Partial<StackResource>, props: Props = {}) => resource(TYPES.vpnGateway, "vgw", props, extra);
        const message = { urn: "urn:pip", message: `public IP pip of VPN gateway vgw: zones is ["1"]: the VPN gateway's public IP must be zone-redundant (zones ["1", "2", "3"])` };
        assert.deepEqual(checkVpnGatewayPublicIps([badIp, gateway({ dependencies: ["urn:pip"] })]), [message]);
        assert.deepEqual(checkVpnGatewayPublicIps([badIp, gateway({ propertyDependencies: { ipConfigurations: ["urn:pip"] } })]), [message]);
        assert.deepEqual(checkVpnGatewayPublicIps([badIp, gateway({ dependencies: ["urn:pip"], propertyDependencies: { ipConfigurations: [] } })]), [message], "empty property dependencies: fall back to all");
        assert.deepEqual(checkVpnGatewayPublicIps([badIp, gateway({ dependencies: ["urn:other"], propertyDependencies: { ipConfigurations: ["urn:other"] } })]), [], "another IP");
        assert.deepEqual(checkVpnGatewayPublicIps([badIp, gateway({}, { ipConfigurations: [{ publicIPAddress: { id: "/subscriptions/s/publicIPAddresses/PIP-X" } }] })]), [message], "by the id's last segment, in any case");
        assert.deepEqual(checkVpnGatewayPublicIps([badIp, gateway({ dependencies: ["urn:pip"] }, { ipConfigurations: [{ publicIPAddress: { id: "/publicIPAddresses/pip-x" } }] })]), [message], "found twice, reported once");
        assert.deepEqual(checkVpnGatewayPublicIps([badIp, gateway({}, { ipConfigurations: [{ publicIPAddress: { id: "/publicIPAddresses/elsewhere" } }] })]),
            [{ urn: "urn:vgw", message: "VPN gateway vgw uses a public IP that is not managed in this stack, so its SKU and zones cannot be checked" }]);
        assert.deepEqual(checkVpnGatewayPublicIps([badIp, gateway({}, { ipConfigurations: [{ name: "no-ip" }] })]), []);
        const byInputName = resource(TYPES.publicIp, "pip", { publicIpAddressName: "pip-y", sku: { name: "Basic" }, publicIPAllocationMethod: "Static", zones: ["1", "2", "3"] });
        assert.equal(checkVpnGatewayPublicIps([byInputName, gateway({}, { ipConfigurations: [{ publicIPAddress: { id: "/publicIPAddresses/pip-y" } }] })]).length, 1, "named by its input");
    });

    it("client pools against the stack's VNets", () => {
        const vnet = resource(TYPES.virtualNetwork, "vnet", { addressSpace: { addressPrefixes: ["10.40.0.0/16", 7, "bad"] } });
        const gateway = (...addressPrefixes: unknown[]) => resource(TYPES.vpnGateway, "vgw", { vpnClientConfiguration: { vpnClientAddressPool: { addressPrefixes } } });
        assert.deepEqual(checkVpnClientPools([vnet, gateway("10.40.8.0/24")]),
            [{ urn: "urn:vgw", message: "VPN gateway vgw: client address pool 10.40.8.0/24 overlaps the address space 10.40.0.0/16 of VNet vnet; VPN clients would be unroutable" }]);
        assert.deepEqual(checkVpnClientPools([vnet, gateway("172.16.201.0/24", UNKNOWN)]), []);
        const [malformed] = checkVpnClientPools([vnet, gateway("172.16.201.0/33")]);
        assert.match(malformed.message, /^VPN gateway vgw: client address pool .*172\.16\.201\.0\/33/);
    });
});

describe("the site connection rule says what is wrong", () => {
    const strong = { connectionType: "IPsec", connectionProtocol: "IKEv2", ipsecPolicies: [{ ...DEFAULT_IPSEC_POLICY }] };

    it("passes the default and stronger policies, and connections that are not IPsec", () => {
        assert.deepEqual(checkSiteConnection(strong), []);
        assert.deepEqual(checkSiteConnection({ ...strong, ipsecPolicies: [{ ...DEFAULT_IPSEC_POLICY, dhGroup: "ECP384", pfsGroup: "ECP384", ikeIntegrity: "SHA384" }] }), []);
        assert.deepEqual(checkSiteConnection({ connectionType: "Vnet2Vnet" }), []);
        assert.deepEqual(checkSiteConnection({ ...strong, connectionType: "ipsec", connectionProtocol: UNKNOWN, ipsecPolicies: UNKNOWN }), [], "unknown in preview: judged on update");
    });

    it("names IKEv1, a missing policy and each weaker field with the default", () => {
        assert.deepEqual(checkSiteConnection({ ...strong, connectionProtocol: "IKEv1" }), ['connectionProtocol is "IKEv1": use IKEv2']);
        assert.deepEqual(checkSiteConnection({ ...strong, connectionProtocol: undefined }), ['connectionProtocol is "unset (IKEv2 or IKEv1 by the device)": use IKEv2']);
        assert.deepEqual(checkSiteConnection({ ...strong, ipsecPolicies: [] }), ["ipsecPolicies is empty: Azure's default proposals include DH group 2; give one policy at least as strong as securepg's default"]);
        assert.deepEqual(checkSiteConnection({ ...strong, ipsecPolicies: [{ ...DEFAULT_IPSEC_POLICY, ikeEncryption: "AES128", pfsGroup: "PFS2" }] }),
            ['ipsecPolicies[0] is weaker than securepg\'s default in ikeEncryption ("AES128", default AES256), pfsGroup ("PFS2", default PFS2048)']);
    });
});

describe("secret rules say what is wrong", () => {
    const resource = (type: string, name: string, props: Props, extra: Partial<StackResource> = {}): StackResource =>
        ({ type, name, urn: `urn:${name}`, props, dependencies: [], additionalSecretOutputs: [], ...extra });

    it("undeclared sensitive outputs, per type", () => {
        assert.deepEqual(SENSITIVE_OUTPUTS[TYPES.server], ["administratorLoginPassword"]);
        assert.deepEqual(checkSecrets([resource(TYPES.randomPassword, "pw", {}, { additionalSecretOutputs: ["result"] })]),
            [{ urn: "urn:pw", message: `${TYPES.randomPassword} pw: bcryptHash is not declared in additionalSecretOutputs` }]);
        assert.deepEqual(checkSecrets([resource(TYPES.tlsPrivateKey, "key", {}, { additionalSecretOutputs: ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"] })]), []);
    });

    it("private keys and copies of credentials under other names (a credential under its own name is never reported)", () => {
        const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----";
        const findings = checkSecrets([
            resource(TYPES.virtualMachine, "vm", { osProfile: { adminPassword: "correct-horse-battery" }, note: pem }),
            resource(TYPES.stack, "stack", { connection: "postgres://u:correct-horse-battery@h/db", short: "pw", sslKey: "x" }),
        ]);
        assert.deepEqual(findings.map((f) => f.message), [
            `${TYPES.virtualMachine} vm: note holds a PEM private key under a name that does not say it is a credential; keep it in a secret output named for it`,
            `stack output connection contains the value of ${TYPES.virtualMachine} vm: osProfile.adminPassword under a name that does not say it is a credential; keep it in a secret output named for it`,
        ]);
    });

    it("tracks credentials of 8 characters or more", () => {
        const copies = (password: string) => checkSecrets([
            resource(TYPES.virtualMachine, "vm", { osProfile: { adminPassword: password } }),
            resource(TYPES.stack, "stack", { connection: `postgres://u:${password}@h/db` }),
        ]).length;
        assert.equal(copies("12345678"), 1);
        assert.equal(copies("1234567"), 0);
    });
});
