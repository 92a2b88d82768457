/**
 * lib/azureRules.ts rule by rule on small hand-built requests: each limit at its boundary on both
 * sides, each branch that must stay quiet, and the exact message a user reads. The rules against
 * what the real program registers are in azureRules.test.ts; this file needs no program run.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
    AZURE_RULES,
    FLEXIBLE_SERVER_STORAGE_SIZES_GB,
    RESERVED_ADMIN_LOGINS,
    checkAzureRequests,
    kindOf,
    type AzureRule,
    type RequestResource,
} from "../lib/azureRules";

type Inputs = Record<string, unknown>;

const resource = (type: string, name: string, inputs: Inputs, deleteBeforeReplace?: boolean): RequestResource =>
    ({ type: `azure-native:${type}`, name, urn: `urn:pulumi:t::securepg::azure-native:${type}::${name}`, inputs, deleteBeforeReplace });

/** What `rule` says about the deployment, message by message. */
const said = (rule: string, ...resources: RequestResource[]) =>
    checkAzureRequests(resources).filter((v) => v.rule === rule).map((v) => v.message);

const resourceGroup = (location = "westeurope") => resource("resources:ResourceGroup", "rg", { resourceGroupName: "rg-x", location });
const a = (n: number) => "a".repeat(n);

describe("kindOf and checkAzureRequests", () => {
    it("strips an API version module, preview or not, and nothing else", () => {
        assert.equal(kindOf("azure-native:network/v20240301:Subnet"), "azure-native:network:Subnet");
        assert.equal(kindOf("azure-native:dbforpostgresql/v20250801preview:Server"), "azure-native:dbforpostgresql:Server");
        assert.equal(kindOf("azure-native:network:Subnet"), "azure-native:network:Subnet");
        assert.equal(kindOf("azure-native:network/v2024:Subnet"), "azure-native:network/v2024:Subnet");
        assert.equal(kindOf("azure-native:network/v20240301extra:Subnet"), "azure-native:network/v20240301extra:Subnet");
        assert.equal(kindOf("x azure-native:network/v20240301:Subnet"), "x azure-native:network/v20240301:Subnet");
    });

    it("judges a versioned type by the rules of its kind", () => {
        const subnet = { type: "azure-native:network/v20240301:Subnet", name: "s", urn: "urn:s", inputs: { subnetName: a(81) } };
        assert.deepEqual(said("resource-names", subnet), [`subnetName "${a(81)}" is 81 characters; Azure allows 1-80`]);
    });

    it("checks Azure resources only, and names each violation's rule, resource and URN", () => {
        const tagged = { tags: { "a/b": "v" } };
        const other = { type: "random:index/randomString:RandomString", name: "r", urn: "urn:r", inputs: tagged };
        assert.deepEqual(checkAzureRequests([other]), []);
        const vnet = resource("network:VirtualNetwork", "vnet", { virtualNetworkName: "vnet-x", ...tagged });
        assert.deepEqual(checkAzureRequests([vnet]), [{
            rule: "tags",
            resource: "azure-native:network:VirtualNetwork vnet",
            urn: vnet.urn,
            message: `tag name "a/b": at most 512 characters, none of < > % & \\ ? /`,
        }]);
    });

    it("applies a rule only to the kinds it names, and only the rules it is given", () => {
        const calls: string[] = [];
        const rule = (id: string, appliesTo: AzureRule["appliesTo"]): AzureRule =>
            ({ id, description: id, source: id, appliesTo, check: (r) => { calls.push(`${id} ${r.name}`); return [`${id} saw ${r.name}`]; } });
        const vnet = resource("network:VirtualNetwork", "vnet", {});
        const subnet = resource("network:Subnet", "subnet", {});
        const violations = checkAzureRequests([vnet, subnet], [rule("vnets", ["azure-native:network:VirtualNetwork"]), rule("all", "*")]);
        assert.deepEqual(calls, ["vnets vnet", "all vnet", "all subnet"]);
        assert.deepEqual(violations.map((v) => `${v.rule}: ${v.message}`), ["vnets: vnets saw vnet", "all: all saw vnet", "all: all saw subnet"]);
    });

    it("gives every rule a unique id, a description and a source", () => {
        assert.equal(new Set(AZURE_RULES.map((r) => r.id)).size, AZURE_RULES.length);
        assert.ok(AZURE_RULES.length >= 13);
        for (const rule of AZURE_RULES) {
            assert.ok(rule.description.length > 20, rule.id);
            assert.match(rule.source, /learn\.microsoft\.com|#\d+|crud/, rule.id);
            assert.ok(rule.appliesTo === "*" || rule.appliesTo.length > 0, rule.id);
        }
    });
});

describe("resource-names", () => {
    // Azure's limits per type (resource-name-rules; the Flexible Server REST API 2025-08-01).
    const LIMITS: Array<[type: string, field: string, min: number, max: number]> = [
        ["resources:ResourceGroup", "resourceGroupName", 1, 90],
        ["network:VirtualNetwork", "virtualNetworkName", 2, 64],
        ["network:Subnet", "subnetName", 1, 80],
        ["network:NetworkSecurityGroup", "networkSecurityGroupName", 1, 80],
        ["network:NatGateway", "natGatewayName", 1, 80],
        ["network:PublicIPAddress", "publicIpAddressName", 1, 80],
        ["network:VirtualNetworkGateway", "virtualNetworkGatewayName", 1, 80],
        ["network:LocalNetworkGateway", "localNetworkGatewayName", 1, 80],
        ["network:NetworkInterface", "networkInterfaceName", 1, 80],
        ["network:LoadBalancer", "loadBalancerName", 1, 80],
        ["compute:AvailabilitySet", "availabilitySetName", 1, 80],
        ["privatedns:VirtualNetworkLink", "virtualNetworkLinkName", 1, 80],
        ["compute:VirtualMachine", "vmName", 1, 64],
        ["dbforpostgresql:Server", "serverName", 3, 63],
        ["dbforpostgresql:FirewallRule", "firewallRuleName", 1, 80],
        ["dbforpostgresql:Database", "databaseName", 1, 63],
        ["authorization:ManagementLockByScope", "lockName", 1, 90],
    ];

    for (const [type, field, min, max] of LIMITS) {
        it(`${field}: ${min}-${max} characters`, () => {
            const named = (name: unknown) => said("resource-names", resource(type, "x", { [field]: name }));
            assert.deepEqual(named(a(min)), []);
            assert.deepEqual(named(a(max)), []);
            // Some patterns limit the length too (a second message); the length is said first.
            assert.equal(named(a(max + 1))[0], `${field} "${a(max + 1)}" is ${max + 1} characters; Azure allows ${min}-${max}`);
            if (min > 1) {
                assert.deepEqual(named(a(min - 1)), [`${field} "${a(min - 1)}" is ${min - 1} characters; Azure allows ${min}-${max}`]);
            }
            assert.equal(named("").length, 2, "an empty name is too short and breaks the pattern");
            assert.deepEqual(named(undefined), [], "a name not known yet (preview) is not judged");
            assert.deepEqual(named(42), []);
        });
    }

    const characters = (type: string, field: string, good: string[], bad: string[], rule: string) => {
        it(`${field}: ${rule}`, () => {
            for (const name of good) {
                assert.deepEqual(said("resource-names", resource(type, "x", { [field]: name })), [], name);
            }
            for (const name of bad) {
                assert.deepEqual(said("resource-names", resource(type, "x", { [field]: name })), [`${field} ${JSON.stringify(name)} breaks Azure's naming rule: ${rule}`], name);
            }
        });
    };
    const NETWORK = "letters, digits, _ . -, starting with a letter or digit and ending with a letter, digit or _";
    characters("resources:ResourceGroup", "resourceGroupName", ["rg-x", "rg_x", "rg.x(1)", "(rg)", "a", "-"], ["rg-x.", "rg x", "rg/x", "rg:x"], "letters, digits, _ . - ( ), not ending with .");
    characters("network:VirtualNetwork", "virtualNetworkName", ["vnet-x", "v_", "Vnet.1_a", "1v"], ["-vnet", "_vnet", ".vnet", "vnet.", "vnet-", "vnet x", "vnet/x"], NETWORK);
    characters("network:Subnet", "subnetName", ["GatewaySubnet", "a", "9"], ["a-", "a b"], NETWORK);
    characters("network:NetworkSecurityGroup", "networkSecurityGroupName", ["nsg-x_proxy"], ["nsg-x."], NETWORK);
    characters("network:NatGateway", "natGatewayName", ["ng-x"], ["ng x"], NETWORK);
    characters("network:PublicIPAddress", "publicIpAddressName", ["pip-x-vgw"], ["pip-x-"], NETWORK);
    characters("network:VirtualNetworkGateway", "virtualNetworkGatewayName", ["vgw-x"], ["-vgw"], NETWORK);
    characters("network:LocalNetworkGateway", "localNetworkGatewayName", ["lgw-x"], ["lgw x"], NETWORK);
    characters("network:NetworkInterface", "networkInterfaceName", ["nic-x"], ["nic-x."], NETWORK);
    characters("network:LoadBalancer", "loadBalancerName", ["lbi-x-proxy"], ["lbi-x-"], NETWORK);
    characters("compute:AvailabilitySet", "availabilitySetName", ["avail-x_proxy"], ["avail x"], NETWORK);
    characters("privatedns:VirtualNetworkLink", "virtualNetworkLinkName", ["vnetlink-x"], ["vnetlink-x-"], NETWORK);
    characters("compute:VirtualMachine", "vmName", ["vm-x-proxy", "vm.x", "1", "a1"], ["vm-x-", "vm-x.", "-vm", ".vm", "vm_x", "vm x"], "letters, digits, . and -, not starting with _ nor ending with . or -");
    characters("dbforpostgresql:Server", "serverName", ["psql-x-1a2b3c", "abc", "a-b-c", "123"], ["Psql-x", "psql--x", "-psql", "psql-", "psql_x", "psql.x", "psql x"], "lowercase letters, digits and single hyphens, not at either end");
    characters("dbforpostgresql:FirewallRule", "firewallRuleName", ["allow-203_0_113_7-32", "a_", "A1"], ["allow-203.0.113.7", "allow-", "allow x"], "letters, digits, - and _ (no periods), not ending with -");
    characters("dbforpostgresql:Database", "databaseName", ["app", "_app", "App-1", "a_b"], ["1app", "-app", "app.x", "app x"], "letters, digits, _ and -, starting with a letter or _");
    characters("authorization:ManagementLockByScope", "lockName", ["lock-x", "lock x1", "lock.x1", "a"], ["a:b", "a<b", "a>b", "a*b", "a%b", "a&b", "a\\b", "a?b", "a+b", "a/b", "lock.", "lock ", "."], "no < > * % & : \\ ? + /, not ending with . or a space");

    const vm = (osProfile: Inputs, osDiskName?: string) =>
        said("resource-names", resource("compute:VirtualMachine", "vm", { osProfile, storageProfile: { osDisk: { name: osDiskName } } }));

    it("checks the VM's computer name: 1-64 characters, a host name that is not all digits", () => {
        assert.deepEqual(vm({ computerName: "vm-x-proxy" }), []);
        assert.deepEqual(vm({ computerName: a(64) }), []);
        assert.deepEqual(vm({ computerName: "1a" }), []);
        assert.deepEqual(vm({ computerName: "a" }), []);
        assert.deepEqual(vm({ computerName: a(65) }), [`osProfile.computerName "${a(65)}" is 65 characters; Azure allows 1-64`]);
        for (const bad of ["12345", "vm.x", "vm_x", "-vm", "vm-", "vm x"]) {
            assert.deepEqual(vm({ computerName: bad }), [`osProfile.computerName ${JSON.stringify(bad)} breaks Azure's naming rule: a host name: letters, digits and -, not only digits`], bad);
        }
        assert.deepEqual(vm({}), []);
    });

    it("checks the VM's OS disk name: 1-80 characters, network naming", () => {
        assert.deepEqual(vm({}, "osdisk-vm-x"), []);
        assert.deepEqual(vm({}, a(80)), []);
        assert.deepEqual(vm({}, a(81)), [`storageProfile.osDisk.name "${a(81)}" is 81 characters; Azure allows 1-80`]);
        assert.deepEqual(vm({}, "disk-"), [`storageProfile.osDisk.name "disk-" breaks Azure's naming rule: ${NETWORK}`]);
        assert.deepEqual(said("resource-names", resource("compute:VirtualMachine", "vm", {})), [], "no OS profile or storage profile: nothing to judge");
    });

    it("checks the computer name and the disk name of VMs only", () => {
        const inputs = { osProfile: { computerName: "12345" }, storageProfile: { osDisk: { name: a(81) } } };
        assert.deepEqual(said("resource-names", resource("network:NetworkInterface", "nic", inputs)), []);
    });

    it("checks the private DNS zone: labels of 1-63 letters, digits and hyphens, 253 characters at most", () => {
        const zone = (privateZoneName: unknown) => said("resource-names", resource("privatedns:PrivateZone", "zone", { privateZoneName }));
        const bad = (name: string) => [`privateZoneName ${JSON.stringify(name)} is not a DNS name of labels of 1-63 letters, digits and hyphens (253 at most)`];
        assert.deepEqual(zone("securepg-dev.private.postgres.database.azure.com"), []);
        assert.deepEqual(zone("a.b"), []);
        assert.deepEqual(zone(`${a(63)}.com`), []);
        assert.deepEqual(zone("A1-b.c9"), []);
        const longest = [a(63), a(63), a(63), a(61)].join(".");
        assert.equal(longest.length, 253);
        assert.deepEqual(zone(longest), []);
        assert.deepEqual(zone(`${longest}a`), bad(`${longest}a`));
        for (const name of ["local", `${a(64)}.com`, "a..b", ".a.b", "a.b.", "-a.b", "a-.b", "a_b.c", "a b.c"]) {
            assert.deepEqual(zone(name), bad(name), name);
        }
        assert.deepEqual(zone(undefined), []);
        const link = resource("privatedns:VirtualNetworkLink", "link", { virtualNetworkLinkName: "link-x", privateZoneName: "a..b" });
        assert.deepEqual(said("resource-names", link), [], "the zone's name is judged on the zone, not on its links");
    });
});

describe("NSG rules", () => {
    const rule = (extra: Inputs = {}): Inputs => ({
        name: "AllowVpnClientsToProxy", priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp",
        sourceAddressPrefix: "172.16.201.0/24", destinationAddressPrefix: "*", sourcePortRange: "*", destinationPortRange: "5432", ...extra,
    });
    const nsg = (...securityRules: Inputs[]) => resource("network:NetworkSecurityGroup", "nsg", { networkSecurityGroupName: "nsg-x", securityRules });
    const standalone = (inputs: Inputs) => resource("network:SecurityRule", "rule", inputs);
    const forms = (...rules: Inputs[]) => said("nsg-rule-field-forms", nsg(...rules));
    const limits = (...rules: Inputs[]) => said("nsg-rule-limits", nsg(...rules));

    const PAIRS = [
        ["sourceAddressPrefix", "sourceAddressPrefixes", ["10.0.0.0/24"]],
        ["destinationAddressPrefix", "destinationAddressPrefixes", ["10.0.1.0/24"]],
        ["sourcePortRange", "sourcePortRanges", ["1024-65535"]],
        ["destinationPortRange", "destinationPortRanges", ["5432"]],
    ] as const;

    it("accepts a rule that sets each field in one form", () => {
        assert.deepEqual(forms(rule()), []);
        const plural = rule({ sourceAddressPrefix: undefined, sourceAddressPrefixes: ["10.0.0.0/24", "10.0.1.0/24"], destinationPortRange: undefined, destinationPortRanges: ["5432", "6432"] });
        assert.deepEqual(forms(plural), []);
    });

    for (const [singular, plural, values] of PAIRS) {
        it(`${singular} / ${plural}`, () => {
            assert.deepEqual(forms(rule({ [plural]: values })), [`security rule AllowVpnClientsToProxy sets both ${singular} and ${plural}; Azure takes one or the other`]);
            assert.deepEqual(forms(rule({ [singular]: undefined })), [`security rule AllowVpnClientsToProxy sets neither ${singular} nor ${plural}`]);
            assert.deepEqual(forms(rule({ [singular]: undefined, [plural]: values })), []);
            assert.deepEqual(forms(rule({ [plural]: [] })), [], "an empty list beside the singular form is no second form");
            assert.deepEqual(forms(rule({ [singular]: "", [plural]: values })), [], "an empty string beside the list is no second form");
            assert.deepEqual(forms(rule({ [singular]: "" })), [], "an empty string is set, if empty");
            const star = [`security rule AllowVpnClientsToProxy lists "*" in ${plural}; Azure accepts "*" only in ${singular} (SecurityRuleInvalidPortRange / invalid prefix)`];
            assert.deepEqual(forms(rule({ [singular]: undefined, [plural]: ["*"] })), star);
            assert.deepEqual(forms(rule({ [singular]: undefined, [plural]: [...values, "*"] })), star);
        });
    }

    it("skips an NSG's rules not known yet, but not a standalone rule", () => {
        assert.deepEqual(forms({ destinationPortRange: "*", destinationPortRanges: ["*"] }), []);
        assert.deepEqual(said("nsg-rule-field-forms", standalone({ ...rule(), name: undefined, destinationPortRanges: ["5432"] })), ["security rule (unnamed) sets both destinationPortRange and destinationPortRanges; Azure takes one or the other"]);
        assert.deepEqual(said("nsg-rule-field-forms", standalone(rule({ destinationPortRanges: ["5432"] }))), ["security rule AllowVpnClientsToProxy sets both destinationPortRange and destinationPortRanges; Azure takes one or the other"]);
        assert.deepEqual(said("nsg-rule-field-forms", resource("network:NetworkSecurityGroup", "nsg", { securityRules: "not a list" })), []);
        assert.deepEqual(said("nsg-rule-field-forms", resource("network:NetworkSecurityGroup", "nsg", {})), []);
    });

    it("checks every rule of the NSG", () => {
        assert.deepEqual(forms(rule({ name: "A", priority: 100 }), rule({ name: "B", priority: 110, sourcePortRanges: ["1"] }), rule({ name: "C", priority: 120, destinationAddressPrefixes: ["*"] })), [
            "security rule B sets both sourcePortRange and sourcePortRanges; Azure takes one or the other",
            "security rule C sets both destinationAddressPrefix and destinationAddressPrefixes; Azure takes one or the other",
            `security rule C lists "*" in destinationAddressPrefixes; Azure accepts "*" only in destinationAddressPrefix (SecurityRuleInvalidPortRange / invalid prefix)`,
        ]);
    });

    it("allows priorities 100-4096, whole numbers only", () => {
        for (const priority of [100, 101, 4095, 4096]) {
            assert.deepEqual(limits(rule({ priority })), [], String(priority));
        }
        for (const priority of [99, 4097, 0, -1, 100.5]) {
            assert.deepEqual(limits(rule({ priority })), [`security rule AllowVpnClientsToProxy has priority ${priority}; Azure allows 100-4096`], String(priority));
        }
        assert.deepEqual(limits(rule({ priority: undefined })), []);
        assert.deepEqual(limits(rule({ priority: "4097" })), [], "a value not known as a number is not judged");
    });

    it("wants priorities unique per direction", () => {
        assert.deepEqual(limits(rule({ name: "A" }), rule({ name: "B" })), ["security rules A and B share Inbound priority 100; Azure requires unique priorities per direction"]);
        assert.deepEqual(limits(rule({ name: "A" }), rule({ name: "B", direction: "Outbound" })), []);
        assert.deepEqual(limits(rule({ name: "A" }), rule({ name: "B", priority: 101 })), []);
        assert.deepEqual(limits(rule({ name: "A" }), rule({ name: "B" }), rule({ name: "C" })), [
            "security rules A and B share Inbound priority 100; Azure requires unique priorities per direction",
            "security rules B and C share Inbound priority 100; Azure requires unique priorities per direction",
        ]);
        assert.deepEqual(limits(rule({ name: "A", direction: undefined }), rule({ name: "B", direction: undefined })), [], "a direction not known yet");
        assert.deepEqual(limits(rule({ name: "A", priority: undefined }), rule({ name: "B", priority: undefined })), [], "a priority not known yet");
    });

    it("allows names of up to 80 word characters, . and -, starting and ending with a word character", () => {
        const bad = (name: string) => [`security rule name ${JSON.stringify(name)}: Azure allows up to 80 word characters, . and -, starting and ending with a word character`];
        for (const name of ["A", "Allow_Vpn-1.x", a(80), "_a_"]) {
            assert.deepEqual(limits(rule({ name })), [], name);
        }
        for (const name of [a(81), "-a", "a-", "a.", ".a", "a b", "a/b"]) {
            assert.deepEqual(limits(rule({ name })), bad(name), name);
        }
    });

    it("allows descriptions of up to 140 characters", () => {
        assert.deepEqual(limits(rule({ description: a(140) })), []);
        assert.deepEqual(limits(rule({ description: a(141) })), ["security rule AllowVpnClientsToProxy has a description of 141 characters; Azure allows 140"]);
        assert.deepEqual(limits(rule({ description: undefined })), []);
    });

    it("checks a standalone rule's limits, named or not", () => {
        assert.deepEqual(said("nsg-rule-limits", standalone(rule({ priority: 99 }))), ["security rule AllowVpnClientsToProxy has priority 99; Azure allows 100-4096"]);
        assert.deepEqual(said("nsg-rule-limits", standalone({ ...rule({ priority: 4097 }), name: undefined })), ["security rule (unnamed) has priority 4097; Azure allows 100-4096"]);
    });
});

describe("zones-need-a-zonal-region", () => {
    const zones = (...resources: RequestResource[]) => said("zones-need-a-zonal-region", ...resources);
    const ip = (name: string, inputs: Inputs) => resource("network:PublicIPAddress", name, { publicIpAddressName: name, sku: { name: "Standard" }, publicIPAllocationMethod: "Static", ...inputs });

    it("refuses zones where the region has none, wherever the location comes from", () => {
        const message = `zones ["1","2","3"] in ukwest, a region without availability zones (LocationNotSupportAvailabilityZones)`;
        assert.deepEqual(zones(ip("pip", { location: "ukwest", zones: ["1", "2", "3"] })), [message]);
        assert.deepEqual(zones(resourceGroup("ukwest"), ip("pip", { zones: ["1", "2", "3"] })), [message], "a resource without a location is where its resource group is");
        assert.deepEqual(zones(resourceGroup("ukwest"), ip("pip", { location: "global", zones: ["1", "2", "3"] })), [message], "global is no region");
        assert.deepEqual(zones(resourceGroup("ukwest"), ip("pip", { location: "Global", zones: ["1", "2", "3"] })), [message]);
        assert.deepEqual(zones(resourceGroup("ukwest"), ip("pip", { location: "westeurope", zones: ["1", "2", "3"] })), [], "its own location wins");
        assert.deepEqual(zones(resourceGroup("westeurope"), ip("pip", { zones: ["1", "2", "3"] })), []);
        assert.deepEqual(zones(ip("pip", { location: "ukwest", zones: [] })), []);
        assert.deepEqual(zones(ip("pip", { location: "ukwest" })), []);
        assert.deepEqual(zones(ip("pip", { zones: ["1"] })), [], "no location known: nothing to judge");
        const vnet = resource("network:VirtualNetwork", "vnet", { virtualNetworkName: "vnet-x", location: "westeurope" });
        assert.deepEqual(zones(vnet, resourceGroup("ukwest"), ip("pip", { zones: ["1", "2", "3"] })), [message], "the resource group's location, not another resource's");
    });

    it("treats a region it does not know as one without zones", () => {
        assert.deepEqual(zones(ip("pip", { location: "marsnorth", zones: ["1"] })), [`zones ["1"] in marsnorth, a region without availability zones (LocationNotSupportAvailabilityZones)`]);
    });

    const server = (location: string, inputs: Inputs) => resource("dbforpostgresql:Server", "server", { serverName: "psql-x", location, ...inputs });

    it("refuses zone-redundant HA where Flexible Server offers only same-zone HA", () => {
        assert.deepEqual(zones(server("ukwest", { highAvailability: { mode: "ZoneRedundant" } })), ["highAvailability.mode ZoneRedundant in ukwest, where Flexible Server offers only SameZone HA"]);
        assert.deepEqual(zones(server("japanwest", { highAvailability: { mode: "ZoneRedundant" } })), ["highAvailability.mode ZoneRedundant in japanwest, where Flexible Server offers only SameZone HA"]);
        assert.deepEqual(zones(server("westeurope", { highAvailability: { mode: "ZoneRedundant" } })), []);
        assert.deepEqual(zones(server("ukwest", { highAvailability: { mode: "SameZone" } })), []);
        assert.deepEqual(zones(server("japanwest", { highAvailability: { mode: "SameZone" } })), []);
    });

    it("refuses a server zone where the region has none", () => {
        assert.deepEqual(zones(server("ukwest", { availabilityZone: "1" })), ["availabilityZone 1 in ukwest, a region without availability zones"]);
        assert.deepEqual(zones(server("ukwest", { availabilityZone: "" })), []);
        assert.deepEqual(zones(server("westeurope", { availabilityZone: "1" })), []);
        assert.deepEqual(zones(resource("network:PublicIPAddress", "pip", { location: "ukwest", availabilityZone: "1", highAvailability: { mode: "ZoneRedundant" } })), [], "a server's settings, on servers only");
    });

    const gateway = (sku: string, ...ips: string[]) => resource("network:VirtualNetworkGateway", "vgw", {
        virtualNetworkGatewayName: "vgw-x", sku: { name: sku, tier: sku },
        ipConfigurations: ips.map((name) => ({ name, publicIPAddress: { id: `/subscriptions/s/publicIPAddresses/${name}` }, subnet: { id: "/subnets/GatewaySubnet" } })),
    });

    it("wants zone-redundant public IPs for an AZ gateway in a region with zones", () => {
        const message = (name: string) => `public IP ${name} has no zones; an AZ gateway SKU in a region with zones needs zone-redundant IPs (VmssVpnGatewayPublicIpsMustHaveZonesConfigured)`;
        assert.deepEqual(zones(resourceGroup(), gateway("VpnGw1AZ", "pip-a"), ip("pip-a", {})), [message("pip-a")]);
        assert.deepEqual(zones(resourceGroup(), gateway("VpnGw1AZ", "pip-a", "pip-b"), ip("pip-a", { zones: ["1", "2", "3"] }), ip("pip-b", { zones: [] })), [message("pip-b")]);
        assert.deepEqual(zones(resourceGroup(), gateway("VpnGw1AZ", "pip-a"), ip("pip-a", { zones: ["1", "2", "3"] })), []);
        assert.deepEqual(zones(resourceGroup(), gateway("VpnGw1", "pip-a"), ip("pip-a", {})), [], "a non-AZ SKU");
        assert.deepEqual(zones(resourceGroup(), gateway("VpnGw1AZX", "pip-a"), ip("pip-a", {})), [], "AZ at the end of the SKU name only");
        assert.deepEqual(zones(resourceGroup("ukwest"), gateway("VpnGw1AZ", "pip-a"), ip("pip-a", {})), [], "a region without zones");
        assert.deepEqual(zones(resourceGroup(), gateway("VpnGw1AZ", "pip-elsewhere"), ip("pip-a", {})), [], "an IP the deployment does not register");
        const noIpReference = resource("network:VirtualNetworkGateway", "vgw", { virtualNetworkGatewayName: "vgw-x", sku: { name: "VpnGw1AZ" }, ipConfigurations: [{ name: "default" }] });
        const unnamedIp = resource("network:PublicIPAddress", "pip", { sku: { name: "Standard" } });
        assert.deepEqual(zones(resourceGroup(), noIpReference, unnamedIp), [], "a configuration without an IP reference refers to no IP, not to one without a name");
        const noSku = resource("network:VirtualNetworkGateway", "vgw", { virtualNetworkGatewayName: "vgw-x", ipConfigurations: [{ name: "default", publicIPAddress: { id: "/x/pip-a" } }] });
        assert.deepEqual(zones(resourceGroup(), noSku, ip("pip-a", {})), [], "a SKU not known yet");
        const nic = resource("network:NetworkInterface", "nic", { networkInterfaceName: "nic-x", ipConfigurations: [{ name: "primary", publicIPAddress: { id: "/x/pip-a" } }] });
        assert.deepEqual(zones(resourceGroup(), nic, ip("pip-a", {})), [], "the gateway's rule, on gateways only");
    });
});

describe("vpn-gateway-request", () => {
    const ips = [resource("network:PublicIPAddress", "pip", { publicIpAddressName: "pip-a", sku: { name: "Standard" }, publicIPAllocationMethod: "Static", zones: ["1", "2", "3"] })];
    const config = (n = 1, subnet = "GatewaySubnet") => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, publicIPAddress: { id: "/publicIPAddresses/pip-a" }, subnet: { id: `/virtualNetworks/v/subnets/${subnet}` } }));
    const gw = (inputs: Inputs, others: RequestResource[] = ips) => said("vpn-gateway-request", resource("network:VirtualNetworkGateway", "vgw", {
        virtualNetworkGatewayName: "vgw-x", sku: { name: "VpnGw1AZ", tier: "VpnGw1AZ" }, vpnGatewayGeneration: "Generation1", ipConfigurations: config(), ...inputs,
    }), ...others);

    it("accepts a zonal SKU its generation offers", () => {
        assert.deepEqual(gw({}), []);
        for (const sku of ["VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ"]) {
            assert.deepEqual(gw({ sku: { name: sku, tier: sku }, vpnGatewayGeneration: "Generation2" }), [], sku);
        }
        assert.deepEqual(gw({ vpnGatewayGeneration: undefined }), []);
        assert.deepEqual(gw({ vpnGatewayGeneration: "Generation9" }), [], "a generation it does not know");
    });

    it("wants the tier to be the SKU name", () => {
        assert.deepEqual(gw({ sku: { name: "VpnGw1AZ", tier: "VpnGw2AZ" } }), ["sku.tier VpnGw2AZ differs from sku.name VpnGw1AZ; a VPN gateway's tier is its SKU name"]);
        assert.deepEqual(gw({ sku: { name: "VpnGw1AZ" } }), []);
        assert.deepEqual(gw({ sku: { tier: "VpnGw2AZ" } }), []);
    });

    it("refuses Basic and the non-zonal SKUs", () => {
        assert.deepEqual(gw({ sku: { name: "Basic", tier: "Basic" }, vpnGatewayGeneration: undefined }), ["the Basic SKU has no OpenVPN, IKEv2 or Entra ID and needs a retired Basic public IP"]);
        for (const n of [1, 2, 3, 4, 5]) {
            assert.deepEqual(gw({ sku: { name: `VpnGw${n}`, tier: `VpnGw${n}` }, vpnGatewayGeneration: undefined }), [`VpnGw${n} is a non-zonal SKU Azure no longer creates; use VpnGw${n}AZ`]);
        }
        assert.deepEqual(gw({ sku: { name: "VpnGw6", tier: "VpnGw6" }, vpnGatewayGeneration: undefined }), []);
        assert.deepEqual(gw({ sku: { name: "XVpnGw1", tier: "XVpnGw1" }, vpnGatewayGeneration: undefined }), []);
    });

    it("wants a SKU the generation offers", () => {
        assert.deepEqual(gw({ sku: { name: "VpnGw4AZ", tier: "VpnGw4AZ" } }), ["VpnGw4AZ is not offered in Generation1 (offered: VpnGw1AZ, VpnGw2AZ, VpnGw3AZ)"]);
        assert.deepEqual(gw({ vpnGatewayGeneration: "Generation2" }), ["VpnGw1AZ is not offered in Generation2 (offered: VpnGw2AZ, VpnGw3AZ, VpnGw4AZ, VpnGw5AZ)"]);
    });

    it("wants one IP configuration, two when active-active", () => {
        assert.deepEqual(gw({ activeActive: true }), ["1 IP configuration(s); an active-active gateway needs 2"]);
        assert.deepEqual(gw({ activeActive: true, ipConfigurations: config(2) }), []);
        assert.deepEqual(gw({ ipConfigurations: [] }), ["0 IP configuration(s); a gateway needs 1"]);
        assert.deepEqual(gw({ activeActive: false, ipConfigurations: config(2) }), []);
        assert.deepEqual(gw({ ipConfigurations: undefined }), [], "not known yet");
    });

    it("wants the gateway in GatewaySubnet", () => {
        assert.deepEqual(gw({ ipConfigurations: config(1, "snet-x") }), ["ipConfigurations use subnet snet-x; a gateway must sit in the subnet named exactly GatewaySubnet"]);
        assert.deepEqual(gw({ ipConfigurations: config(1, "gatewaysubnet") }), ["ipConfigurations use subnet gatewaysubnet; a gateway must sit in the subnet named exactly GatewaySubnet"]);
        assert.deepEqual(gw({ ipConfigurations: [{ publicIPAddress: { id: "/publicIPAddresses/pip-a" } }] }), [], "a subnet not known yet");
    });

    it("wants Standard, static public IPs", () => {
        const withIp = (inputs: Inputs) => gw({}, [resource("network:PublicIPAddress", "pip", { publicIpAddressName: "pip-a", zones: ["1", "2", "3"], ...inputs })]);
        const message = "public IP pip-a must be Standard and Static for a VPN gateway (Basic IPs are retired)";
        assert.deepEqual(withIp({ sku: { name: "Standard" }, publicIPAllocationMethod: "Static" }), []);
        assert.deepEqual(withIp({ sku: { name: "Basic" }, publicIPAllocationMethod: "Static" }), [message]);
        assert.deepEqual(withIp({ sku: { name: "Standard" }, publicIPAllocationMethod: "Dynamic" }), [message]);
        assert.deepEqual(withIp({ sku: { name: "Standard" } }), [message]);
        assert.deepEqual(gw({}, []), [], "an IP the deployment does not register");
    });

    it("allows Entra ID with OpenVPN only", () => {
        const client = (vpnAuthenticationTypes: string[], vpnClientProtocols: string[]) => gw({ vpnClientConfiguration: { vpnAuthenticationTypes, vpnClientProtocols } });
        assert.deepEqual(client(["AAD"], ["OpenVPN"]), []);
        assert.deepEqual(client(["AAD", "Certificate"], ["OpenVPN"]), []);
        assert.deepEqual(client(["AAD"], ["OpenVPN", "IkeV2"]), ["Entra ID (AAD) authentication works with OpenVPN only, not IkeV2"]);
        assert.deepEqual(client(["AAD"], ["IkeV2", "SSTP"]), ["Entra ID (AAD) authentication works with OpenVPN only, not IkeV2, SSTP"]);
        assert.deepEqual(client(["Certificate"], ["IkeV2", "OpenVPN"]), []);
    });

    it("wants a client pool of /29 or larger", () => {
        const pool = (...addressPrefixes: unknown[]) => gw({ vpnClientConfiguration: { vpnClientAddressPool: { addressPrefixes } } });
        assert.deepEqual(pool("172.16.201.0/24", "172.16.202.0/29"), []);
        assert.deepEqual(pool("172.16.201.0/30"), ["client address pool 172.16.201.0/30 is smaller than the /29 Azure requires"]);
        assert.deepEqual(pool("172.16.201.0/24", "172.16.202.0/32"), ["client address pool 172.16.202.0/32 is smaller than the /29 Azure requires"]);
        assert.deepEqual(pool("172.16.201.0", 30), [], "not a prefix it can read");
    });
});

describe("postgres-server-request", () => {
    const server = (inputs: Inputs, ...others: RequestResource[]) => said("postgres-server-request", resource("dbforpostgresql:Server", "server", {
        serverName: "psql-x", version: "17", sku: { name: "Standard_B1ms", tier: "Burstable" }, storage: { storageSizeGB: 32 }, backup: { backupRetentionDays: 7 }, administratorLogin: "psqladmin", ...inputs,
    }), ...others);

    it("accepts a server Azure offers", () => {
        assert.deepEqual(server({}), []);
    });

    it("offers the listed storage sizes only", () => {
        for (const storageSizeGB of FLEXIBLE_SERVER_STORAGE_SIZES_GB) {
            assert.deepEqual(server({ storage: { storageSizeGB } }), [], String(storageSizeGB));
        }
        assert.deepEqual(FLEXIBLE_SERVER_STORAGE_SIZES_GB, [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767]);
        assert.deepEqual(server({ storage: { storageSizeGB: 48 } }), ["storage.storageSizeGB 48 is not a size Flexible Server offers (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767)"]);
        assert.deepEqual(server({ storage: { storageSizeGB: 32768 } }).length, 1);
        assert.deepEqual(server({ storage: {} }), []);
    });

    it("offers PostgreSQL 11-18", () => {
        for (const version of ["11", "12", "13", "14", "15", "16", "17", "18"]) {
            assert.deepEqual(server({ version }), [], version);
        }
        assert.deepEqual(server({ version: "10" }), ["version 10 is not offered (11, 12, 13, 14, 15, 16, 17, 18)"]);
        assert.deepEqual(server({ version: "19" }).length, 1);
        assert.deepEqual(server({ version: undefined }), []);
    });

    it("wants a compute size of the tier", () => {
        const sku = (tier: string, name: string) => server({ sku: { name, tier }, highAvailability: { mode: "Disabled" } });
        assert.deepEqual(sku("Burstable", "Standard_B2s"), []);
        assert.deepEqual(sku("GeneralPurpose", "Standard_D2ds_v5"), []);
        assert.deepEqual(sku("MemoryOptimized", "Standard_E2ds_v5"), []);
        assert.deepEqual(sku("Burstable", "Standard_D2ds_v5"), ["sku Standard_D2ds_v5 is not in tier Burstable"]);
        assert.deepEqual(sku("GeneralPurpose", "Standard_E2ds_v5"), ["sku Standard_E2ds_v5 is not in tier GeneralPurpose"]);
        assert.deepEqual(sku("MemoryOptimized", "Standard_D2ds_v5"), ["sku Standard_D2ds_v5 is not in tier MemoryOptimized"]);
        assert.deepEqual(sku("Burstable", "X_Standard_B2s"), ["sku X_Standard_B2s is not in tier Burstable"]);
        assert.deepEqual(sku("GeneralPurpose", "X_Standard_D2ds_v5"), ["sku X_Standard_D2ds_v5 is not in tier GeneralPurpose"]);
        assert.deepEqual(sku("MemoryOptimized", "X_Standard_E2ds_v5"), ["sku X_Standard_E2ds_v5 is not in tier MemoryOptimized"]);
        assert.deepEqual(sku("Premium", "Standard_D2ds_v5"), [], "a tier it does not know");
    });

    it("offers no HA on Burstable", () => {
        assert.deepEqual(server({ highAvailability: { mode: "SameZone" } }), ["highAvailability SameZone is not available on the Burstable tier"]);
        assert.deepEqual(server({ highAvailability: { mode: "ZoneRedundant" } }), ["highAvailability ZoneRedundant is not available on the Burstable tier"]);
        assert.deepEqual(server({ highAvailability: { mode: "Disabled" } }), []);
        assert.deepEqual(server({ highAvailability: {} }), []);
        assert.deepEqual(server({ sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" }, highAvailability: { mode: "ZoneRedundant" } }), []);
    });

    it("keeps backups 7-35 days", () => {
        for (const backupRetentionDays of [7, 35]) {
            assert.deepEqual(server({ backup: { backupRetentionDays } }), []);
        }
        assert.deepEqual(server({ backup: { backupRetentionDays: 6 } }), ["backup.backupRetentionDays 6: Azure allows 7-35"]);
        assert.deepEqual(server({ backup: { backupRetentionDays: 36 } }), ["backup.backupRetentionDays 36: Azure allows 7-35"]);
    });

    it("refuses reserved admin logins, whatever their case, and pg_ ones", () => {
        assert.deepEqual([...RESERVED_ADMIN_LOGINS], ["azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public"]);
        for (const login of [...RESERVED_ADMIN_LOGINS, "Admin", "ROOT", "pg_owner", "PG_x"]) {
            assert.deepEqual(server({ administratorLogin: login }), [`administratorLogin ${login} is reserved`], login);
        }
        for (const login of ["psqladmin", "pgadmin", "admins", "xpg_"]) {
            assert.deepEqual(server({ administratorLogin: login }), [], login);
        }
    });

    const zoneId = "/subscriptions/s/privateDnsZones/securepg-x.private.postgres.database.azure.com";
    const zone = (privateZoneName = "securepg-x.private.postgres.database.azure.com") => resource("privatedns:PrivateZone", "zone", { privateZoneName });
    const subnet = (...serviceNames: string[]) => resource("network:Subnet", "db", { subnetName: "snet-x-psql", addressPrefix: "10.40.2.0/28", delegations: serviceNames.map((serviceName) => ({ name: "d", serviceName })) });
    const vnet = (network: Inputs, ...others: RequestResource[]) => server({ network: { delegatedSubnetResourceId: "/subscriptions/s/subnets/snet-x-psql", privateDnsZoneArmResourceId: zoneId, publicNetworkAccess: "Disabled", ...network } }, ...others);

    it("wants a VNet-integrated server's private DNS zone, without public access", () => {
        assert.deepEqual(vnet({}, zone(), subnet("Microsoft.DBforPostgreSQL/flexibleServers")), []);
        assert.deepEqual(vnet({ privateDnsZoneArmResourceId: undefined }), ["a VNet-integrated server needs network.privateDnsZoneArmResourceId when created from IaC"]);
        assert.deepEqual(vnet({ privateDnsZoneArmResourceId: "" }), ["a VNet-integrated server needs network.privateDnsZoneArmResourceId when created from IaC"]);
        assert.deepEqual(vnet({ publicNetworkAccess: "Enabled" }), ["a VNet-integrated server cannot have publicNetworkAccess Enabled"]);
        assert.deepEqual(server({ network: { publicNetworkAccess: "Enabled" } }), [], "a public server");
        assert.deepEqual(server({ network: { delegatedSubnetResourceId: "" } }), [], "no delegated subnet");
    });

    it("wants the zone in postgres.database.azure.com and not named after the server", () => {
        const inZone = (name: string) => vnet({ privateDnsZoneArmResourceId: `/subscriptions/s/privateDnsZones/${name}` }, zone(name));
        assert.deepEqual(inZone("securepg-x.postgres.database.azure.com"), []);
        assert.deepEqual(inZone("securepg-x.example.com"), ["private DNS zone securepg-x.example.com must end in .postgres.database.azure.com"]);
        assert.deepEqual(inZone("notpostgres.database.azure.com"), ["private DNS zone notpostgres.database.azure.com must end in .postgres.database.azure.com"]);
        assert.deepEqual(inZone("psql-x.private.postgres.database.azure.com"), ["private DNS zone psql-x.private.postgres.database.azure.com may not be named after the server psql-x"]);
        assert.deepEqual(inZone("psql-xy.private.postgres.database.azure.com"), []);
        assert.deepEqual(inZone("x.psql-x.postgres.database.azure.com"), [], "the server's name as a later label");
        assert.deepEqual(vnet({}, zone("securepg-x.example.com")), [], "the zone the server names is another one");
    });

    it("wants the subnet delegated to Flexible Server alone", () => {
        const message = "subnet snet-x-psql must be delegated to Microsoft.DBforPostgreSQL/flexibleServers and nothing else";
        assert.deepEqual(vnet({}, subnet()), [message]);
        assert.deepEqual(vnet({}, subnet("Microsoft.Web/serverFarms")), [message]);
        assert.deepEqual(vnet({}, subnet("Microsoft.DBforPostgreSQL/flexibleServers", "Microsoft.Web/serverFarms")), [message]);
        assert.deepEqual(vnet({}, subnet("Microsoft.Web/serverFarms", "Microsoft.DBforPostgreSQL/flexibleServers")), [message]);
        assert.deepEqual(vnet({ delegatedSubnetResourceId: "/subnets/snet-other" }, subnet()), [], "a subnet the deployment does not register");
    });
});

describe("subnet-request", () => {
    const subnet = (inputs: Inputs) => said("subnet-request", resource("network:Subnet", "s", { subnetName: "snet-x-psql", addressPrefix: "10.40.2.0/28", ...inputs }));
    const delegated = (...serviceNames: string[]) => serviceNames.map((serviceName) => ({ name: "d", serviceName }));
    const flexible = "Microsoft.DBforPostgreSQL/flexibleServers";

    it("wants a Flexible Server subnet of /28 or larger, delegated to it alone", () => {
        assert.deepEqual(subnet({ delegations: delegated(flexible) }), []);
        assert.deepEqual(subnet({ delegations: delegated(flexible), addressPrefix: "10.40.2.0/24" }), []);
        assert.deepEqual(subnet({ delegations: delegated(flexible), addressPrefix: "10.40.2.0/29" }), ["10.40.2.0/29 is smaller than the /28 a Flexible Server subnet needs"]);
        assert.deepEqual(subnet({ delegations: delegated(flexible), addressPrefix: undefined }), [], "a prefix not known yet");
        assert.deepEqual(subnet({ delegations: delegated(flexible, "Microsoft.Web/serverFarms") }), ["a Flexible Server subnet is delegated to nothing else"]);
        assert.deepEqual(subnet({ addressPrefix: "10.40.2.0/29" }), [], "not delegated: any size");
        assert.deepEqual(subnet({ addressPrefix: "10.40.2.0/29", delegations: delegated("Microsoft.Web/serverFarms", "Microsoft.Sql/managedInstances") }), [], "delegated elsewhere");
    });

    it("wants GatewaySubnet without an NSG and undelegated", () => {
        const gateway = (inputs: Inputs) => subnet({ subnetName: "GatewaySubnet", addressPrefix: "10.40.0.0/27", ...inputs });
        assert.deepEqual(gateway({}), []);
        assert.deepEqual(gateway({ networkSecurityGroup: {} }), []);
        assert.deepEqual(gateway({ networkSecurityGroup: { id: "/nsg" } }), ["GatewaySubnet must not have an NSG (unsupported; it can break the gateway)"]);
        assert.deepEqual(gateway({ networkSecurityGroup: null }), []);
        assert.deepEqual(gateway({ delegations: delegated("Microsoft.Web/serverFarms") }), ["GatewaySubnet must not be delegated"]);
        assert.deepEqual(gateway({ delegations: [] }), []);
        assert.deepEqual(subnet({ networkSecurityGroup: { id: "/nsg" }, delegations: delegated(flexible) }), [], "another subnet may have both");
    });
});

describe("public-ip-request, firewall-rule-request, nat-gateway-request", () => {
    const ip = (inputs: Inputs) => said("public-ip-request", resource("network:PublicIPAddress", "pip", { publicIpAddressName: "pip-x", ...inputs }));

    it("wants Standard, static public IPs", () => {
        assert.deepEqual(ip({ sku: { name: "Standard" }, publicIPAllocationMethod: "Static" }), []);
        assert.deepEqual(ip({ sku: { name: "Standard" }, publicIPAllocationMethod: "Dynamic" }), ["a Standard public IP must be Static"]);
        assert.deepEqual(ip({ sku: { name: "Basic" }, publicIPAllocationMethod: "Static" }), ["Basic public IPs were retired on 2025-09-30"]);
        assert.deepEqual(ip({ sku: { name: "Basic" }, publicIPAllocationMethod: "Dynamic" }), ["Basic public IPs were retired on 2025-09-30"]);
        assert.deepEqual(ip({}), []);
    });

    const rule = (startIpAddress?: string, endIpAddress?: string) => said("firewall-rule-request", resource("dbforpostgresql:FirewallRule", "fw", { firewallRuleName: "allow-x", startIpAddress, endIpAddress }));

    it("wants IPv4 addresses, start not after end", () => {
        assert.deepEqual(rule("203.0.113.7", "203.0.113.7"), []);
        assert.deepEqual(rule("0.0.0.0", "255.255.255.255"), []);
        assert.deepEqual(rule("10.0.0.9", "10.0.0.10"), [], "compared as numbers, not text");
        assert.deepEqual(rule("10.0.0.10", "10.0.0.9"), ["startIpAddress 10.0.0.10 is after endIpAddress 10.0.0.9"]);
        assert.deepEqual(rule("10.0.1.0", "10.0.0.255"), ["startIpAddress 10.0.1.0 is after endIpAddress 10.0.0.255"]);
        assert.deepEqual(rule("203.0.113.256", "203.0.113.7"), ["203.0.113.256 is not an IPv4 address"]);
        assert.deepEqual(rule("1.2.3", "1.2.3.4.5"), ["1.2.3, 1.2.3.4.5 is not an IPv4 address"]);
        assert.deepEqual(rule("x1.2.3.4", "1.2.3.4"), ["x1.2.3.4 is not an IPv4 address"]);
        assert.deepEqual(rule("1.2.3.4", "1.2.3.4x"), ["1.2.3.4x is not an IPv4 address"]);
        assert.deepEqual(rule("1.2.3.4", "::1"), ["::1 is not an IPv4 address"]);
        assert.deepEqual(rule(undefined, "1.2.3.4"), [], "not known yet");
        assert.deepEqual(rule("1.2.3.4", undefined), []);
    });

    const nat = (idleTimeoutInMinutes?: number) => said("nat-gateway-request", resource("network:NatGateway", "ng", { natGatewayName: "ng-x", idleTimeoutInMinutes }));

    it("wants a NAT idle timeout of 4-120 minutes", () => {
        assert.deepEqual(nat(4), []);
        assert.deepEqual(nat(120), []);
        assert.deepEqual(nat(undefined), []);
        assert.deepEqual(nat(3), ["idleTimeoutInMinutes 3: Azure allows 4-120"]);
        assert.deepEqual(nat(121), ["idleTimeoutInMinutes 121: Azure allows 4-120"]);
    });
});

describe("virtual-machine-request", () => {
    const vm = (os: Inputs = {}, linux: Inputs = {}, extra: Inputs = {}) => said("virtual-machine-request", resource("compute:VirtualMachine", "vm", {
        vmName: "vm-x",
        osProfile: {
            adminUsername: "azureuser",
            linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: "/home/azureuser/.ssh/authorized_keys", keyData: "ssh-ed25519 AAAA" }] }, provisionVMAgent: true, patchSettings: { patchMode: "AutomaticByPlatform" }, ...linux },
            ...os,
        },
        storageProfile: { imageReference: { publisher: "Canonical", sku: "server" } },
        securityProfile: { securityType: "TrustedLaunch" },
        ...extra,
    }));

    it("accepts the proxy's shape", () => {
        assert.deepEqual(vm(), []);
    });

    it("allows customData of up to 65535 characters", () => {
        assert.deepEqual(vm({ customData: "A".repeat(65_535) }), []);
        assert.deepEqual(vm({ customData: "A".repeat(65_536) }), ["osProfile.customData is 65536 characters of base64; Azure allows 65535"]);
    });

    it("wants an SSH key when passwords are off, at the admin's authorized_keys", () => {
        assert.deepEqual(vm({}, { ssh: { publicKeys: [] } }), ["password authentication is off but no SSH key is given"]);
        assert.deepEqual(vm({}, { ssh: { publicKeys: [] }, disablePasswordAuthentication: false }), []);
        assert.deepEqual(vm({}, { ssh: {} }), [], "keys not known yet");
        assert.deepEqual(vm({}, { ssh: { publicKeys: [{ path: "/root/.ssh/authorized_keys" }] } }), ["SSH key path /root/.ssh/authorized_keys is not /home/azureuser/.ssh/authorized_keys, the only path Azure accepts"]);
        assert.deepEqual(vm({}, { ssh: { publicKeys: [{ path: "/home/azureuser/.ssh/authorized_keys" }, { path: "/home/other/.ssh/authorized_keys" }] } }), ["SSH key path /home/other/.ssh/authorized_keys is not /home/azureuser/.ssh/authorized_keys, the only path Azure accepts"]);
        assert.deepEqual(vm({}, { ssh: { publicKeys: [{ keyData: "ssh-ed25519 AAAA" }] } }), [], "no path: Azure's default");
        assert.deepEqual(vm({ adminUsername: undefined }, { ssh: { publicKeys: [{ path: "/root/.ssh/authorized_keys" }] } }), [], "no admin known");
    });

    it("wants the VM agent for platform patching", () => {
        assert.deepEqual(vm({}, { provisionVMAgent: false }), ["patchMode AutomaticByPlatform needs provisionVMAgent true"]);
        assert.deepEqual(vm({}, { provisionVMAgent: undefined }), []);
        assert.deepEqual(vm({}, { provisionVMAgent: false, patchSettings: { patchMode: "ImageDefault" } }), []);
    });

    it("wants a Generation 2 image for Trusted Launch", () => {
        const image = (sku: string, securityType = "TrustedLaunch") => vm({}, {}, { storageProfile: { imageReference: { sku } }, securityProfile: { securityType } });
        assert.deepEqual(image("22_04-lts-gen2"), []);
        assert.deepEqual(image("server-gen1"), ["Trusted Launch needs a Generation 2 image; server-gen1 is Generation 1"]);
        assert.deepEqual(image("22_04-LTS-Gen1"), ["Trusted Launch needs a Generation 2 image; 22_04-LTS-Gen1 is Generation 1"]);
        assert.deepEqual(image("server-gen1", "Standard"), []);
        assert.deepEqual(vm({}, {}, { storageProfile: { imageReference: {} }, securityProfile: { securityType: "TrustedLaunch" } }), [], "an image SKU not known yet");
    });
});

describe("tags", () => {
    const tagged = (tags: unknown) => said("tags", resource("network:VirtualNetwork", "vnet", { virtualNetworkName: "vnet-x", tags }));
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "v"]));

    it("allows 50 tags", () => {
        assert.deepEqual(tagged(many(50)), []);
        assert.deepEqual(tagged(many(51)), ["51 tags; Azure allows 50"]);
    });

    it("allows tag names of up to 512 characters without < > % & \\ ? /", () => {
        assert.deepEqual(tagged({ [a(512)]: "v", "env:dev_1.x-y (z)": "v" }), []);
        for (const name of [a(513), "a<b", "a>b", "a%b", "a&b", "a\\b", "a?b", "a/b"]) {
            assert.deepEqual(tagged({ [name]: "v" }), [`tag name ${JSON.stringify(name)}: at most 512 characters, none of < > % & \\ ? /`], name);
        }
    });

    it("allows values of up to 256 characters", () => {
        assert.deepEqual(tagged({ note: a(256) }), []);
        assert.deepEqual(tagged({ note: a(257) }), ["tag note has a value of 257 characters; Azure allows 256"]);
        assert.deepEqual(tagged({ note: 257 }), [], "a value not known as text");
    });

    it("reads a tag map only", () => {
        for (const tags of [undefined, null, "a/b", ["a/b"]]) {
            assert.deepEqual(tagged(tags), []);
        }
    });
});

describe("replacement-deletes-first", () => {
    const message = (field: string) => `has a fixed name (${field}) but no deleteBeforeReplace: a replacement would create the new resource first, under the same name, and azure-native refuses to create a resource that exists`;
    const replaced = (type: string, inputs: Inputs, deleteBeforeReplace?: boolean) => said("replacement-deletes-first", resource(type, "x", inputs, deleteBeforeReplace));

    it("wants every resource with a fixed name replaced delete-first", () => {
        assert.deepEqual(replaced("compute:VirtualMachine", { vmName: "vm-x" }, false), [message("vmName")]);
        assert.deepEqual(replaced("dbforpostgresql:Server", { serverName: "psql-x" }, false), [message("serverName")]);
        assert.deepEqual(replaced("privatedns:PrivateZone", { privateZoneName: "x.postgres.database.azure.com" }, false), [message("privateZoneName")]);
        assert.deepEqual(replaced("authorization:ManagementLockByScope", { lockName: "lock-x" }, false), [message("lockName")]);
        assert.deepEqual(replaced("compute:VirtualMachine", { vmName: "vm-x" }, true), []);
    });

    it("lets Azure-named resources and options not known be", () => {
        assert.deepEqual(replaced("compute:VirtualMachine", { vmName: "vm-x" }), [], "a policy engine that does not say");
        assert.deepEqual(replaced("compute:VirtualMachine", {}, false), [], "a name Pulumi generates");
        assert.deepEqual(replaced("network:SecurityRule", { securityRuleName: "r" }, false), [], "a kind the program does not name");
        assert.deepEqual(replaced("privatedns:PrivateZone", {}, false), []);
    });
});

describe("load-balancer-request", () => {
    const LB = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lbi-x";
    const rule = (inputs: Inputs = {}): Inputs => ({
        name: "tcp-5432", idleTimeoutInMinutes: 30,
        frontendIPConfiguration: { id: `${LB}/frontendIPConfigurations/frontend` },
        backendAddressPool: { id: `${LB}/backendAddressPools/proxies` },
        probe: { id: `${LB}/probes/tcp-5432` },
        ...inputs,
    });
    const lb = (inputs: Inputs = {}) => resource("network:LoadBalancer", "lb", {
        loadBalancerName: "lbi-x", sku: { name: "Standard" },
        frontendIPConfigurations: [{ name: "frontend" }], backendAddressPools: [{ name: "proxies" }],
        probes: [{ name: "tcp-5432", protocol: "Tcp", port: 5432, intervalInSeconds: 5 }],
        loadBalancingRules: [rule()],
        ...inputs,
    });
    const lbSaid = (inputs: Inputs = {}) => said("load-balancer-request", lb(inputs));

    it("accepts the proxy tier's load balancer", () => {
        assert.deepEqual(lbSaid(), []);
        assert.deepEqual(lbSaid({ sku: undefined }), [], "a SKU not known yet");
        assert.deepEqual(lbSaid({ loadBalancingRules: [rule({ probe: { id: `${LB}/PROBES/tcp-5432` } })] }), [], "ARM ids are case-insensitive");
        assert.deepEqual(lbSaid({ loadBalancingRules: [rule({ probe: undefined, backendAddressPool: {} })] }), [], "references not known yet");
        assert.deepEqual(lbSaid({ loadBalancerName: undefined }), [], "any load balancer's parts, when its own name is not known");
    });

    it("wants Standard: Basic is retired", () => {
        assert.deepEqual(lbSaid({ sku: { name: "Basic" } }), ["sku Basic: Basic load balancers were retired on 2025-09-30; use Standard"]);
    });

    it("probes every 5 s at the most", () => {
        const probe = (intervalInSeconds: unknown, name: unknown = "tcp-5432") => lbSaid({ probes: [{ name, intervalInSeconds }] });
        assert.deepEqual(probe(5), []);
        assert.deepEqual(probe(undefined), []);
        assert.deepEqual(probe(4), ["probe tcp-5432 every 4 s; Azure probes every 5 s at the most"]);
        assert.deepEqual(lbSaid({ probes: [{ intervalInSeconds: 1 }], loadBalancingRules: [] }), ["probe (unnamed) every 1 s; Azure probes every 5 s at the most"]);
    });

    it("wants a rule idle timeout of 4-30 minutes", () => {
        // An explicit undefined would take a default parameter's value: the name is given every time.
        const idle = (idleTimeoutInMinutes: unknown, name: unknown) => lbSaid({ loadBalancingRules: [rule({ idleTimeoutInMinutes, name })] });
        assert.deepEqual(idle(4, "tcp-5432"), []);
        assert.deepEqual(idle(30, "tcp-5432"), []);
        assert.deepEqual(idle(undefined, "tcp-5432"), []);
        assert.deepEqual(idle(3, "tcp-5432"), ["rule tcp-5432 has idleTimeoutInMinutes 3; Azure allows 4-30"]);
        assert.deepEqual(idle(31, "tcp-5432"), ["rule tcp-5432 has idleTimeoutInMinutes 31; Azure allows 4-30"]);
        assert.deepEqual(idle(31, undefined), ["rule (unnamed) has idleTimeoutInMinutes 31; Azure allows 4-30"]);
    });

    it("wants a rule's frontend, pool and probe to be this load balancer's own", () => {
        const ref = (field: string, id: string) => lbSaid({ loadBalancingRules: [rule({ [field]: { id } })] });
        assert.deepEqual(ref("probe", `${LB}/probes/tcp-1`), [`rule tcp-5432: probe ${LB}/probes/tcp-1 is not one of this load balancer's probes`]);
        assert.deepEqual(ref("backendAddressPool", `${LB}/backendAddressPools/other`), [`rule tcp-5432: backendAddressPool ${LB}/backendAddressPools/other is not one of this load balancer's backendAddressPools`]);
        const elsewhere = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lbi-y/frontendIPConfigurations/frontend";
        assert.deepEqual(ref("frontendIPConfiguration", elsewhere), [`rule tcp-5432: frontendIPConfiguration ${elsewhere} is not one of this load balancer's frontendIPConfigurations`]);
        assert.deepEqual(ref("probe", `${LB}/backendAddressPools/tcp-5432`), [`rule tcp-5432: probe ${LB}/backendAddressPools/tcp-5432 is not one of this load balancer's probes`], "a part of another kind");
        assert.deepEqual(ref("probe", "tcp-5432"), ["rule tcp-5432: probe tcp-5432 is not one of this load balancer's probes"], "not an id into a load balancer");
        assert.deepEqual(lbSaid({ probes: [{ intervalInSeconds: 5 }] }), [`rule tcp-5432: probe ${LB}/probes/tcp-5432 is not one of this load balancer's probes`], "an unnamed probe is nobody's");
    });

    const nic = (pools: unknown, name: unknown) => resource("network:NetworkInterface", "nic", {
        networkInterfaceName: "nic-x", ipConfigurations: [{ name, loadBalancerBackendAddressPools: pools }],
    });

    it("lets a NIC join only a pool the deployment's load balancer has", () => {
        const nicSaid = (pools: unknown, name: unknown = "primary") => said("load-balancer-request", lb(), nic(pools, name));
        assert.deepEqual(nicSaid([{ id: `${LB}/backendAddressPools/proxies` }]), []);
        const twoPools = lb({ backendAddressPools: [{ name: "proxies" }, { name: "spare" }] });
        assert.deepEqual(said("load-balancer-request", twoPools, nic([{ id: `${LB}/backendAddressPools/spare` }], "primary")), [], "any of its pools");
        assert.deepEqual(nicSaid([{ id: `${LB}/backendAddressPools/other` }]), [`ipConfigurations primary joins ${LB}/backendAddressPools/other, which is no backend pool of the deployment's load balancer`]);
        assert.deepEqual(said("load-balancer-request", lb(), nic([{ id: `${LB}/backendAddressPools/other` }], undefined)), [`ipConfigurations (unnamed) joins ${LB}/backendAddressPools/other, which is no backend pool of the deployment's load balancer`]);
        assert.deepEqual(nicSaid([{ id: "/subscriptions/s/pools/proxies" }]), ["ipConfigurations primary joins /subscriptions/s/pools/proxies, which is no backend pool of the deployment's load balancer"], "not an id into a load balancer");
        assert.deepEqual(nicSaid([{}]), [], "a pool id not known yet");
        assert.deepEqual(nicSaid(undefined), []);
        const other = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lbi-elsewhere/backendAddressPools/any";
        assert.deepEqual(nicSaid([{ id: other }]), [], "a load balancer outside the deployment is not judged");
        assert.deepEqual(said("load-balancer-request", resource("network:PublicIPAddress", "pip", { sku: { name: "Basic" }, ipConfigurations: [{ loadBalancerBackendAddressPools: [{ id: "x" }] }] })), [], "load balancers and NICs only");
    });
});

describe("virtual-machine-placement, run-command-request, load balancer frontends in zones", () => {
    const placement = (inputs: Inputs) => said("virtual-machine-placement", resource("compute:VirtualMachine", "vm", { vmName: "vm-x", ...inputs }));
    const AVAIL = { id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/availabilitySets/avail-x" };

    it("puts a VM in one zone or in an availability set, never both", () => {
        assert.deepEqual(placement({ zones: ["1"] }), []);
        assert.deepEqual(placement({ availabilitySet: AVAIL }), []);
        assert.deepEqual(placement({ zones: [], availabilitySet: AVAIL }), []);
        assert.deepEqual(placement({ zones: ["1"], availabilitySet: {} }), [], "an availability set not known yet");
        assert.deepEqual(placement({ zones: ["2"], availabilitySet: AVAIL }), ["a VM is either in an availability zone or in an availability set, not both"]);
        assert.deepEqual(placement({ zones: ["1", "2"] }), ['zones ["1","2"]: a VM lives in one zone']);
    });

    it("fails the deployment on a failed script only when the Run Command runs synchronously", () => {
        const gate = (inputs: Inputs) => said("run-command-request", resource("compute:VirtualMachineRunCommandByVirtualMachine", "gate", { runCommandName: "health", ...inputs }));
        assert.deepEqual(gate({ treatFailureAsDeploymentFailure: true, asyncExecution: false }), []);
        assert.deepEqual(gate({ treatFailureAsDeploymentFailure: true }), []);
        assert.deepEqual(gate({ treatFailureAsDeploymentFailure: false, asyncExecution: true }), []);
        assert.deepEqual(gate({ treatFailureAsDeploymentFailure: true, asyncExecution: true }), ["treatFailureAsDeploymentFailure has no effect with asyncExecution: the deployment completes when the script starts"]);
    });

    it("refuses a zone-redundant load balancer frontend where the region has no zones", () => {
        const frontends = (location: string, list: unknown[]) => said("zones-need-a-zonal-region", resource("network:LoadBalancer", "lb", { loadBalancerName: "lbi-x", location, frontendIPConfigurations: list }));
        assert.deepEqual(frontends("ukwest", [{ name: "frontend", zones: ["1", "2", "3"] }]), ['frontend frontend has zones ["1","2","3"] in ukwest, a region without availability zones']);
        assert.deepEqual(frontends("ukwest", [{ zones: ["1"] }]), ['frontend (unnamed) has zones ["1"] in ukwest, a region without availability zones']);
        assert.deepEqual(frontends("ukwest", [{ name: "frontend" }, { name: "f2", zones: [] }]), []);
        assert.deepEqual(frontends("westeurope", [{ name: "frontend", zones: ["1", "2", "3"] }]), []);
        const notALoadBalancer = resource("network:NatGateway", "ng", { natGatewayName: "ng-x", location: "ukwest", frontendIPConfigurations: [{ zones: ["1"] }] });
        assert.deepEqual(said("zones-need-a-zonal-region", notALoadBalancer), [], "load balancer frontends only");
    });
});

describe("postgres-authentication", () => {
    const TENANT = "11111111-2222-3333-4444-555555555555";
    const OBJECT = "0f0e0d0c-0b0a-4908-8706-050403020100";
    const server = (authConfig: unknown) => resource("dbforpostgresql:Server", "server", { serverName: "psql-x", authConfig }, true);
    const admin = (inputs: Inputs) => resource("dbforpostgresql:AdministratorsMicrosoftEntra", "entra-admin", { serverName: "psql-x", objectId: OBJECT, principalType: "Group", ...inputs });
    const on = { passwordAuth: "Enabled", activeDirectoryAuth: "Enabled", tenantId: TENANT };

    it("passwords off needs Entra on; Entra on needs a tenant id", () => {
        assert.deepEqual(said("postgres-authentication", server({ passwordAuth: "Disabled", activeDirectoryAuth: "Enabled", tenantId: TENANT })), []);
        assert.deepEqual(said("postgres-authentication", server({ passwordAuth: "Enabled", activeDirectoryAuth: "Disabled", tenantId: "" })), []);
        assert.deepEqual(said("postgres-authentication", server(undefined)), []);
        assert.deepEqual(said("postgres-authentication", server({ passwordAuth: "Disabled", activeDirectoryAuth: "Disabled" })),
            ["authConfig turns password authentication off with Entra authentication off: nobody could sign in"]);
        assert.deepEqual(said("postgres-authentication", server({ passwordAuth: "Disabled" })),
            ["authConfig turns password authentication off with Entra authentication off: nobody could sign in"]);
        for (const tenantId of [undefined, "", "contoso.onmicrosoft.com", `${TENANT}x`, `x${TENANT}`]) {
            assert.deepEqual(said("postgres-authentication", server({ ...on, tenantId })), [`authConfig.tenantId ${JSON.stringify(tenantId)}: Entra authentication needs the tenant id`]);
        }
        assert.deepEqual(said("postgres-authentication", server({ ...on, tenantId: TENANT.toUpperCase() })), []);
    });

    it("an administrator is named after a GUID object id, with the API's PascalCase type, on a server with Entra on", () => {
        for (const principalType of ["User", "Group", "ServicePrincipal", "Unknown"]) {
            assert.deepEqual(said("postgres-authentication", server(on), admin({ principalType })), [], principalType);
        }
        for (const principalType of ["group", "user", "servicePrincipal", undefined]) {
            assert.deepEqual(said("postgres-authentication", server(on), admin({ principalType })), [
                `principalType ${JSON.stringify(principalType)}: Flexible Server takes User, Group or ServicePrincipal (azure-native's enum spells the Cosmos DB API's lowercase values)`,
            ]);
        }
        for (const objectId of ["pg-admins", undefined, `${OBJECT}0`, `0${OBJECT}`]) {
            assert.deepEqual(said("postgres-authentication", server(on), admin({ objectId })), [`objectId ${JSON.stringify(objectId)}: the administrator is named after its Entra object id`]);
        }
        assert.deepEqual(said("postgres-authentication", server({ passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" }), admin({})),
            ["server psql-x has Entra authentication off: an administrator needs it on"]);
        assert.deepEqual(said("postgres-authentication", admin({})), [], "a server outside the deployment is not judged");
    });
});

describe("diagnostic-setting-request", () => {
    const setting = (inputs: Inputs) => said("diagnostic-setting-request", resource("monitor:DiagnosticSetting", "s", { workspaceId: "/w", ...inputs }));
    const log = (category: string, extra: Inputs = {}) => ({ category, enabled: true, ...extra });

    it("accepts categories or category groups, each once, to any destination", () => {
        assert.deepEqual(setting({ logs: [log("A"), { categoryGroup: "audit", enabled: false }], metrics: [log("AllMetrics")], logAnalyticsDestinationType: "Dedicated" }), []);
        assert.deepEqual(setting({ logs: [log("A")], logAnalyticsDestinationType: "AzureDiagnostics" }), []);
        for (const destination of ["storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId"]) {
            assert.deepEqual(setting({ workspaceId: undefined, [destination]: "/d", logs: [log("A")] }), [], destination);
        }
        assert.deepEqual(setting({ workspaceId: undefined, storageAccountId: "/st", logs: [log("A", { retentionPolicy: { days: 30, enabled: true } })] }), []);
    });

    it("refuses a setting without destination, an unknown destination type, and malformed or repeated entries", () => {
        assert.deepEqual(setting({ workspaceId: undefined, logs: [log("A")] }), ["no destination: a diagnostic setting needs a workspace, a storage account, an event hub or a partner"]);
        assert.deepEqual(setting({ logAnalyticsDestinationType: "dedicated" }), ['logAnalyticsDestinationType "dedicated": Dedicated, or AzureDiagnostics (unset)']);
        assert.deepEqual(setting({ logs: [{ category: "A", categoryGroup: "allLogs", enabled: true }] }), ["a log entry names both category and categoryGroup: exactly one"]);
        assert.deepEqual(setting({ logs: [{ enabled: true }] }), ["a log entry names neither category and categoryGroup: exactly one"]);
        assert.deepEqual(setting({ logs: [{ category: "A" }] }), ["A: enabled is required"]);
        assert.deepEqual(setting({ logs: [log("A", { retentionPolicy: { days: 7, enabled: true } })] }), ["A: retentionPolicy applies to storage accounts only (a workspace keeps its own retention)"]);
        assert.deepEqual(setting({ logs: [log("PostgreSQLLogs"), log("postgresqllogs")] }), ["postgresqllogs is listed twice"]);
        assert.deepEqual(setting({ logs: [log("A")], metrics: [log("A")] }), ["A is listed twice"]);
    });
});

describe("log-analytics-request", () => {
    const workspace = (retentionInDays: unknown) => said("log-analytics-request", resource("operationalinsights:Workspace", "w", { workspaceName: "log-x", retentionInDays }));
    const columns = [{ name: "TimeGenerated", type: "dateTime" }, { name: "RawData", type: "string" }];
    const table = (inputs: Inputs) => said("log-analytics-request", resource("operationalinsights:Table", "t", { tableName: "X_CL", schema: { columns }, ...inputs }));

    it("a workspace keeps 30-730 days", () => {
        for (const days of [30, 730, undefined]) {
            assert.deepEqual(workspace(days), [], String(days));
        }
        assert.deepEqual(workspace(29), ["retentionInDays 29: a PerGB2018 workspace keeps 30-730 days"]);
        assert.deepEqual(workspace(731), ["retentionInDays 731: a PerGB2018 workspace keeps 30-730 days"]);
    });

    it("a custom table ends in _CL, has TimeGenerated as dateTime, keeps 4-730 days or the workspace's", () => {
        for (const retentionInDays of [4, 730, -1, undefined]) {
            assert.deepEqual(table({ retentionInDays }), [], String(retentionInDays));
        }
        assert.deepEqual(table({ retentionInDays: 3 }), ["retentionInDays 3: a table keeps 4-730 days, or -1 for the workspace's"]);
        assert.deepEqual(table({ retentionInDays: 731 }), ["retentionInDays 731: a table keeps 4-730 days, or -1 for the workspace's"]);
        assert.deepEqual(table({ tableName: "X_cl" }), ["tableName X_cl: a custom table's name ends in _CL"]);
        assert.deepEqual(table({ tableName: undefined }), ["tableName : a custom table's name ends in _CL"]);
        assert.deepEqual(table({ schema: { columns: [{ name: "TimeGenerated", type: "datetime" }] } }), ["schema: a custom table needs TimeGenerated of type dateTime"]);
        assert.deepEqual(table({ schema: { columns: [{ name: "Time", type: "dateTime" }] } }), ["schema: a custom table needs TimeGenerated of type dateTime"]);
    });
});

describe("data-collection-rule-request", () => {
    const ws = resource("operationalinsights:Workspace", "w", { workspaceName: "log-x", location: "westeurope" });
    const rule = (inputs: Inputs) => said("data-collection-rule-request", ws, resource("monitor:DataCollectionRule", "r", {
        location: "westeurope",
        streamDeclarations: { "Custom-Text-X": { columns: [] } },
        destinations: { logAnalytics: [{ name: "audit", workspaceResourceId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.OperationalInsights/workspaces/log-x" }] },
        dataFlows: [{ streams: ["Custom-Text-X"], destinations: ["audit"], outputStream: "Custom-X_CL" }, { streams: ["Microsoft-Syslog"], destinations: ["audit"] }],
        ...inputs,
    }));

    it("accepts declared and built-in streams into its own destinations, in its workspace's region", () => {
        assert.deepEqual(rule({}), []);
        assert.deepEqual(rule({ location: "WestEurope" }), []);
        assert.deepEqual(rule({ dataFlows: [{ streams: ["Microsoft-Syslog"], destinations: ["audit"], outputStream: "Microsoft-Syslog" }] }), []);
        assert.deepEqual(rule({ destinations: { logAnalytics: [{ name: "audit", workspaceResourceId: "/elsewhere/log-y" }] }, location: "northeurope" }), [], "a workspace outside the deployment");
    });

    it("refuses an undeclared stream, a destination it does not have, a bad output stream, a stream name without Custom-, another region", () => {
        assert.deepEqual(rule({ dataFlows: [{ streams: ["nginx-sessions"], destinations: ["audit"] }] }),
            ["data flow stream nginx-sessions is neither declared nor built in (a data source's name is not a stream)"]);
        assert.deepEqual(rule({ dataFlows: [{ streams: ["Custom-Text-X"], destinations: ["elsewhere"] }] }), ["data flow destination elsewhere is not one of the rule's destinations"]);
        for (const outputStream of ["X_CL", "Custom-X", "Custom-X_CL-", "Microsoft-", "xCustom-X_CL"]) {
            assert.deepEqual(rule({ dataFlows: [{ streams: ["Custom-Text-X"], destinations: ["audit"], outputStream }] }), [`outputStream ${outputStream}: Custom-<table>_CL, or Microsoft-<table>`]);
        }
        assert.deepEqual(rule({ streamDeclarations: { "Text-X": { columns: [] } }, dataFlows: [] }), ["stream Text-X: a declared stream's name starts with Custom-"]);
        assert.deepEqual(rule({ location: "northeurope" }), ["location northeurope: a data collection rule must be in its workspace's region (westeurope)"]);
    });
});

describe("alerting-request", () => {
    const alert = (inputs: Inputs) => said("alerting-request", resource("monitor:MetricAlert", "a", { severity: 2, evaluationFrequency: "PT5M", windowSize: "PT15M", location: "global", ...inputs }));
    const group = (groupShortName: unknown) => said("alerting-request", resource("monitor:ActionGroup", "g", { groupShortName, severity: 9 }));

    it("accepts severities 0-4, Azure's durations with the window not shorter, in global", () => {
        for (const severity of [0, 4]) {
            assert.deepEqual(alert({ severity }), []);
        }
        assert.deepEqual(alert({ evaluationFrequency: "PT1M", windowSize: "PT1M" }), []);
        assert.deepEqual(alert({ evaluationFrequency: "PT1H", windowSize: "P1D", location: "Global" }), []);
        assert.deepEqual(alert({ location: undefined }), []);
    });

    it("refuses other severities, durations, a short window, another location", () => {
        for (const severity of [-1, 5, 2.5, "2", undefined]) {
            assert.deepEqual(alert({ severity }), [`severity ${String(severity)}: 0-4`], String(severity));
        }
        assert.deepEqual(alert({ evaluationFrequency: "PT2M" }), ["evaluationFrequency PT2M: PT1M, PT5M, PT15M, PT30M or PT1H"]);
        assert.deepEqual(alert({ evaluationFrequency: undefined, windowSize: undefined }), [
            "evaluationFrequency undefined: PT1M, PT5M, PT15M, PT30M or PT1H", "windowSize undefined: PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H or P1D",
        ]);
        assert.deepEqual(alert({ evaluationFrequency: "PT6H", windowSize: "P1D" }), ["evaluationFrequency PT6H: PT1M, PT5M, PT15M, PT30M or PT1H"]);
        assert.deepEqual(alert({ windowSize: "PT10M" }), ["windowSize PT10M: PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H or P1D"]);
        assert.deepEqual(alert({ windowSize: "PT1M" }), ["windowSize PT1M is shorter than evaluationFrequency PT5M"]);
        assert.deepEqual(alert({ location: "westeurope" }), ["location westeurope: a metric alert lives in global"]);
    });

    it("an action group's short name has 1-12 characters (and nothing else of an alert's is asked of it)", () => {
        assert.deepEqual(group("a"), []);
        assert.deepEqual(group(a(12)), []);
        assert.deepEqual(group(a(13)), [`groupShortName ${JSON.stringify(a(13))}: 1-12 characters`]);
        assert.deepEqual(group(""), ['groupShortName "": 1-12 characters']);
        assert.deepEqual(group(undefined), ['groupShortName "": 1-12 characters']);
    });
});

describe("site-to-site-request", () => {
    const vnet = resource("network:VirtualNetwork", "vnet", { virtualNetworkName: "vnet-x", addressSpace: { addressPrefixes: ["10.40.0.0/16"] } });
    const lng = (inputs: Inputs) => said("site-to-site-request", vnet, resource("network:LocalNetworkGateway", "l", { localNetworkGatewayName: "lgw-x", gatewayIpAddress: "203.0.113.10", localNetworkAddressSpace: { addressPrefixes: ["192.168.10.0/24"] }, ...inputs }));
    const policy = { ikeEncryption: "AES256", ikeIntegrity: "SHA256", dhGroup: "DHGroup14", ipsecEncryption: "GCMAES256", ipsecIntegrity: "GCMAES256", pfsGroup: "PFS2048", saLifeTimeSeconds: 27000, saDataSizeKilobytes: 102400000 };
    const connection = (inputs: Inputs) => said("site-to-site-request", resource("network:VirtualNetworkGatewayConnection", "c", {
        virtualNetworkGatewayConnectionName: "con-x", connectionType: "IPsec", localNetworkGateway2: { id: "/lgw" }, sharedKey: a(32), ipsecPolicies: [policy], dpdTimeoutSeconds: 45, ...inputs,
    }));

    it("accepts a local gateway with one address, networks outside the VNet and an allowed ASN", () => {
        assert.deepEqual(lng({}), []);
        assert.deepEqual(lng({ gatewayIpAddress: undefined, fqdn: "vpn.example.org", bgpSettings: { asn: 65010 } }), []);
        assert.deepEqual(lng({ fqdn: "vpn.example.org" }), ["gatewayIpAddress or fqdn: exactly one names the on-premises device"]);
        assert.deepEqual(lng({ gatewayIpAddress: undefined }), ["gatewayIpAddress or fqdn: exactly one names the on-premises device"]);
        assert.deepEqual(lng({ localNetworkAddressSpace: { addressPrefixes: ["10.40.8.0/24", "10.0.0.0/33"] } }), [
            "addressPrefixes 10.40.8.0/24 overlaps the VNet: Azure refuses the connection",
            'addressPrefixes 10.0.0.0/33: "10.0.0.0/33" is not an IPv4 CIDR block like 10.40.0.0/16',
        ]);
        assert.deepEqual(lng({ bgpSettings: { asn: 65515 } }), ["bgpSettings.asn 65515 is reserved by Azure (8074, 8075, 12076, 65515, 65517-65520)"]);
    });

    it("takes an IPsec connection's key, policy and DPD at each limit, and ignores other connection types", () => {
        assert.deepEqual(connection({}), []);
        assert.deepEqual(connection({ sharedKey: a(128), dpdTimeoutSeconds: 9, ipsecPolicies: [{ ...policy, saLifeTimeSeconds: 300, saDataSizeKilobytes: 1024, ikeEncryption: "DES" }] }), [], "weak is the policy pack's business, not Azure's");
        assert.deepEqual(connection({ dpdTimeoutSeconds: 3600 }), []);
        assert.deepEqual(connection({ sharedKey: a(129) }), ["sharedKey: 1-128 printable ASCII characters other than space, - and ~"]);
        for (const sharedKey of ["", "a b", "a~b", "é"]) {
            assert.deepEqual(connection({ sharedKey }), ["sharedKey: 1-128 printable ASCII characters other than space, - and ~"], sharedKey);
        }
        assert.deepEqual(connection({ dpdTimeoutSeconds: 8 }), ["dpdTimeoutSeconds 8: 9-3600"]);
        assert.deepEqual(connection({ dpdTimeoutSeconds: 3601 }), ["dpdTimeoutSeconds 3601: 9-3600"]);
        assert.deepEqual(connection({ localNetworkGateway2: undefined }), ["localNetworkGateway2: an IPsec connection names its local network gateway"]);
        assert.deepEqual(connection({ ipsecPolicies: [policy, policy] }), ["ipsecPolicies has 2 policies: a connection takes one"]);
        assert.deepEqual(connection({ ipsecPolicies: [{ ...policy, pfsGroup: "PFS14", saLifeTimeSeconds: 299, saDataSizeKilobytes: 1023, ipsecEncryption: "AES256" }] }), [
            "ipsecPolicies pfsGroup PFS14: one of PFS24, ECP384, ECP256, PFS2048, PFS2, PFS1, None",
            "ipsecPolicies ipsecIntegrity GCMAES256 with ipsecEncryption AES256: GCMAES takes the same GCMAES for both",
            "ipsecPolicies saLifeTimeSeconds 299: at least 300",
            "ipsecPolicies saDataSizeKilobytes 1023: at least 1024",
        ]);
        assert.deepEqual(said("site-to-site-request", resource("network:VirtualNetworkGatewayConnection", "v", { virtualNetworkGatewayConnectionName: "con-v", connectionType: "Vnet2Vnet", sharedKey: "a b" })), []);
    });
});

describe("pgbouncer-request", () => {
    const deployment = (tier: string, value: string) => said("pgbouncer-request",
        resource("dbforpostgresql:Server", "server", { serverName: "psql-x", sku: { name: "Standard_B1ms", tier } }),
        resource("dbforpostgresql:Configuration", "p", { configurationName: "pgbouncer.enabled", value, source: "user-override" }));

    it("refuses PgBouncer on a Burstable server only, and only when it is turned on", () => {
        assert.deepEqual(deployment("Burstable", "true"), ["pgbouncer.enabled true on a Burstable server: the built-in PgBouncer needs General Purpose or Memory Optimized"]);
        assert.deepEqual(deployment("Burstable", "TRUE").length, 1);
        assert.deepEqual(deployment("Burstable", "false"), []);
        assert.deepEqual(deployment("GeneralPurpose", "true"), []);
        assert.deepEqual(deployment("MemoryOptimized", "true"), []);
    });
});
