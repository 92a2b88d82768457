/**
 * Azure's own rules (lib/azureRules.ts) against everything the real program registers: for every
 * stack file, for generated variants (long stack names, regions with and without zones, both
 * access modes, every gateway SKU), and, rule by rule, against broken copies that each rule must
 * catch.
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { AZURE_RULES, checkAzureRequests, kindOf, type RequestResource, type Violation } from "../lib/azureRules";
import { REGIONS_WITH_ZONES, REGIONS_WITHOUT_ZONES } from "../lib/regions";
import { VPN_SKUS } from "../stacks/fields";
import { plainInputs, runProgram, type ProgramRun } from "./harness/program";
import { loadAllStackFiles, loadStackFile } from "./harness/stackFiles";
import { propertyRuns } from "./harness/tools";

function requests(run: ProgramRun): RequestResource[] {
    return run.resources.map((r) => ({ type: r.type, name: r.name, inputs: plainInputs(r.inputs) as Record<string, unknown>, deleteBeforeReplace: r.deleteBeforeReplace }));
}

const describeAll = (violations: Violation[]) => violations.map((v) => `${v.rule} ${v.resource}: ${v.message}`).join("\n");

describe("every resource of every stack file passes Azure's rules", () => {
    for (const stackFile of loadAllStackFiles()) {
        it(stackFile.file, async () => {
            const run = await runProgram({ stack: stackFile.stack, config: stackFile.config, secretKeys: stackFile.secretKeys });
            assert.equal(run.error, undefined, run.error?.message);
            const azure = run.resources.filter((r) => r.type.startsWith("azure-native:"));
            assert.ok(azure.length >= 15, `only ${azure.length} Azure resources registered`);
            assert.equal(describeAll(checkAzureRequests(requests(run))), "");
        });
    }
});

describe("generated variants pass Azure's rules", () => {
    const j = JSON.stringify;
    const variant = fc.record({
        stack: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,99}$/).filter((s) => /[a-z0-9]/.test(s)),
        environment: fc.constantFrom("dev", "prod"),
        location: fc.constantFrom(...REGIONS_WITH_ZONES, ...REGIONS_WITHOUT_ZONES),
        access: fc.constantFrom("vnet", "public"),
        sku: fc.constantFrom(...VPN_SKUS),
        port: fc.integer({ min: 1024, max: 65535 }),
        ranges: fc.subarray(["203.0.113.7", "198.51.100.0/28", "192.0.2.0/24"]),
        allowAzureServices: fc.boolean(),
        databases: fc.uniqueArray(fc.stringMatching(/^[a-z_][a-z0-9_-]{0,20}$/).filter((d) => !["postgres", "template0", "template1", "azure_sys", "azure_maintenance"].includes(d)), { minLength: 1, maxLength: 3 }),
    });

    it(`for ${propertyRuns(30)} of them`, async () => {
        await fc.assert(fc.asyncProperty(variant, async (v) => {
            const config: Record<string, string> = {
                "azure-native:location": v.location,
                "securepg:environment": v.environment,
                "securepg:database": j({ access: v.access, databases: v.databases, ...(v.access === "public" ? { allowedIpRanges: v.ranges, allowAzureServices: v.allowAzureServices } : {}) }),
                "securepg:vpn": j({ sku: v.sku, clients: ["c1"] }),
                "securepg:proxy": j({ port: v.port }),
            };
            const run = await runProgram({ stack: v.stack, config });
            assert.equal(run.error, undefined, run.error?.message);
            assert.equal(describeAll(checkAzureRequests(requests(run))), "", `variant ${j(v)}`);
        }), { numRuns: propertyRuns(30) });
    });
});

/** A broken copy of a registered deployment, and the rule that must catch it. */
interface Breakage {
    readonly rule: string;
    readonly what: string;
    readonly base?: "dev" | "prod" | "public" | "ukwest";
    readonly breaks: (resources: RequestResource[]) => void;
}

const find = (resources: RequestResource[], type: string, name?: string) => {
    const hit = resources.find((r) => kindOf(r.type) === type && (name === undefined || r.name === name));
    assert.ok(hit, `no ${type} ${name ?? ""}`);
    return hit;
};
const nsgRules = (rs: RequestResource[], name = "proxy-nsg") => find(rs, "azure-native:network:NetworkSecurityGroup", name).inputs.securityRules as Array<Record<string, unknown>>;
const server = (rs: RequestResource[]) => find(rs, "azure-native:dbforpostgresql:Server").inputs as Record<string, any>;
const gateway = (rs: RequestResource[]) => find(rs, "azure-native:network:VirtualNetworkGateway").inputs as Record<string, any>;
const vm = (rs: RequestResource[]) => find(rs, "azure-native:compute:VirtualMachine").inputs as Record<string, any>;
const long = (n: number) => `a${"b".repeat(n - 1)}`;

const BREAKAGES: Breakage[] = [
    { rule: "nsg-rule-field-forms", what: `"*" in destinationPortRanges (the first pulumi up's 400)`, breaks: (rs) => {
        const deny = nsgRules(rs).find((r) => r.name === "DenyAllInbound")!;
        delete deny.destinationPortRange;
        deny.destinationPortRanges = ["*"];
    } },
    { rule: "nsg-rule-field-forms", what: "both the singular and the plural form", breaks: (rs) => {
        nsgRules(rs)[0].destinationPortRanges = ["22"];
    } },
    { rule: "nsg-rule-field-forms", what: "no destination address at all", breaks: (rs) => {
        delete nsgRules(rs)[0].destinationAddressPrefix;
    } },
    { rule: "nsg-rule-limits", what: "two inbound rules with one priority", breaks: (rs) => {
        nsgRules(rs)[1].priority = nsgRules(rs)[0].priority;
    } },
    { rule: "nsg-rule-limits", what: "priority 4097", breaks: (rs) => {
        nsgRules(rs)[0].priority = 4097;
    } },
    { rule: "nsg-rule-limits", what: "a 141-character description", breaks: (rs) => {
        nsgRules(rs)[0].description = "x".repeat(141);
    } },
    { rule: "resource-names", what: "a 91-character resource group name", breaks: (rs) => {
        find(rs, "azure-native:resources:ResourceGroup").inputs.resourceGroupName = long(91);
    } },
    { rule: "resource-names", what: "a 65-character VNet name", breaks: (rs) => {
        find(rs, "azure-native:network:VirtualNetwork").inputs.virtualNetworkName = long(65);
    } },
    { rule: "resource-names", what: "a 64-character server name", breaks: (rs) => {
        server(rs).serverName = long(64);
    } },
    { rule: "resource-names", what: "a server name with a double hyphen", breaks: (rs) => {
        server(rs).serverName = "psql--a";
    } },
    { rule: "resource-names", what: "a 65-character computer name", breaks: (rs) => {
        vm(rs).osProfile.computerName = long(65);
    } },
    { rule: "resource-names", what: "a firewall rule named with periods", base: "public", breaks: (rs) => {
        find(rs, "azure-native:dbforpostgresql:FirewallRule").inputs.firewallRuleName = "allow-203.0.113.7-32";
    } },
    { rule: "resource-names", what: "an 81-character subnet name", breaks: (rs) => {
        find(rs, "azure-native:network:Subnet", "proxy-subnet").inputs.subnetName = long(81);
    } },
    { rule: "resource-names", what: "a 64-character DNS label in the private zone", breaks: (rs) => {
        find(rs, "azure-native:privatedns:PrivateZone").inputs.privateZoneName = `${long(64)}.private.postgres.database.azure.com`;
    } },
    { rule: "zones-need-a-zonal-region", what: "a zone-redundant gateway IP in ukwest", base: "ukwest", breaks: (rs) => {
        find(rs, "azure-native:network:PublicIPAddress", "vpn-public-ip").inputs.zones = ["1", "2", "3"];
    } },
    { rule: "zones-need-a-zonal-region", what: "ZoneRedundant HA in ukwest", base: "ukwest", breaks: (rs) => {
        server(rs).highAvailability = { mode: "ZoneRedundant" };
        server(rs).sku = { name: "Standard_D2ds_v5", tier: "GeneralPurpose" };
    } },
    { rule: "zones-need-a-zonal-region", what: "an AZ gateway with a zoneless IP in westeurope", breaks: (rs) => {
        delete find(rs, "azure-native:network:PublicIPAddress", "vpn-public-ip").inputs.zones;
    } },
    { rule: "vpn-gateway-request", what: "VpnGw4AZ on Generation1", breaks: (rs) => {
        gateway(rs).sku = { name: "VpnGw4AZ", tier: "VpnGw4AZ" };
    } },
    { rule: "vpn-gateway-request", what: "the Basic SKU", breaks: (rs) => {
        gateway(rs).sku = { name: "Basic", tier: "Basic" };
    } },
    { rule: "vpn-gateway-request", what: "Entra ID with IKEv2", breaks: (rs) => {
        gateway(rs).vpnClientConfiguration.vpnAuthenticationTypes = ["AAD"];
    } },
    { rule: "vpn-gateway-request", what: "a /30 client pool", breaks: (rs) => {
        gateway(rs).vpnClientConfiguration.vpnClientAddressPool.addressPrefixes = ["172.16.201.0/30"];
    } },
    { rule: "postgres-server-request", what: "48 GiB of storage", breaks: (rs) => {
        server(rs).storage.storageSizeGB = 48;
    } },
    { rule: "postgres-server-request", what: "HA on Burstable", breaks: (rs) => {
        server(rs).highAvailability = { mode: "SameZone" };
    } },
    { rule: "postgres-server-request", what: "VNet integration without the private DNS zone", breaks: (rs) => {
        delete server(rs).network.privateDnsZoneArmResourceId;
    } },
    { rule: "subnet-request", what: "an NSG on GatewaySubnet", breaks: (rs) => {
        find(rs, "azure-native:network:Subnet", "gateway-subnet").inputs.networkSecurityGroup = { id: "/nsg" };
    } },
    { rule: "subnet-request", what: "a /29 delegated database subnet", breaks: (rs) => {
        find(rs, "azure-native:network:Subnet", "database-subnet").inputs.addressPrefix = "10.40.2.0/29";
    } },
    { rule: "public-ip-request", what: "a Dynamic Standard IP", breaks: (rs) => {
        find(rs, "azure-native:network:PublicIPAddress", "nat-public-ip").inputs.publicIPAllocationMethod = "Dynamic";
    } },
    { rule: "firewall-rule-request", what: "start after end", base: "public", breaks: (rs) => {
        const rule = find(rs, "azure-native:dbforpostgresql:FirewallRule").inputs;
        rule.startIpAddress = "203.0.113.9";
        rule.endIpAddress = "203.0.113.1";
    } },
    { rule: "virtual-machine-request", what: "customData over 64 KiB", breaks: (rs) => {
        vm(rs).osProfile.customData = "A".repeat(70_000);
    } },
    { rule: "virtual-machine-request", what: "an SSH key outside the admin's home", breaks: (rs) => {
        vm(rs).osProfile.linuxConfiguration.ssh.publicKeys[0].path = "/root/.ssh/authorized_keys";
    } },
    { rule: "nat-gateway-request", what: "a 2-minute idle timeout", breaks: (rs) => {
        find(rs, "azure-native:network:NatGateway").inputs.idleTimeoutInMinutes = 2;
    } },
    { rule: "tags", what: "a 257-character tag value", breaks: (rs) => {
        find(rs, "azure-native:network:VirtualNetwork").inputs.tags = { note: "x".repeat(257) };
    } },
    { rule: "replacement-deletes-first", what: "the proxy VM replaced create-first", breaks: (rs) => {
        Object.assign(find(rs, "azure-native:compute:VirtualMachine"), { deleteBeforeReplace: false });
    } },
    { rule: "replacement-deletes-first", what: "the server replaced create-first", breaks: (rs) => {
        Object.assign(find(rs, "azure-native:dbforpostgresql:Server"), { deleteBeforeReplace: false });
    } },
];

describe("each rule catches a broken copy of a real deployment", () => {
    const bases = new Map<string, RequestResource[]>();
    before(async () => {
        const dev = loadStackFile("Pulumi.dev.yaml");
        const configs: Record<string, Record<string, string>> = {
            dev: dev.config,
            prod: loadStackFile("Pulumi.prod.yaml").config,
            public: { ...dev.config, "securepg:database": JSON.stringify({ access: "public", allowedIpRanges: ["203.0.113.7"] }) },
            ukwest: { ...dev.config, "azure-native:location": "ukwest" },
        };
        for (const [name, config] of Object.entries(configs)) {
            const run = await runProgram({ stack: name === "prod" ? "prod" : "dev", config });
            assert.equal(run.error, undefined, run.error?.message);
            const resources = requests(run);
            assert.equal(describeAll(checkAzureRequests(resources)), "", `the unbroken ${name} deployment must pass`);
            bases.set(name, resources);
        }
    });

    for (const breakage of BREAKAGES) {
        it(`${breakage.rule}: ${breakage.what}`, () => {
            const copy = structuredClone(bases.get(breakage.base ?? "dev")!);
            breakage.breaks(copy);
            const violations = checkAzureRequests(copy);
            assert.ok(violations.some((v) => v.rule === breakage.rule), `not caught by ${breakage.rule}; got:\n${describeAll(violations) || "(nothing)"}`);
        });
    }

    it("every rule has a broken copy, a description and a source", () => {
        for (const rule of AZURE_RULES) {
            assert.ok(BREAKAGES.some((b) => b.rule === rule.id), `${rule.id} is never shown to fail`);
            assert.ok(rule.description.length > 20 && /https?:\/\/|#\d+|\.json|crud/.test(rule.source), `${rule.id} cites no source`);
        }
        assert.equal(new Set(AZURE_RULES.map((r) => r.id)).size, AZURE_RULES.length);
    });
});
