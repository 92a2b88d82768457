/**
 * The whole policy pack against what the real program registers under mocks: every shipped stack
 * file passes, and insecure variants of the stack files are each blocked by a named policy.
 *
 * The pack is simulated (see simulate.ts): each resource policy sees every registered resource's
 * inputs, each stack policy the whole stack plus the `pulumi:pulumi:Stack` resource carrying the
 * stack outputs, secrets unwrapped as the analyzer hands them to policies.
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { runProgram, unwrapSecret } from "../harness/program";
import { loadAllStackFiles, withSections, type StackFile } from "../harness/stackFiles";
import { policies } from "../../policy/policies";
import { describeViolations, find, mandatory, resourcesOf, runPack, stackUrn, wireSecret, type PackResult, type SimResource } from "./simulate";

const T = {
    server: "azure-native:dbforpostgresql:Server",
    configuration: "azure-native:dbforpostgresql:Configuration",
    firewall: "azure-native:dbforpostgresql:FirewallRule",
    nsg: "azure-native:network:NetworkSecurityGroup",
    nic: "azure-native:network:NetworkInterface",
    pip: "azure-native:network:PublicIPAddress",
    gateway: "azure-native:network:VirtualNetworkGateway",
    vm: "azure-native:compute:VirtualMachine",
    stack: "pulumi:pulumi:Stack",
};

/** Advisory findings the shipped stacks are expected to produce, by environment. */
const EXPECTED_ADVISORIES: Record<string, string[]> = {
    // dev deliberately runs without HA and geo-redundant backups (cheap, torn down freely).
    dev: ["postgres-dev-resilience", "postgres-dev-resilience"],
    prod: [],
};

const stackFiles = loadAllStackFiles();
const fileOf = (stack: string): StackFile => {
    const file = stackFiles.find((s) => s.stack === stack);
    assert.ok(file, `no Pulumi.${stack}.yaml`);
    return file;
};

/** A stack file with `securepg:database` keys overridden (still valid for the config validator). */
function withDatabase(file: StackFile, database: Record<string, unknown>): StackFile {
    return { ...file, config: withSections(file.config, { database }) };
}

const runs = new Map<string, SimResource[]>();

/** The resources the program registers for a stack file (each configuration runs once; callers get a copy). */
/** The dev stack file switched to public access with two allowed ranges: valid, not shipped. */
function publicDevFile(): StackFile {
    return withDatabase(fileOf("dev"), { access: "public", allowedIpRanges: ["203.0.113.7", "198.51.100.0/24"] });
}

async function registered(file: StackFile): Promise<SimResource[]> {
    const key = JSON.stringify([file.stack, file.config, file.secretKeys]);
    if (!runs.has(key)) {
        const run = await runProgram({ stack: file.stack, config: file.config, secretKeys: file.secretKeys });
        assert.equal(run.error, undefined, run.error?.message);
        runs.set(key, resourcesOf(run, file.stack));
    }
    return structuredClone(runs.get(key)!);
}

for (const stackFile of stackFiles) {
    describe(`shipped stack ${stackFile.stack} (${stackFile.file})`, () => {
        let resources: SimResource[];
        let result: PackResult;
        before(async () => {
            resources = await registered(stackFile);
            result = await runPack(policies, resources);
        });

        it("registers the resources the pack inspects, plus the stack outputs", () => {
            for (const type of [T.server, T.configuration, T.nsg, T.nic, T.pip, T.gateway, T.vm, T.stack]) {
                assert.ok(resources.some((r) => r.type === type), `no ${type}`);
            }
            assert.ok(resources.length >= 30, `only ${resources.length} resources`);
        });

        it("passes every mandatory policy", () => {
            assert.deepEqual(mandatory(result), [], describeViolations(mandatory(result)));
        });

        it("reports only the advisories its environment explains", () => {
            const advisories = result.violations.filter((v) => v.enforcementLevel === "advisory").map((v) => v.policy).sort();
            assert.deepEqual(advisories, EXPECTED_ADVISORIES[stackFile.stack] ?? [], describeViolations(result.violations));
        });

        it("every policy that can apply did apply (no vacuous pass)", () => {
            const firewallPolicies = ["postgres-firewall-no-open-ranges", "postgres-firewall-allow-azure-services"];
            for (const [policy, count] of result.applied) {
                if (firewallPolicies.includes(policy) || policy === "site-connection-strong-ipsec") {
                    continue; // VNet mode has no firewall rules, the shipped stacks no sites; variants below cover them.
                }
                assert.ok(count > 0, `${policy} applied to nothing`);
            }
        });
    });
}

describe("public access mode (dev stack file with access: public)", () => {
    it("passes every mandatory policy; allowAzureServices: true gives the expected advisory", async () => {
        const publicDev = publicDevFile();
        const plain = await runPack(policies, await registered(publicDev));
        assert.deepEqual(mandatory(plain), [], describeViolations(plain.violations));
        assert.ok((plain.applied.get("postgres-firewall-no-open-ranges") ?? 0) >= 3);
        assert.ok(!plain.violations.some((v) => v.policy === "postgres-firewall-allow-azure-services"));

        const azure = await runPack(policies, await registered(withDatabase(publicDev, { allowAzureServices: true })));
        assert.deepEqual(mandatory(azure), [], describeViolations(azure.violations));
        const advisory = azure.violations.filter((v) => v.policy === "postgres-firewall-allow-azure-services");
        assert.equal(advisory.length, 1);
        assert.equal(advisory[0].enforcementLevel, "advisory");
    });
});

function sitesDevFile(): StackFile {
    const dev = fileOf("dev");
    return {
        ...dev,
        config: withSections(dev.config, { vpn: { activeActive: true, sites: [
            { name: "hq", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"] },
            { name: "branch", gatewayAddress: "198.51.100.7", addressPrefixes: ["192.168.20.0/24"], ipsecPolicy: { dhGroup: "ECP384", pfsGroup: "ECP384", ikeIntegrity: "SHA384" } },
        ], siteKeys: { hq: "Zq8pX4vL2mN7rT1wY6sB3dF9hJ5kC0gA" } } }),
        secretKeys: [...dev.secretKeys, "securepg:vpn"],
    };
}

describe("site-to-site (dev stack file with two sites)", () => {
    it("passes every mandatory policy, and the connection policy applied to both connections", async () => {
        const result = await runPack(policies, await registered(sitesDevFile()));
        assert.deepEqual(mandatory(result), [], describeViolations(result.violations));
        assert.equal(result.applied.get("site-connection-strong-ipsec"), 2);
    });

});

type Base = "dev" | "prod" | "public";

interface Variant {
    readonly name: string;
    readonly base: Base | (() => StackFile);
    readonly policy: string;
    /** Makes the stack insecure; returns the URN the violation must name, if one. */
    readonly mutate?: (resources: SimResource[]) => string | void;
}

const connection = (rs: SimResource[], site: string) => rs.find((r) => r.type === "azure-native:network:VirtualNetworkGatewayConnection" && r.name === `site-${site}-connection`)!;
const passwordOf = (resources: SimResource[]): string => String(unwrapSecret(find(resources, T.server).inputs.administratorLoginPassword));

const VARIANTS: Variant[] = [
    { name: "site connection over IKEv1", base: sitesDevFile, policy: "site-connection-strong-ipsec", mutate: (rs) => { const c = connection(rs, "hq"); c.inputs.connectionProtocol = "IKEv1"; return c.urn; } },
    { name: "site connection without a policy (Azure's defaults include DH group 2)", base: sitesDevFile, policy: "site-connection-strong-ipsec", mutate: (rs) => { const c = connection(rs, "hq"); c.inputs.ipsecPolicies = []; return c.urn; } },
    { name: "site connection with AES-128 for IKE", base: sitesDevFile, policy: "site-connection-strong-ipsec", mutate: (rs) => { const c = connection(rs, "branch"); c.inputs.ipsecPolicies[0].ikeEncryption = "AES128"; return c.urn; } },
    {
        name: "VNet-integrated server with public network access enabled", base: "dev", policy: "postgres-vnet-no-public-access",
        mutate: (rs) => {
            const server = find(rs, T.server);
            server.inputs.network.publicNetworkAccess = "Enabled";
            return server.urn;
        },
    },
    {
        name: "firewall rule 0.0.0.0-255.255.255.255", base: "public", policy: "postgres-firewall-no-open-ranges",
        mutate: (rs) => {
            const template = rs.find((r) => r.type === T.firewall)!;
            const open = structuredClone(template);
            open.name = "firewall-everyone";
            open.urn = template.urn.replace(/::[^:]+$/, "::firewall-everyone");
            open.inputs = { ...open.inputs, firewallRuleName: "everyone", startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" };
            rs.push(open);
            return open.urn;
        },
    },
    {
        name: "firewall rule for a public /16", base: "public", policy: "postgres-firewall-no-open-ranges",
        mutate: (rs) => {
            const rule = rs.find((r) => r.type === T.firewall && r.inputs.startIpAddress === "198.51.100.0")!;
            rule.inputs.endIpAddress = "198.51.255.255";
            return rule.urn;
        },
    },
    {
        name: "require_secure_transport off", base: "dev", policy: "postgres-tls-required",
        mutate: (rs) => {
            const parameter = rs.find((r) => r.type === T.configuration && r.inputs.configurationName === "require_secure_transport")!;
            parameter.inputs.value = "off";
            return parameter.urn;
        },
    },
    {
        name: "ssl_min_protocol_version TLSv1.1", base: "prod", policy: "postgres-tls-required",
        mutate: (rs) => {
            const parameter = rs.find((r) => r.type === T.configuration && r.inputs.configurationName === "ssl_min_protocol_version")!;
            parameter.inputs.value = "TLSv1.1";
            return parameter.urn;
        },
    },
    {
        name: "backups kept 3 days", base: "dev", policy: "postgres-backup-retention",
        mutate: (rs) => {
            const server = find(rs, T.server);
            server.inputs.backup.backupRetentionDays = 3;
            return server.urn;
        },
    },
    // Valid for the config validator, but not for production: the pack is what stops these.
    { name: "prod stack file with geoRedundantBackup: false", base: () => withDatabase(fileOf("prod"), { geoRedundantBackup: false }), policy: "postgres-prod-resilience" },
    { name: "prod stack file with highAvailability: false", base: () => withDatabase(fileOf("prod"), { highAvailability: false }), policy: "postgres-prod-resilience" },
    {
        name: "NSG rule admitting the Internet to SSH", base: "dev", policy: "nsg-no-internet-to-ssh-or-postgres",
        mutate: (rs) => {
            const nsg = find(rs, T.nsg, "proxy-nsg");
            nsg.inputs.securityRules.push({
                name: "AllowSshFromInternet", priority: 120, direction: "Inbound", access: "Allow", protocol: "Tcp",
                sourceAddressPrefix: "Internet", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRanges: ["22"], description: "",
            });
            return nsg.urn;
        },
    },
    {
        name: "database subnet admitting 0.0.0.0/0 to 5432", base: "prod", policy: "nsg-no-internet-to-ssh-or-postgres",
        mutate: (rs) => {
            const nsg = find(rs, T.nsg, "database-nsg");
            nsg.inputs.securityRules.find((r: { name: string }) => r.name === "AllowProxyToPostgres").sourceAddressPrefix = "0.0.0.0/0";
            return nsg.urn;
        },
    },
    {
        name: "public IP on the proxy NIC", base: "dev", policy: "proxy-vm-no-public-ip",
        mutate: (rs) => {
            const nic = find(rs, T.nic);
            nic.inputs.ipConfigurations[0].publicIPAddress = { id: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/pip-proxy" };
            return nic.urn;
        },
    },
    {
        name: "password SSH on the proxy VM", base: "dev", policy: "linux-vm-no-password-auth",
        mutate: (rs) => {
            const vm = find(rs, T.vm);
            vm.inputs.osProfile.linuxConfiguration.disablePasswordAuthentication = false;
            return vm.urn;
        },
    },
    {
        name: "admin password on the proxy VM", base: "prod", policy: "linux-vm-no-password-auth",
        mutate: (rs) => {
            const vm = find(rs, T.vm, "proxy-1-vm");
            vm.inputs.osProfile.adminPassword = wireSecret("Vm-Admin-Pa55word!");
            return vm.urn;
        },
    },
    {
        name: "Basic VPN gateway SKU", base: "dev", policy: "vpn-gateway-no-basic-sku",
        mutate: (rs) => {
            const gateway = find(rs, T.gateway);
            gateway.inputs.sku = { name: "Basic", tier: "Basic" };
            return gateway.urn;
        },
    },
    {
        name: "VPN gateway public IP without zones", base: "dev", policy: "vpn-public-ip-zone-redundant",
        mutate: (rs) => {
            const ip = find(rs, T.pip, "vpn-public-ip");
            delete ip.inputs.zones;
            return ip.urn;
        },
    },
    {
        name: "Basic SKU on the NAT gateway's public IP", base: "prod", policy: "public-ip-no-basic-sku",
        mutate: (rs) => {
            const ip = find(rs, T.pip, "nat-public-ip");
            ip.inputs.sku = { name: "Basic" };
            return ip.urn;
        },
    },
    {
        name: "P2S client pool inside the VNet", base: "dev", policy: "vpn-client-pool-no-vnet-overlap",
        mutate: (rs) => {
            const gateway = find(rs, T.gateway);
            gateway.inputs.vpnClientConfiguration.vpnClientAddressPool.addressPrefixes = ["10.40.250.0/24"];
            return gateway.urn;
        },
    },
    {
        name: "RADIUS authentication for VPN clients", base: "prod", policy: "vpn-auth-certificate-or-entra",
        mutate: (rs) => {
            const gateway = find(rs, T.gateway);
            Object.assign(gateway.inputs.vpnClientConfiguration, { vpnAuthenticationTypes: ["Radius"], radiusServerAddress: "10.50.9.9", radiusServerSecret: wireSecret("radius-shared-secret") });
            return gateway.urn;
        },
    },
    {
        name: "admin password not declared in additionalSecretOutputs", base: "prod", policy: "secrets-stay-secret",
        mutate: (rs) => {
            const server = find(rs, T.server);
            server.additionalSecretOutputs = [];
            return server.urn;
        },
    },
    {
        name: "admin password copied into a stack output not named as a credential", base: "prod", policy: "secrets-stay-secret",
        mutate: (rs) => {
            const stack = find(rs, T.stack);
            stack.inputs.dsn = wireSecret(`host=db user=pgadmin password=${passwordOf(rs)}`);
            return stack.urn;
        },
    },
    {
        name: "SSH private key copied into a stack output not named as a credential", base: "dev", policy: "secrets-stay-secret",
        mutate: (rs) => {
            const stack = find(rs, T.stack);
            stack.inputs.proxySshKey = stack.inputs.proxySshPrivateKey;
            return stack.urn;
        },
    },
    {
        name: "admin password copied into a plain tag", base: "dev", policy: "secrets-stay-secret",
        mutate: (rs) => {
            const vm = find(rs, T.vm);
            vm.inputs.tags = { ...vm.inputs.tags, dsn: `host=db user=pgadmin password=${passwordOf(rs)}` };
            return vm.urn;
        },
    },
    {
        name: "an NSG rule Azure refuses (\"*\" in destinationPortRanges)", base: "dev", policy: "azure-request-rules",
        mutate: (rs) => {
            const nsg = find(rs, T.nsg, "database-nsg");
            const deny = nsg.inputs.securityRules.find((r: { name: string }) => r.name === "DenyAllInbound");
            delete deny.destinationPortRange;
            deny.destinationPortRanges = ["*"];
            return nsg.urn;
        },
    },
    {
        name: "open SSH through an API-version-pinned NSG type", base: "dev", policy: "nsg-no-internet-to-ssh-or-postgres",
        mutate: (rs) => {
            const nsg = find(rs, T.nsg, "proxy-nsg");
            nsg.type = "azure-native:network/v20240301:NetworkSecurityGroup";
            nsg.inputs.securityRules[0].sourceAddressPrefix = "*";
            delete nsg.inputs.securityRules[0].destinationPortRanges;
            nsg.inputs.securityRules[0].destinationPortRange = "*";
            return nsg.urn;
        },
    },
    // Valid for the config validator (which only warns), blocked by the pack.
    {
        name: "prod stack file with monitoring.diagnostics: false", policy: "prod-diagnostics-on",
        base: () => ({ ...fileOf("prod"), config: withSections(fileOf("prod").config, { monitoring: { diagnostics: false } }) }),
    },
    {
        name: "prod stack file keeping logs 60 days", policy: "log-retention-floor",
        base: () => ({ ...fileOf("prod"), config: withSections(fileOf("prod").config, { monitoring: { retentionInDays: 60 } }) }),
    },
    {
        name: "passwordless prod server whose Entra administrator is dropped", policy: "postgres-passwordless-has-entra-admin",
        base: () => withDatabase(fileOf("prod"), { entraAdmin: { objectId: "0f0e0d0c-0b0a-4908-8706-050403020100", principalName: "pg-admins" }, passwordAuth: false }),
        mutate: (rs) => {
            rs.splice(rs.findIndex((r) => r.type === "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra"), 1);
            return find(rs, T.server).urn;
        },
    },
];

describe("insecure variants of the stack files are blocked by a named policy", () => {
    const bases = new Map<Base, SimResource[]>();
    before(async () => {
        bases.set("dev", await registered(fileOf("dev")));
        bases.set("prod", await registered(fileOf("prod")));
        bases.set("public", await registered(publicDevFile()));
        for (const [name, resources] of bases) {
            const baseline = await runPack(policies, resources);
            assert.deepEqual(mandatory(baseline), [], `baseline ${name}: ${describeViolations(baseline.violations)}`);
        }
    });

    it("at least 10 variants, covering every mandatory policy", () => {
        assert.ok(VARIANTS.length >= 10);
        const covered = new Set(VARIANTS.map((v) => v.policy));
        const mandatoryPolicies = policies.filter((p) => p.enforcementLevel === "mandatory").map((p) => p.name);
        assert.deepEqual(mandatoryPolicies.filter((p) => !covered.has(p)), []);
    });

    for (const variant of VARIANTS) {
        it(`${variant.name} → ${variant.policy}`, async () => {
            const resources = typeof variant.base === "function" ? await registered(variant.base()) : structuredClone(bases.get(variant.base)!);
            const urn = variant.mutate?.(resources);
            const result = await runPack(policies, resources);
            const hits = mandatory(result).filter((v) => v.policy === variant.policy);
            assert.ok(hits.length > 0, `not blocked by ${variant.policy}; got:\n${describeViolations(result.violations)}`);
            if (urn) {
                assert.ok(hits.some((v) => v.urn === urn), `${variant.policy} did not name ${urn}: ${hits.map((v) => v.urn).join(", ")}`);
            }
        });
    }

    it("the stack resource carries the outputs, with the sensitive ones secret", () => {
        const stack = find(bases.get("dev")!, T.stack);
        assert.equal(stack.urn, stackUrn("dev"));
        for (const key of ["adminPassword", "proxySshPrivateKey", "vpnClientCertificates", "connectionString"]) {
            assert.ok(unwrapSecret(stack.inputs[key]) !== stack.inputs[key], `${key} is not secret`);
        }
        assert.ok(!String(stack.inputs.connectionStringWithoutPassword).includes(passwordOf(bases.get("dev")!)));
    });
});
