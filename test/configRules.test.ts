/**
 * stacks/index.ts: how a stack's configuration is read as a whole (sections, unknown keys, the
 * environment, the subnet plan, cross-setting rules) and every warning it gives, word for word.
 * Pure and fast; settings one by one are in configFields.test.ts.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { parseStackConfig, planSubnets, StackConfigError, type StackConfig } from "../stacks";
import { parseCidr, type Ipv4Cidr } from "../lib/cidr";

const location = { "azure-native:location": "westeurope" };

function raw(values: Record<string, unknown>): Record<string, string> {
    const engine: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) {
        engine[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return engine;
}

function parse(values: Record<string, unknown>, stack = "dev", project = "securepg"): StackConfig {
    return parseStackConfig({ project, stack, values: raw({ ...location, ...values }) });
}

function problems(values: Record<string, unknown>, stack = "dev", project = "securepg"): string[] {
    try {
        parseStackConfig({ project, stack, values: raw({ ...location, ...values }) });
    } catch (error) {
        assert.ok(error instanceof StackConfigError, String(error));
        return error.problems.map((p) => `${p.key} ${p.message}`);
    }
    assert.fail("expected a configuration error");
}

const cidr = (text: string) => parseCidr(text) as Ipv4Cidr;

describe("StackConfigError", () => {
    it("says how many problems, that nothing was deployed, and lists each with its key", () => {
        const one = new StackConfigError([{ key: "a", message: "is wrong" }]);
        assert.equal(one.name, "StackConfigError");
        assert.equal(one.message, "invalid stack configuration (1 problem); nothing was deployed:\n  - a is wrong");
        const two = new StackConfigError([{ key: "a", message: "is wrong" }, { key: "b.c", message: "too" }]);
        assert.equal(two.message, "invalid stack configuration (2 problems); nothing was deployed:\n  - a is wrong\n  - b.c too");
    });
});

describe("reading the engine's values", () => {
    it("a section that is empty is no section; one that is not a JSON object is refused with what it was", () => {
        assert.equal(parse({ "securepg:database": "" }).database.access, "vnet");
        assert.deepEqual(problems({ "securepg:database": "{bad" }), ['securepg:database must be an object of settings (got "{bad")']);
        assert.deepEqual(problems({ "securepg:database": "null" }), ["securepg:database must be an object of settings (got null)"]);
        assert.deepEqual(problems({ "securepg:database": "[1]" }), ["securepg:database must be an object of settings (got [1])"]);
        assert.deepEqual(problems({ "securepg:database": "5" }), ["securepg:database must be an object of settings (got 5)"]);
        assert.deepEqual(problems({ "securepg:database": '"vnet"' }), ['securepg:database must be an object of settings (got "vnet")']);
    });

    it("long values are shortened to 60 characters in messages", () => {
        const exactly60 = `"${"a".repeat(58)}"`;
        assert.deepEqual(problems({ "securepg:environment": exactly60.slice(1, -1) }), [`securepg:environment must be "dev" or "prod" (got ${exactly60})`]);
        assert.deepEqual(problems({ "securepg:environment": "a".repeat(59) }), [`securepg:environment must be "dev" or "prod" (got "${"a".repeat(56)}...)`]);
    });

    it("unknown keys and settings are refused with the known ones; other namespaces are not ours", () => {
        assert.deepEqual(problems({ "securepg:databse": {} }), [
            "securepg:databse is not a known setting (known: securepg:network, securepg:database, securepg:vpn, securepg:proxy, securepg:monitoring, securepg:environment, securepg:protect, securepg:entraTenantId)",
        ]);
        assert.deepEqual(problems({ "securepg:proxy": { vmsize: "x" } }), [
            "securepg:proxy.vmsize is not a known setting (known: instances, vmSize, port, adminUsername, sshPublicKey, idleTimeoutSeconds, connectTimeoutSeconds, " +
            "resolverValidSeconds, keepaliveIdleSeconds, keepaliveIntervalSeconds, keepaliveProbes, targets)",
        ]);
        assert.equal(parse({ "azure-native:subscriptionId": "x", "other:databse": "1" }).environment, "dev");
        assert.equal(parseStackConfig({ project: "securepg", stack: "dev", values: { ...location, "securepg:databse": undefined } }).environment, "dev");
    });

    it("top-level booleans and environments come as strings, or as JSON", () => {
        assert.equal(parse({ "securepg:protect": "true" }).protect, true);
        assert.equal(parse({ "securepg:protect": "false" }, "prod").protect, false);
        assert.equal(parse({ "securepg:environment": "prod" }, "x").environment, "prod");
        assert.equal(parse({ "securepg:environment": '"dev"' }, "x").environment, "dev");
    });

    it("project and stack names must give Azure names something to build on", () => {
        assert.deepEqual(problems({ "securepg:environment": "dev" }, "___"), ['(stack name) "___" has no letters or digits to build Azure resource names from; use another stack name']);
        assert.deepEqual(problems({}, "dev", "--"), ['(project name) "--" has no letters or digits to build Azure resource names from; use another project name']);
    });

    it("a region must be set and known", () => {
        let message = "";
        try {
            parseStackConfig({ project: "securepg", stack: "dev", values: {} });
        } catch (error) {
            message = (error as Error).message;
        }
        assert.equal(message, "invalid stack configuration (1 problem); nothing was deployed:\n" +
            "  - azure-native:location is not set; run `pulumi config set azure-native:location <region>` (e.g. westeurope)");
        const [unknown, ...rest] = problems({ "azure-native:location": "westeurpoe" });
        assert.deepEqual(rest, []);
        assert.match(unknown, /^azure-native:location westeurpoe is not an Azure region securepg knows \(did you mean westeurope(, [a-z0-9]+)*\?\)\. Zonal resources depend on whether a region has availability zones; a new region goes into lib\/regions\.ts, from https:\/\//);
    });
});

describe("the environment", () => {
    it("comes from the stack name's first word, in any case", () => {
        for (const [stack, environment] of [["dev", "dev"], ["prod", "prod"], ["Prod-EU", "prod"], ["dev_alice", "dev"], ["prod.westeurope", "prod"]] as const) {
            assert.equal(parse({}, stack).environment, environment, stack);
        }
    });

    it("is refused for names that only contain an environment's name", () => {
        for (const stack of ["mydev", "devx", "production", "staging"]) {
            assert.deepEqual(problems({}, stack), [`securepg:environment is not set and stack "${stack}" is not named after an environment; set it to "dev" or "prod"`], stack);
        }
    });

    it("an explicit one wins over the stack name", () => {
        assert.equal(parse({ "securepg:environment": "dev" }, "prod").environment, "dev");
    });
});

describe("the subnet plan", () => {
    it("/24 blocks in a /22 or larger, /27 blocks in anything smaller", () => {
        const texts = (space: string) => {
            const plan = planSubnets(cidr(space));
            return plan && [plan.gatewaySubnet.text, plan.proxySubnet.text, plan.databaseSubnet.text];
        };
        assert.deepEqual(texts("10.1.0.0/22"), ["10.1.0.0/27", "10.1.1.0/24", "10.1.2.0/24"]);
        assert.deepEqual(texts("10.1.0.0/23"), ["10.1.0.0/27", "10.1.0.32/27", "10.1.0.64/27"]);
        assert.deepEqual(texts("10.1.0.0/25"), ["10.1.0.0/27", "10.1.0.32/27", "10.1.0.64/27"]);
        assert.equal(planSubnets(cidr("10.1.0.0/26")), undefined);
    });

    it("fills only the subnets the stack file leaves out", () => {
        const c = parse({ "securepg:network": { addressSpace: "10.1.0.0/16", proxySubnet: "10.1.7.0/24" } });
        assert.deepEqual([c.network.gatewaySubnet.text, c.network.proxySubnet.text, c.network.databaseSubnet.text], ["10.1.0.0/27", "10.1.7.0/24", "10.1.2.0/24"]);
    });

    it("an address space too small for a plan is fine when all three subnets are given, and refused otherwise", () => {
        const all = { addressSpace: "10.1.0.0/26", gatewaySubnet: "10.1.0.0/27", proxySubnet: "10.1.0.32/29", databaseSubnet: "10.1.0.48/28" };
        assert.equal(parse({ "securepg:network": all }).network.databaseSubnet.text, "10.1.0.48/28");
        for (const missing of ["gatewaySubnet", "proxySubnet", "databaseSubnet"] as const) {
            const { [missing]: _, ...two } = all;
            assert.deepEqual(problems({ "securepg:network": two }), [
                "securepg:network.addressSpace 10.1.0.0/26 is too small to plan subnets in; give gatewaySubnet, proxySubnet and databaseSubnet explicitly",
            ], missing);
        }
    });

    it("every overlapping pair is named once, after the later subnet", () => {
        assert.deepEqual(problems({ "securepg:network": { gatewaySubnet: "10.40.1.0/27", proxySubnet: "10.40.1.0/24", databaseSubnet: "10.40.1.128/25" } }), [
            "securepg:network.proxySubnet 10.40.1.0/24 overlaps gatewaySubnet 10.40.1.0/27",
            "securepg:network.databaseSubnet 10.40.1.128/25 overlaps proxySubnet 10.40.1.0/24",
        ]);
        assert.deepEqual(problems({ "securepg:network": { gatewaySubnet: "10.40.1.0/27", proxySubnet: "10.40.5.0/24", databaseSubnet: "10.40.1.0/28" } }), [
            "securepg:network.databaseSubnet 10.40.1.0/28 overlaps gatewaySubnet 10.40.1.0/27",
        ]);
    });

    it("the proxy subnet has room for the frontend and two addresses per proxy (old and new during a rollout)", () => {
        const network = (proxySubnet: string) => ({ "securepg:network": { proxySubnet } });
        // A /29 has 3 usable addresses (Azure keeps five): one proxy; a /28 has 11: three.
        assert.equal(parse({ ...network("10.40.1.0/29"), "securepg:proxy": { instances: 1 } }).proxy.instances, 1);
        assert.deepEqual(problems({ ...network("10.40.1.0/29"), "securepg:proxy": { instances: 2 } }), [
            "securepg:network.proxySubnet 10.40.1.0/29 has 3 usable addresses; 2 proxies need 5 (the load balancer's, and two per proxy while a new one replaces the old)",
        ]);
        assert.deepEqual(problems({ ...network("10.40.1.0/29") }, "prod"), [
            "securepg:network.proxySubnet 10.40.1.0/29 has 3 usable addresses; 2 proxies need 5 (the load balancer's, and two per proxy while a new one replaces the old)",
        ], "prod's default of two proxies");
        assert.equal(parse({ ...network("10.40.1.0/28"), "securepg:proxy": { instances: 3 } }).proxy.instances, 3);
    });

    it("the VPN pool may not overlap the VNet", () => {
        assert.deepEqual(problems({ "securepg:vpn": { clientAddressPool: "10.40.200.0/24" } }), [
            "securepg:vpn.clientAddressPool 10.40.200.0/24 overlaps the VNet addressSpace 10.40.0.0/16; VPN clients would be unroutable",
        ]);
    });
});

describe("access modes and the service endpoint", () => {
    it("VNet mode gets Microsoft.Sql by default, public mode none; an explicit list is kept", () => {
        assert.deepEqual(parse({}).network.serviceEndpoints, ["Microsoft.Sql"]);
        assert.deepEqual(parse({ "securepg:database": { access: "public" } }).network.serviceEndpoints, []);
        assert.deepEqual(parse({ "securepg:network": { serviceEndpoints: [] } }).network.serviceEndpoints, []);
        assert.deepEqual(parse({ "securepg:network": { serviceEndpoints: ["Microsoft.Storage"] }, "securepg:database": { access: "public" } }).network.serviceEndpoints, ["Microsoft.Storage"]);
    });

    it("warns about Microsoft.Sql only in public mode", () => {
        const publicSql = parse({ "securepg:network": { serviceEndpoints: ["Microsoft.Sql"] }, "securepg:database": { access: "public" } });
        assert.deepEqual(publicSql.warnings, [
            'securepg:network.serviceEndpoints lists Microsoft.Sql with access "public": the proxy subnet then reaches Azure SQL services from its private address, which the server\'s IP firewall cannot match; connections from the proxy may fail',
            "securepg:vpn.clients is empty: no VPN client certificate will be issued",
        ]);
        assert.deepEqual(parse({ "securepg:network": { serviceEndpoints: ["Microsoft.Sql"] } }).warnings, ["securepg:vpn.clients is empty: no VPN client certificate will be issued"]);
    });

    it("the private DNS zone conflict applies to VNet mode only", () => {
        assert.deepEqual(problems({ "securepg:database": { serverName: "securepg-dev" } }).length, 1);
        assert.equal(parse({ "securepg:database": { access: "public", serverName: "securepg-dev" } }).database.serverName, "securepg-dev");
    });

    it("Burstable has no HA", () => {
        assert.deepEqual(problems({ "securepg:database": { highAvailability: true } }), [
            "securepg:database.highAvailability is not available on the Burstable tier; use GeneralPurpose or MemoryOptimized",
        ]);
        assert.equal(parse({ "securepg:database": { tier: "GeneralPurpose", skuName: "Standard_D2ds_v5", highAvailability: true } }).database.highAvailability, true);
    });
});

describe("VPN authentication modes", () => {
    const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    it("Entra alone issues no certificates: client names are refused, an empty list is expected", () => {
        assert.deepEqual(problems({ "securepg:vpn": { authentication: "entra", clients: ["alice"] } }), [
            'securepg:vpn.clients issues certificates the gateway would refuse: vpn.authentication is "entra"; use "both" to keep certificate clients (Linux has no Entra client)',
        ]);
        assert.deepEqual(parse({ "securepg:vpn": { authentication: "entra" } }).warnings, [], "no certificate is expected");
        assert.deepEqual(parse({ "securepg:vpn": { authentication: "both", clients: ["alice"] } }).warnings, []);
        assert.deepEqual(parse({ "securepg:vpn": { authentication: "both" } }).warnings, ["securepg:vpn.clients is empty: no VPN client certificate will be issued"]);
    });

    it("an Entra audience without Entra is pointed out; the tenant is the whole stack's", () => {
        const unused = 'securepg:vpn.entraAudience is not used while vpn.authentication is "certificate"';
        assert.deepEqual(parse({ "securepg:vpn": { clients: ["a"], entraAudience: TENANT } }).warnings, [unused]);
        assert.deepEqual(parse({ "securepg:vpn": { clients: ["a"], authentication: "both", entraAudience: TENANT } }).warnings, []);
        assert.deepEqual(parse({ "securepg:vpn": { clients: ["a"] }, "securepg:entraTenantId": TENANT }).warnings, []);
        const c = parse({ "securepg:vpn": { authentication: "entra" }, "securepg:entraTenantId": TENANT });
        assert.deepEqual([c.vpn.authentication, c.entraTenantId, c.vpn.entraAudience], ["entra", TENANT, undefined]);
        assert.equal(parse({}).entraTenantId, undefined);
        assert.deepEqual(problems({ "securepg:entraTenantId": "contoso.onmicrosoft.com" }), ['securepg:entraTenantId must be a tenant id (a GUID) (got "contoso.onmicrosoft.com")']);
    });

    it("certificates by default, so an upgrade leaves an existing gateway as it is", () => {
        assert.equal(parse({}).vpn.authentication, "certificate");
        assert.equal(parse({}, "prod").vpn.authentication, "certificate");
    });
});

describe("warnings", () => {
    const CLIENTS = "securepg:vpn.clients is empty: no VPN client certificate will be issued";
    const withClients = { "securepg:vpn": { clients: ["alice"] } };
    const PROD_ADVISORIES = [
        'securepg:database.entraAdmin is not set on a prod stack: everyone shares the admin password; set an Entra group as administrator (docs/operations.md, "Entra ID for the database")',
        "securepg:monitoring.alertEmails is empty on a prod stack: alerts fire without notifying anyone",
    ];
    const allWarnings = (values: Record<string, unknown>, stack = "dev") => parse({ ...withClients, ...values }, stack).warnings;
    /** Without the two advisories every prod default gets (tested on their own below). */
    const warnings = (values: Record<string, unknown>, stack = "dev") => allWarnings(values, stack).filter((w) => !PROD_ADVISORIES.includes(w));

    it("none for the defaults with a VPN client; prod also wants an Entra administrator and someone to email", () => {
        assert.deepEqual(allWarnings({}), []);
        assert.deepEqual(allWarnings({}, "prod"), PROD_ADVISORIES);
        assert.deepEqual(allWarnings({
            "securepg:database": { entraAdmin: { objectId: "0f0e0d0c-0b0a-4908-8706-050403020100", principalName: "pg-admins" } },
            "securepg:monitoring": { alertEmails: ["ops@example.com"] },
        }, "prod"), []);
    });

    it("no VPN client", () => {
        assert.deepEqual(parse({}).warnings, [CLIENTS]);
        assert.deepEqual(parse({ "securepg:vpn": { clients: ["a", "b"] } }).warnings, []);
    });

    it("versions in extended support (14 and older)", () => {
        for (const version of ["11", "14"]) {
            assert.deepEqual(warnings({ "securepg:database": { version } }), [`securepg:database.version ${version} is in Azure's paid extended support; plan an upgrade to 17`]);
        }
        for (const version of ["15", "18"]) {
            assert.deepEqual(warnings({ "securepg:database": { version } }), []);
        }
    });

    it("prod proxies: one is a single point of failure, a burstable size is throttled under sustained load", () => {
        const single = "securepg:proxy.instances is 1 on a prod stack: a zone outage or a failed proxy cuts every on-premises connection until it is back";
        const burstable = (vmSize: string) => `securepg:proxy.vmSize ${vmSize} is burstable: under sustained load it is throttled to its baseline (docs/performance.md has the sizing table)`;
        assert.deepEqual(warnings({ "securepg:proxy": { instances: 1 } }, "prod"), [single]);
        assert.deepEqual(warnings({ "securepg:proxy": { instances: 2 } }, "prod"), []);
        assert.deepEqual(warnings({ "securepg:proxy": { instances: 1 } }), [], "dev runs one proxy by default");
        assert.deepEqual(warnings({ "securepg:proxy": { vmSize: "Standard_B2ats_v2" } }, "prod"), [burstable("Standard_B2ats_v2")]);
        assert.deepEqual(warnings({ "securepg:proxy": { vmSize: "Standard_B4als_v2" } }, "prod"), [burstable("Standard_B4als_v2")]);
        assert.deepEqual(warnings({ "securepg:proxy": { vmSize: "Standard_B2ats_v2" } }), [], "dev's default is burstable");
        for (const vmSize of ["Standard_D2as_v5", "Standard_D2_Standard_B2s_v2", "Standard_DB2s"]) {
            assert.deepEqual(warnings({ "securepg:proxy": { vmSize } }, "prod"), [], vmSize);
        }
    });

    it("B-series v1 proxy sizes", () => {
        for (const vmSize of ["Standard_B1s", "Standard_B1ls", "Standard_B1ms", "Standard_B2s", "Standard_B12ms", "Standard_B2S", "Standard_B4m"]) {
            assert.deepEqual(warnings({ "securepg:proxy": { vmSize } }), [`securepg:proxy.vmSize ${vmSize} is B-series v1, announced for retirement; prefer Standard_B2ats_v2`], vmSize);
        }
        for (const vmSize of ["Standard_B2ats_v2", "Standard_B2s_v2", "Standard_DB1s", "Standard_D2_Standard_B1s", "Standard_Bs", "Standard_D2s_v5"]) {
            assert.deepEqual(warnings({ "securepg:proxy": { vmSize } }), [], vmSize);
        }
    });

    it("an idle timeout not above the keepalive idle time", () => {
        for (const idleTimeoutSeconds of [60, 120]) {
            assert.deepEqual(warnings({ "securepg:proxy": { idleTimeoutSeconds } }), [
                `securepg:proxy.idleTimeoutSeconds ${idleTimeoutSeconds} is not above keepaliveIdleSeconds; idle sessions close before a keepalive is sent`,
            ]);
        }
        assert.deepEqual(warnings({ "securepg:proxy": { idleTimeoutSeconds: 121 } }), []);
    });

    it("a prod stack without HA, geo-redundant backup or protect", () => {
        const blocked = (what: string) => `securepg:database: a prod stack without ${what} is blocked by the policy pack (postgres-prod-resilience)`;
        assert.deepEqual(warnings({ "securepg:database": { highAvailability: false } }, "prod"), [blocked("highAvailability")]);
        assert.deepEqual(warnings({ "securepg:database": { geoRedundantBackup: false } }, "prod"), [blocked("geoRedundantBackup")]);
        assert.deepEqual(warnings({ "securepg:database": { highAvailability: false, geoRedundantBackup: false } }, "prod"), [blocked("highAvailability")]);
        assert.deepEqual(warnings({ "securepg:protect": "false" }, "prod"), ["securepg:protect is false on a prod stack: `pulumi destroy` will delete the database"]);
        assert.deepEqual(warnings({ "securepg:protect": "false", "securepg:database": { highAvailability: false, geoRedundantBackup: false } }), []);
    });

    it("monitoring: prod without diagnostics or below the retention floor, and a workspace that is not used", () => {
        assert.deepEqual(warnings({ "securepg:monitoring": { diagnostics: false } }, "prod"), [
            "securepg:monitoring.diagnostics is false on a prod stack: no audit trail of who connected; the policy pack blocks this (prod-diagnostics-on)",
        ]);
        assert.deepEqual(warnings({ "securepg:monitoring": { diagnostics: false } }), []);
        assert.deepEqual(warnings({ "securepg:monitoring": { retentionInDays: 89 } }, "prod"), [
            "securepg:monitoring.retentionInDays 89 is below the prod floor of 90 days; the policy pack blocks this (log-retention-floor)",
        ]);
        assert.deepEqual(warnings({ "securepg:monitoring": { retentionInDays: 90 } }, "prod"), []);
        assert.deepEqual(warnings({ "securepg:monitoring": { retentionInDays: 30 } }), []);
        const workspaceId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log-x";
        assert.deepEqual(warnings({ "securepg:monitoring": { diagnostics: false, workspaceId } }), ["securepg:monitoring.workspaceId is not used while monitoring.diagnostics is false"]);
        assert.deepEqual(warnings({ "securepg:monitoring": { workspaceId } }), []);
    });

    it("regions without zones, and regions without zone-redundant HA", () => {
        const noZones = "azure-native:location ukwest has no availability zones: the VPN gateway (an AZ SKU, which Azure deploys regionally there) gets a regional public IP with no zones";
        assert.deepEqual(warnings({ "azure-native:location": "ukwest" }), [noZones]);
        assert.deepEqual(warnings({ "azure-native:location": "ukwest" }, "prod"), [
            `${noZones}, and securepg:database.highAvailability is planned as SameZone HA (zone-redundant HA needs zones)`,
        ]);
        assert.deepEqual(warnings({ "azure-native:location": "japanwest" }, "prod"), [
            "securepg:database.highAvailability: Flexible Server offers no zone-redundant HA in japanwest; planned as SameZone HA",
        ]);
        assert.deepEqual(warnings({ "azure-native:location": "japanwest" }), []);
        const zonal = parse({ ...withClients, "azure-native:location": "westeurope" }, "prod");
        assert.deepEqual(zonal.warnings, PROD_ADVISORIES);
        assert.equal(zonal.zones.highAvailabilityMode, "ZoneRedundant");
    });
});
