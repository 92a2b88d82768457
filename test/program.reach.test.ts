/**
 * The real program under mocks with site-to-site networks (and active-active), the built-in
 * PgBouncer and more targets: what it asks Azure for, what stays secret, what it exports.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { CANDIDATE_NGINX_CONF, writtenFiles } from "../lib/cloudInit";
import { ruleValues } from "../lib/nsgRules";
import { DEFAULT_IPSEC_POLICY } from "../lib/siteToSite";
import { isSecretValue, one, ofType, runProgram, unwrapSecret } from "./harness/program";
import { loadStackFile, withSections } from "./harness/stackFiles";

const dev = loadStackFile("Pulumi.dev.yaml");
const GIVEN_KEY = "Zq8pX4vL2mN7rT1wY6sB3dF9hJ5kC0gA";
const reach = withSections(dev.config, {
    database: { skuName: "Standard_D2ds_v5", tier: "GeneralPurpose", pgbouncer: true },
    vpn: {
        sites: [
            { name: "hq", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"] },
            { name: "branch", gatewayAddress: "198.51.100.7", addressPrefixes: ["192.168.20.0/24"], bgp: { asn: 65010, peeringAddress: "169.254.21.1" }, ipsecPolicy: { dhGroup: "ECP384", pfsGroup: "ECP384" } },
        ],
        siteKeys: { hq: GIVEN_KEY },
    },
    proxy: { targets: [{ name: "orders-mysql", host: "mysql-orders.mysql.database.azure.com", port: 3306, listenPort: 3306 }] },
});

describe("site-to-site", () => {
    it("gives each site a local network gateway and an IKEv2 connection with its policy and a secret key", async () => {
        const run = await runProgram({ stack: "dev", config: reach, secretKeys: ["securepg:vpn"] });
        assert.equal(run.error, undefined, run.error?.message);
        const gateways = ofType(run, "azure-native:network:LocalNetworkGateway");
        assert.deepEqual(gateways.map((g) => [g.inputs.localNetworkGatewayName, g.inputs.gatewayIpAddress, g.inputs.localNetworkAddressSpace.addressPrefixes, g.inputs.bgpSettings]), [
            ["lgw-securepg-dev-hq", "203.0.113.10", ["192.168.10.0/24"], undefined],
            ["lgw-securepg-dev-branch", "198.51.100.7", ["192.168.20.0/24"], { asn: 65010, bgpPeeringAddress: "169.254.21.1" }],
        ]);
        const connections = ofType(run, "azure-native:network:VirtualNetworkGatewayConnection");
        assert.deepEqual(connections.map((c) => c.inputs.virtualNetworkGatewayConnectionName), ["con-securepg-dev-hq", "con-securepg-dev-branch"]);
        for (const c of connections) {
            assert.equal(c.inputs.connectionType, "IPsec");
            assert.equal(c.inputs.connectionProtocol, "IKEv2");
            assert.equal(c.inputs.ipsecPolicies.length, 1);
            assert.equal(c.inputs.dpdTimeoutSeconds, 45);
            assert.ok(isSecretValue(c.inputs.sharedKey), "the key is a secret input");
            assert.deepEqual(c.additionalSecretOutputs, ["sharedKey"]);
            assert.deepEqual([...c.replaceOnChanges].sort(), ["connectionProtocol", "sharedKey"]);
            assert.ok(c.deleteBeforeReplace);
        }
        assert.equal(unwrapSecret(connections[0].inputs.sharedKey), GIVEN_KEY, "hq's key comes from the secret config");
        assert.deepEqual(connections[1].inputs.ipsecPolicies[0], { ...DEFAULT_IPSEC_POLICY, dhGroup: "ECP384", pfsGroup: "ECP384" });
        assert.equal(connections[0].inputs.enableBgp, false);
        assert.equal(connections[1].inputs.enableBgp, true);
        const generated = ofType(run, "random:index/randomPassword:RandomPassword").filter((r) => r.name.startsWith("site-"));
        assert.deepEqual(generated.map((r) => [r.name, r.inputs.length, r.inputs.special]), [["site-branch-key", 48, false]], "a key only for the site without one");
        assert.equal(one(run, "azure-native:network:VirtualNetworkGateway").inputs.enableBgp, true, "BGP on the gateway for the site that speaks it");

        assert.ok(run.secretExports.has("siteSharedKeys"));
        assert.deepEqual(Object.keys(run.outputs.siteSharedKeys as object), ["hq", "branch"]);
        const devices = run.outputs.siteDevices as Record<string, { strongSwan: { ike: string; esp: string }; siteNetworks: string[]; azureNetworks: string[] }>;
        assert.deepEqual(devices.hq.strongSwan, { ike: "aes256-sha256-modp2048", esp: "aes256gcm16-modp2048" });
        assert.deepEqual(devices.branch.strongSwan, { ike: "aes256-sha256-ecp384", esp: "aes256gcm16-ecp384" });
        assert.deepEqual(devices.hq.azureNetworks, ["10.40.0.0/16"]);
        assert.ok(!run.secretExports.has("siteDevices") && !JSON.stringify(devices).includes(GIVEN_KEY), "the device settings hold no key");
    });

    it("active-active: two instance addresses for the sites' tunnels, and a third for Point-to-Site", async () => {
        const run = await runProgram({ stack: "dev", config: withSections(reach, { vpn: { activeActive: true, sites: [{ name: "hq", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"] }] } }) });
        assert.equal(run.error, undefined, run.error?.message);
        const gateway = one(run, "azure-native:network:VirtualNetworkGateway");
        assert.equal(gateway.inputs.activeActive, true);
        assert.deepEqual(gateway.inputs.ipConfigurations.map((c: { name: string }) => c.name), ["default", "active-active", "point-to-site"]);
        const ips = ofType(run, "azure-native:network:PublicIPAddress").filter((p) => p.name.startsWith("vpn-public-ip"));
        assert.deepEqual(ips.map((p) => p.inputs.publicIpAddressName), ["pip-securepg-dev-vgw", "pip-securepg-dev-vgw2", "pip-securepg-dev-vgw-p2s"]);
        for (const ip of ips) {
            assert.deepEqual([ip.inputs.sku, ip.inputs.publicIPAllocationMethod, ip.inputs.zones], [{ name: "Standard", tier: "Regional" }, "Static", ["1", "2", "3"]]);
        }
        const devices = run.outputs.siteDevices as Record<string, { azureGatewayAddresses: string[] }>;
        assert.equal(devices.hq.azureGatewayAddresses.length, 2, "a tunnel to each instance, not to the P2S address");
        assert.ok(run.warnings.some((w) => w.includes("vpn.activeActive with Point-to-Site needs a third public IP")));
        const single = await runProgram({ stack: "dev", config: reach });
        assert.deepEqual(one(single, "azure-native:network:VirtualNetworkGateway").inputs.ipConfigurations.map((c: { name: string }) => c.name), ["default"], "one address otherwise");
        assert.equal((single.outputs.siteDevices as Record<string, { azureGatewayAddresses: string[] }>).hq.azureGatewayAddresses.length, 1);
    });

    it("creates nothing for a stack without sites, and leaves BGP off", async () => {
        const run = await runProgram({ stack: "dev", config: dev.config });
        assert.equal(ofType(run, "azure-native:network:LocalNetworkGateway").length + ofType(run, "azure-native:network:VirtualNetworkGatewayConnection").length, 0);
        assert.equal(one(run, "azure-native:network:VirtualNetworkGateway").inputs.enableBgp, false);
        assert.equal(run.outputs.siteDevices, undefined);
    });
});

describe("the built-in PgBouncer", () => {
    it("is turned on by a server parameter chained after the others, kept on destroy", async () => {
        const run = await runProgram({ stack: "dev", config: reach });
        const parameters = ofType(run, "azure-native:dbforpostgresql:Configuration");
        const pgbouncer = parameters.find((p) => p.inputs.configurationName === "pgbouncer.enabled");
        assert.ok(pgbouncer, "pgbouncer.enabled is set");
        assert.equal(pgbouncer.inputs.value, "true");
        assert.equal(pgbouncer.retainOnDelete, true);
        const before = parameters.find((p) => p.inputs.configurationName === "log_disconnections")!;
        assert.ok(pgbouncer.dependencies.includes(before.urn), "one server operation at a time: after the last parameter");
        const untouched = await runProgram({ stack: "dev", config: dev.config });
        assert.ok(!ofType(untouched, "azure-native:dbforpostgresql:Configuration").some((p) => p.inputs.configurationName === "pgbouncer.enabled"), "not managed unless set");
    });
});

describe("connection strings for PgBouncer and the targets", () => {
    it("exports PgBouncer's as a secret on 6432, and each target's without credentials", async () => {
        const run = await runProgram({ stack: "dev", config: reach, secretKeys: ["securepg:vpn"] });
        assert.ok(run.secretExports.has("pgbouncerConnectionString"));
        assert.match(String(run.outputs.pgbouncerConnectionString), /^host=psql-securepg-dev-a1b2c3\.postgres\.database\.azure\.com hostaddr=10\.40\.1\.254 port=6432 dbname=app user=pgadmin password=\S+ sslmode=verify-full$/);
        assert.deepEqual(run.outputs.targetConnectionStrings, {
            "orders-mysql": "mysql --host=mysql-orders.mysql.database.azure.com --port=3306 --ssl-mode=VERIFY_IDENTITY --ssl-ca=<root.crt>   # mysql-orders.mysql.database.azure.com must resolve to 10.40.1.254",
        });
        const plain = await runProgram({ stack: "dev", config: dev.config });
        assert.equal(plain.outputs.pgbouncerConnectionString, undefined);
        assert.equal(plain.outputs.targetConnectionStrings, undefined);
    });
});

describe("the proxy tier forwards every listen port", () => {
    it("gives the load balancer a rule per port on the one probe, the NSG every port, nginx a server per port", async () => {
        const run = await runProgram({ stack: "dev", config: reach });
        assert.equal(run.error, undefined, run.error?.message);
        const lb = one(run, "azure-native:network:LoadBalancer").inputs;
        assert.deepEqual(lb.probes.map((p: { name: string; port: number }) => [p.name, p.port]), [["tcp-5432", 5432]], "one probe, on the stack's server's port");
        assert.deepEqual(lb.loadBalancingRules.map((r: { name: string; frontendPort: number; backendPort: number }) => [r.name, r.frontendPort, r.backendPort]),
            [["tcp-5432", 5432, 5432], ["tcp-6432", 6432, 6432], ["tcp-3306", 3306, 3306]]);
        const probeIds = new Set(lb.loadBalancingRules.map((r: { probe: { id: string } }) => r.probe.id));
        assert.equal(probeIds.size, 1);
        assert.match([...probeIds][0] as string, /\/probes\/tcp-5432$/);

        const rules = one(run, "azure-native:network:NetworkSecurityGroup", "proxy-nsg").inputs.securityRules;
        for (const name of ["AllowVpnClientsToProxy", "AllowSitesToProxy", "AllowProxySubnetToProxy"]) {
            const rule = rules.find((r: { name: string }) => r.name === name);
            assert.deepEqual(ruleValues(rule, "destinationPort"), ["5432", "6432", "3306"], name);
        }
        assert.deepEqual(ruleValues(rules.find((r: { name: string }) => r.name === "AllowSitesToProxy"), "sourceAddress"), ["192.168.10.0/24", "192.168.20.0/24"]);

        const userData = Buffer.from(ofType(run, "azure-native:compute:VirtualMachine")[0].inputs.osProfile.customData, "base64").toString("utf8");
        const conf = writtenFiles(userData).get(CANDIDATE_NGINX_CONF)!;
        assert.deepEqual([...conf.matchAll(/^\s*listen (\d+) /gm)].map((m) => m[1]), ["5432", "6432", "3306"]);
        assert.match(conf, /set \$securepg_upstream psql-securepg-dev-a1b2c3\.postgres\.database\.azure\.com:6432;/);
        assert.match(conf, /set \$securepg_upstream mysql-orders\.mysql\.database\.azure\.com:3306;/);
    });

    it("leaves a stack without extras as it was: one rule, one port, and no site rule", async () => {
        const run = await runProgram({ stack: "dev", config: dev.config });
        const lb = one(run, "azure-native:network:LoadBalancer").inputs;
        assert.deepEqual(lb.loadBalancingRules.map((r: { name: string }) => r.name), ["tcp-5432"]);
        const rules = one(run, "azure-native:network:NetworkSecurityGroup", "proxy-nsg").inputs.securityRules;
        assert.equal(rules.find((r: { name: string }) => r.name === "AllowVpnClientsToProxy").destinationPortRange, "5432", "the singular field, as before");
        assert.ok(!rules.some((r: { name: string }) => r.name === "AllowSitesToProxy"));
    });
});
