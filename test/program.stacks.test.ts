/**
 * Runs the real index.ts under mocks for every Pulumi.<stack>.yaml in the repository and checks what
 * it would ask Azure to build.
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { isSecretValue, ofType, one, runProgram, unwrapSecret, type ProgramRun, type RegisteredResource } from "./harness/program";
import { loadAllStackFiles, loadStackFile, withSections } from "./harness/stackFiles";
import { parseStackConfig, type StackConfig } from "../stacks";
import { ruleValues, type NsgRule } from "../lib/nsgRules";
import { evaluateNsg } from "../lib/nsgEval";
import { intToIpv4 } from "../lib/cidr";

const T = {
    server: "azure-native:dbforpostgresql:Server",
    configuration: "azure-native:dbforpostgresql:Configuration",
    firewall: "azure-native:dbforpostgresql:FirewallRule",
    database: "azure-native:dbforpostgresql:Database",
    entraAdmin: "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra",
    diagnostics: "azure-native:monitor:DiagnosticSetting",
    subnet: "azure-native:network:Subnet",
    vnet: "azure-native:network:VirtualNetwork",
    nsg: "azure-native:network:NetworkSecurityGroup",
    nat: "azure-native:network:NatGateway",
    pip: "azure-native:network:PublicIPAddress",
    zone: "azure-native:privatedns:PrivateZone",
    link: "azure-native:privatedns:VirtualNetworkLink",
    group: "azure-native:resources:ResourceGroup",
};

const stackFiles = loadAllStackFiles();

it("the repository has dev and prod stack files", () => {
    const stacks = stackFiles.map((s) => s.stack);
    assert.ok(stacks.includes("dev") && stacks.includes("prod"), stacks.join(", "));
});

for (const stackFile of stackFiles) {
    describe(`stack ${stackFile.stack} (${stackFile.file})`, () => {
        let run: ProgramRun;
        let config: StackConfig;
        let server: RegisteredResource;
        before(async () => {
            config = parseStackConfig({ project: "securepg", stack: stackFile.stack, values: stackFile.config });
            run = await runProgram({ stack: stackFile.stack, config: stackFile.config, secretKeys: stackFile.secretKeys });
            assert.equal(run.error, undefined, run.error?.message);
            server = one(run, T.server);
        });

        it("registers a full deployment, every resource inside a securepg component", () => {
            assert.ok(run.resources.length >= 15, `only ${run.resources.length} resources`);
            const components = new Set(run.resources.filter((r) => r.type.startsWith("securepg:")).map((r) => r.urn));
            for (const r of run.resources.filter((r) => !r.type.startsWith("securepg:"))) {
                assert.ok(components.has(r.parent), `${r.type} ${r.name} has parent ${r.parent || "(none)"}`);
            }
        });

        it("shows every configuration warning in the deployment log, in order", () => {
            assert.deepEqual(run.warnings, config.warnings);
        });

        it("tags every Azure resource that takes tags with the project, stack, environment and managed-by", () => {
            const expected = { project: "securepg", stack: stackFile.stack, environment: config.environment, "managed-by": "pulumi" };
            const taggable = [T.group, T.vnet, T.nsg, T.nat, T.pip, T.server, T.zone, T.link,
                "azure-native:network:VirtualNetworkGateway", "azure-native:network:NetworkInterface", "azure-native:compute:VirtualMachine"];
            for (const type of taggable) {
                const resources = ofType(run, type);
                assert.ok(resources.length > 0, `no ${type}`);
                for (const resource of resources) {
                    assert.deepEqual(resource.inputs.tags, expected, `${type} ${resource.name}`);
                }
            }
        });

        it("names the stack in each VPN root certificate's subject, so roots of different stacks tell apart", () => {
            const roots = ofType(run, "tls:index/selfSignedCert:SelfSignedCert").filter((r) => r.inputs.isCaCertificate === true);
            assert.ok(roots.length > 0);
            for (const root of roots) {
                assert.match(String(root.inputs.subject?.commonName), new RegExp(`^securepg-${stackFile.stack} P2S root `), root.name);
            }
        });

        it("builds on Flexible Server only, never Single Server", () => {
            assert.ok(run.resources.every((r) => !/SingleServer|dbforpostgresql:(?:Server|FirewallRule)V\d|dbforpostgresql\/v2017/i.test(r.type)));
            assert.equal(server.inputs.version, config.database.version);
            assert.equal(server.inputs.administratorLogin, config.database.adminLogin);
        });

        it("enforces TLS with server parameters applied one after another", () => {
            const params = ofType(run, T.configuration);
            const byName = new Map(params.map((p) => [p.inputs.configurationName, p]));
            assert.equal(byName.get("require_secure_transport")?.inputs.value, "on");
            assert.match(byName.get("ssl_min_protocol_version")?.inputs.value, /^TLSv1\.[23]$/);
            assert.ok(!byName.has("ssl_max_protocol_version"));
            // Every child operation of the server waits for the one before it (ServerBusy).
            const serverDiagnostics = ofType(run, T.diagnostics).filter((d) => d.dependencies.includes(server.urn));
            const chain = [...params, ...ofType(run, T.entraAdmin), ...serverDiagnostics, ...ofType(run, T.firewall), ...ofType(run, T.database)];
            const urns = new Set(chain.map((r) => r.urn));
            const roots = chain.filter((r) => !r.dependencies.some((d) => urns.has(d)));
            assert.equal(roots.length, 1, `exactly one server operation starts first, got ${roots.map((r) => r.name)}`);
            assert.ok(roots[0].dependencies.includes(server.urn));
            const dependents = new Map<string, number>();
            for (const r of chain) {
                for (const d of r.dependencies.filter((d) => urns.has(d))) {
                    dependents.set(d, (dependents.get(d) ?? 0) + 1);
                }
            }
            assert.ok([...dependents.values()].every((n) => n === 1), "no two server operations wait on the same predecessor");
        });

        it("keeps the admin password secret in inputs, state and outputs", () => {
            assert.ok(isSecretValue(server.inputs.administratorLoginPassword), "password input is not secret");
            assert.ok(server.additionalSecretOutputs.includes("administratorLoginPassword"));
            assert.ok(run.secretExports.has("adminPassword"), "adminPassword export is not secret");
            assert.equal(run.outputs.adminPassword, unwrapSecret(server.inputs.administratorLoginPassword));
            assert.ok(!server.replaceOnChanges.includes("administratorLoginPassword"));
        });

        it("exports what a user needs to connect", () => {
            for (const key of ["resourceGroupName", "serverFqdn", "adminLogin", "adminPassword", "natEgressIp", "accessMode"]) {
                assert.ok(run.outputs[key] !== undefined && run.outputs[key] !== "", `missing output ${key}`);
            }
            assert.match(String(run.outputs.serverFqdn), /^psql-[a-z0-9-]+\.postgres\.database\.azure\.com$/);
            assert.equal(run.outputs.accessMode, config.database.access);
            assert.equal(run.outputs.resourceGroupName, `rg-securepg-${stackFile.stack}`);
        });

        it("creates the application databases", () => {
            assert.deepEqual(ofType(run, T.database).map((d) => d.inputs.databaseName).sort(), [...config.database.databases].sort());
        });

        it("lays out GatewaySubnet, the proxy subnet with NAT and service endpoints, without inline VNet subnets", () => {
            const vnet = one(run, T.vnet);
            assert.equal(vnet.inputs.subnets, undefined, "subnets are standalone resources, never inline");
            assert.ok(vnet.ignoreChanges.includes("subnets"));
            const subnets = new Map(ofType(run, T.subnet).map((s) => [s.name, s]));
            const gateway = subnets.get("gateway-subnet")!;
            assert.equal(gateway.inputs.subnetName, "GatewaySubnet");
            assert.equal(gateway.inputs.networkSecurityGroup, undefined, "Azure does not support an NSG on GatewaySubnet");
            const proxy = subnets.get("proxy-subnet")!;
            assert.equal(proxy.inputs.addressPrefix, config.network.proxySubnet.text);
            assert.equal(proxy.inputs.defaultOutboundAccess, false);
            assert.ok(proxy.inputs.natGateway?.id, "proxy subnet has no NAT gateway");
            assert.deepEqual((proxy.inputs.serviceEndpoints ?? []).map((e: { service: string }) => e.service), [...config.network.serviceEndpoints]);
            if (config.database.access === "vnet") {
                assert.ok(proxy.inputs.serviceEndpoints.some((e: { service: string }) => e.service === "Microsoft.Sql"));
            }
            // One subnet operation at a time on the VNet.
            assert.ok(proxy.dependencies.includes(gateway.urn));
            const nat = one(run, T.nat);
            assert.equal(nat.inputs.sku.name, "Standard");
            const natIp = run.resources.find((r) => r.type === T.pip && nat.inputs.publicIpAddresses[0].id.endsWith(`/${r.inputs.publicIpAddressName}`));
            assert.equal(natIp?.inputs.sku.name, "Standard");
            assert.equal(natIp?.inputs.publicIPAllocationMethod, "Static");
        });

        it("admits PostgreSQL into the database subnet only from the proxy subnet, and the proxy only from VPN clients", () => {
            for (const nsg of ofType(run, T.nsg)) {
                const rules = nsg.inputs.securityRules as Array<Record<string, any>>;
                const denyAll = rules.find((r) => r.direction === "Inbound" && r.access === "Deny" && r.sourceAddressPrefix === "*");
                assert.equal(denyAll?.priority, 4096, `${nsg.name} does not deny by default`);
                for (const r of rules.filter((r) => r.direction === "Inbound" && r.access === "Allow")) {
                    assert.ok(!["*", "Internet", "0.0.0.0/0"].includes(r.sourceAddressPrefix), `${nsg.name}/${r.name} admits ${r.sourceAddressPrefix}`);
                }
            }
            const proxyNsg = one(run, T.nsg, "proxy-nsg").inputs.securityRules as Array<Record<string, any>>;
            const proxyPorts = proxyNsg.filter((r) => r.access === "Allow" && r.direction === "Inbound" && r.sourceAddressPrefix === config.vpn.clientAddressPool.text)
                .flatMap((r) => ruleValues(r as NsgRule, "destinationPort"));
            assert.deepEqual(proxyPorts.sort(), [String(config.proxy.port), "22"].sort());
            if (config.database.access === "vnet") {
                const dbRules = one(run, T.nsg, "database-nsg").inputs.securityRules as Array<Record<string, any>>;
                // AzureLoadBalancer is the platform's health probe (168.63.129.16), not a client.
                const to5432 = dbRules.filter((r) => r.direction === "Inbound" && r.access === "Allow" && r.sourceAddressPrefix !== "AzureLoadBalancer"
                    && ruleValues(r as NsgRule, "destinationPort").some((p) => p === "5432" || p === "*"));
                assert.deepEqual(to5432.map((r) => r.sourceAddressPrefix).sort(), [config.network.databaseSubnet.text, config.network.proxySubnet.text].sort());
            }
        });

        if (stackFileIsVnet(stackFile.config)) {
            it("VNet mode: the database subnet reaches its standby, and nothing on the Internet", () => {
                const rules = one(run, T.nsg, "database-nsg").inputs.securityRules as NsgRule[];
                const context = { virtualNetwork: [config.network.addressSpace.text, config.vpn.clientAddressPool.text] };
                const db = config.network.databaseSubnet;
                const server = intToIpv4(db.first + 4);
                const out = (destination: string, port: number, protocol: "Tcp" | "Udp" = "Tcp") =>
                    evaluateNsg(rules, { direction: "Outbound", protocol, source: server, destination, destinationPort: port }, context);
                for (const [destination, port, protocol] of [["203.0.113.9", 80], ["8.8.8.8", 53, "Udp"], ["198.51.100.20", 5432]] as const) {
                    assert.deepEqual(out(destination, port, protocol), { access: "Deny", rule: "DenyInternetOutbound" }, `${destination}:${port}`);
                }
                assert.equal(out(intToIpv4(db.first + 5), 5432).access, "Allow", "replication to the standby");
                const inbound = (source: string, port: number) =>
                    evaluateNsg(rules, { direction: "Inbound", protocol: "Tcp", source, destination: server, destinationPort: port }, context).access;
                assert.equal(inbound(intToIpv4(config.network.proxySubnet.first + 4), 5432), "Allow");
                assert.equal(inbound(intToIpv4(config.network.proxySubnet.first + 4), 22), "Deny");
                assert.equal(inbound(intToIpv4(config.vpn.clientAddressPool.first + 10), 5432), "Deny", "VPN clients only through the proxy");
                assert.equal(inbound(intToIpv4(config.network.gatewaySubnet.first + 4), 5432), "Deny");
            });

            it("VNet mode: delegated subnet, linked private DNS zone, no public access, no firewall", () => {
                const network = server.inputs.network;
                assert.equal(network.publicNetworkAccess, "Disabled");
                const dbSubnet = one(run, T.subnet, "database-subnet");
                assert.equal(dbSubnet.inputs.delegations[0].serviceName, "Microsoft.DBforPostgreSQL/flexibleServers");
                assert.ok(network.delegatedSubnetResourceId.endsWith(`/${dbSubnet.inputs.subnetName}`));
                const zone = one(run, T.zone);
                const zoneName: string = zone.inputs.privateZoneName;
                assert.match(zoneName, /\.private\.postgres\.database\.azure\.com$/);
                assert.notEqual(zoneName, `${run.outputs.serverName}.postgres.database.azure.com`);
                assert.ok(network.privateDnsZoneArmResourceId.endsWith(`/${zoneName}`));
                const link = one(run, T.link);
                assert.equal(link.inputs.registrationEnabled, false);
                assert.ok(server.dependencies.includes(link.urn), "server must wait for the VNet link");
                assert.equal(ofType(run, T.firewall).length, 0);
            });
        }

        it("never opens the server to all Azure services unless asked", () => {
            const allowAzure = config.database.access === "public" && config.database.allowAzureServices;
            const zeroRules = ofType(run, T.firewall).filter((r) => r.inputs.startIpAddress === "0.0.0.0");
            assert.equal(zeroRules.length, allowAzure ? 1 : 0);
            assert.ok(ofType(run, T.firewall).every((r) => r.inputs.endIpAddress !== "255.255.255.255"));
        });

        it(`protection matches the environment (protect=${stackFile.stack === "prod"})`, () => {
            const stateful = [server, ...ofType(run, T.database), one(run, T.group)];
            for (const r of stateful) {
                assert.equal(r.protect, config.protect, `${r.type} ${r.name}`);
            }
            if (config.environment === "prod") {
                assert.equal(config.protect, true);
                assert.equal(server.inputs.highAvailability.mode, "ZoneRedundant");
                assert.equal(server.inputs.backup.geoRedundantBackup, "Enabled");
                assert.equal(server.inputs.backup.backupRetentionDays, 35);
            }
        });
    });
}

function stackFileIsVnet(config: Record<string, string>): boolean {
    const database = config["securepg:database"] ? JSON.parse(config["securepg:database"]) : {};
    return (database.access ?? "vnet") === "vnet";
}

it("a stack without application databases: the connection strings name the server's own postgres database", async () => {
    const dev = loadStackFile("Pulumi.dev.yaml");
    const run = await runProgram({ stack: "dev", config: withSections(dev.config, { database: { databases: [] } }) });
    assert.equal(run.error, undefined, run.error?.message);
    assert.deepEqual(ofType(run, T.database), []);
    assert.match(String(run.outputs.connectionStringWithoutPassword), / dbname=postgres /);
    assert.match(String(run.outputs.connectionString), / dbname=postgres /);
});

it("a configuration warning reaches the deployment log", async () => {
    const dev = loadStackFile("Pulumi.dev.yaml");
    const run = await runProgram({ stack: "dev", config: withSections(dev.config, { vpn: { clients: [] } }) });
    assert.equal(run.error, undefined, run.error?.message);
    assert.ok(run.warnings.includes("securepg:vpn.clients is empty: no VPN client certificate will be issued"), run.warnings.join("\n"));
});
