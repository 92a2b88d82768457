/**
 * The settings of issue 13, read as the program reads them: site-to-site sites and their keys,
 * active-active, the built-in PgBouncer and more proxy targets; every refusal word for word.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { parseStackConfig, StackConfigError, type StackConfig } from "../stacks";
import { DEFAULT_IPSEC_POLICY } from "../lib/siteToSite";

const location = { "azure-native:location": "westeurope" };
const KEY = "Zq8pX4vL2mN7rT1wY6sB3dF9hJ5kC0gA";

function engine(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries({ ...location, ...values }).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

function parse(values: Record<string, unknown>, stack = "dev"): StackConfig {
    return parseStackConfig({ project: "securepg", stack, values: engine(values) });
}

function problems(values: Record<string, unknown>, stack = "dev"): string[] {
    try {
        parse(values, stack);
    } catch (error) {
        assert.ok(error instanceof StackConfigError, String(error));
        return error.problems.map((p) => `${p.key} ${p.message}`);
    }
    return [];
}

const hq = { name: "hq", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"] };

describe("vpn.sites", () => {
    it("reads a site with the strong default policy, or the fields it overrides", () => {
        const config = parse({ "securepg:vpn": { sites: [hq, { name: "lab-2", gatewayAddress: "198.51.100.7", addressPrefixes: ["192.168.20.0/24"], bgp: { asn: 65010, peeringAddress: "169.254.21.1" }, ipsecPolicy: { dhGroup: "ECP384", pfsGroup: "ECP384" } }] } });
        assert.deepEqual(config.vpn.sites.map((s) => ({ ...s, addressPrefixes: s.addressPrefixes.map((b) => b.text) })), [
            { name: "hq", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"], ipsecPolicy: DEFAULT_IPSEC_POLICY },
            { name: "lab-2", gatewayAddress: "198.51.100.7", addressPrefixes: ["192.168.20.0/24"], bgp: { asn: 65010, peeringAddress: "169.254.21.1" }, ipsecPolicy: { ...DEFAULT_IPSEC_POLICY, dhGroup: "ECP384", pfsGroup: "ECP384" } },
        ]);
        assert.deepEqual(parse({}).vpn.sites, []);
        assert.equal(parse({}).vpn.activeActive, false);
    });

    it("refuses bad names, private gateway addresses, weak policies and reserved ASNs", () => {
        assert.deepEqual(problems({ "securepg:vpn": { sites: [
            { ...hq, name: "HQ" },
            { ...hq, name: "b", gatewayAddress: "10.1.2.3" },
            { ...hq, name: "c1", gatewayAddress: "203.0.113.0/24", addressPrefixes: ["0.0.0.0/0"] },
            { ...hq, name: "d1", addressPrefixes: [], ipsecPolicy: { ikeIntegrity: "SHA1", saLifeTimeSeconds: 60, color: "red" } },
            { ...hq, name: "e1", addressPrefixes: ["192.168.50.0/24"], bgp: { asn: 65515, peeringAddress: "x" } },
        ] } }), [
            'securepg:vpn.sites[0].name is not valid: 2-24 lowercase letters, digits and -, starting with a letter (got "HQ")',
            'securepg:vpn.sites[1].name is not valid: 2-24 lowercase letters, digits and -, starting with a letter (got "b")',
            "securepg:vpn.sites[1].gatewayAddress 10.1.2.3 is not a public address (private (RFC 1918) range 10.0.0.0/8): Azure reaches the device over the Internet",
            "securepg:vpn.sites[2].gatewayAddress must be the on-premises VPN device's public address, an IPv4 address like 203.0.113.10",
            "securepg:vpn.sites[2].addressPrefixes[0] 0.0.0.0/0 is wider than /8",
            "securepg:vpn.sites[3].ipsecPolicy has unknown settings: color (known: ikeEncryption, ikeIntegrity, dhGroup, ipsecEncryption, ipsecIntegrity, pfsGroup, saLifeTimeSeconds, saDataSizeKilobytes)",
            "securepg:vpn.sites[3].ipsecPolicy ikeIntegrity SHA1 is weak; use one of SHA384, SHA256",
            "securepg:vpn.sites[3].ipsecPolicy saLifeTimeSeconds must be a whole number of at least 300",
            "securepg:vpn.sites[4].bgp.asn is reserved by Azure (8074, 8075, 12076, 65515, 65517-65520)",
            "securepg:vpn.sites[4].bgp.peeringAddress must be the device's BGP peering address, an IPv4 address like 203.0.113.10",
        ]);
        assert.deepEqual(problems({ "securepg:vpn": { sites: [{ ...hq, ipsecPolicy: { ikeIntegrity: "SHA1", saLifeTimeSeconds: 60 } }] } }), [
            "securepg:vpn.sites[0].ipsecPolicy ikeIntegrity SHA1 is weak; use one of SHA384, SHA256",
            "securepg:vpn.sites[0].ipsecPolicy saLifeTimeSeconds must be a whole number of at least 300",
        ]);
        assert.deepEqual(problems({ "securepg:vpn": { sites: [hq, { ...hq, addressPrefixes: ["192.168.11.0/24"] }] } }), ["securepg:vpn.sites names hq twice"]);
    });

    it("refuses prefixes that overlap the VNet, the P2S pool or another site, and a site Azure could not route to", () => {
        assert.deepEqual(problems({ "securepg:vpn": { sites: [
            { ...hq, addressPrefixes: ["10.40.5.0/24", "172.16.0.0/12", "192.168.10.0/24"] },
            { name: "branch", gatewayAddress: "198.51.100.7", addressPrefixes: ["192.168.10.128/25"] },
            { name: "empty", gatewayAddress: "198.51.100.8", addressPrefixes: [] },
            { name: "bgp-in-vnet", gatewayAddress: "198.51.100.9", bgp: { asn: 65010, peeringAddress: "10.40.9.9" } },
        ] } }), [
            "securepg:vpn.sites[0].addressPrefixes 10.40.5.0/24 overlaps the VNet addressSpace 10.40.0.0/16: Azure could not route it to the site",
            "securepg:vpn.sites[0].addressPrefixes 172.16.0.0/12 overlaps vpn.clientAddressPool 172.16.201.0/24: Azure could not route it to the site",
            "securepg:vpn.sites[1].addressPrefixes 192.168.10.128/25 overlaps site hq's 192.168.10.0/24: Azure could not route it to the site",
            "securepg:vpn.sites[2].addressPrefixes is empty: list the site's networks; they are what Azure routes to the site and what the proxy admits",
            "securepg:vpn.sites[3].addressPrefixes is empty: list the site's networks; they are what Azure routes to the site and what the proxy admits",
            "securepg:vpn.sites[3].bgp.peeringAddress 10.40.9.9 is inside the VNet addressSpace 10.40.0.0/16; use an address of the site (or an APIPA 169.254.21.x address)",
        ]);
    });
});

describe("vpn.siteKeys and vpn.activeActive", () => {
    it("takes a key per site, refuses keys Azure would not take without repeating them, and keys for no site", () => {
        assert.deepEqual(parse({ "securepg:vpn": { sites: [hq], siteKeys: { hq: KEY } } }).vpn.siteKeys, { hq: KEY });
        const refused = [
            ...problems({ "securepg:vpn": { sites: [hq], siteKeys: { hq: `${KEY}-x`, lab: 1234567890123456 } } }),
            ...problems({ "securepg:vpn": { siteKeys: KEY } }),
            ...problems({ "securepg:vpn": { sites: [hq], siteKeys: { hq: KEY, branch: KEY } } }),
        ];
        assert.deepEqual(refused, [
            "securepg:vpn.siteKeys.hq may hold only printable ASCII characters other than space, - and ~",
            "securepg:vpn.siteKeys.lab must be a string",
            "securepg:vpn.siteKeys must be an object { <site name>: <pre-shared key> }",
            "securepg:vpn.siteKeys.branch names no site in vpn.sites (hq)",
        ]);
        assert.ok(!refused.join("\n").includes(KEY) && !refused.join("\n").includes("1234567890123456"), "no key in a message");
    });

    it("warns that active-active with P2S takes a third public IP and a long update", () => {
        assert.ok(parse({ "securepg:vpn": { activeActive: true } }).warnings.includes(
            "securepg:vpn.activeActive with Point-to-Site needs a third public IP for P2S (created, and billed); the switch takes Azure 30-45 minutes and changes the gateway's BGP addresses"));
    });
});

describe("database.pgbouncer and proxy.targets", () => {
    const gp = { skuName: "Standard_D2ds_v5", tier: "GeneralPurpose" };
    const other = { name: "reports", host: "psql-reports.postgres.database.azure.com", port: 5432, listenPort: 15432 };

    it("reads targets and PgBouncer, off by default", () => {
        const config = parse({ "securepg:database": { ...gp, pgbouncer: true }, "securepg:proxy": { targets: [other, { name: "orders-mysql", host: "mysql-orders.mysql.database.azure.com", port: 3306, listenPort: 3306 }] } });
        assert.equal(config.database.pgbouncer, true);
        assert.deepEqual(config.proxy.targets.map((t) => t.name), ["reports", "orders-mysql"]);
        assert.equal(parse({}).database.pgbouncer, undefined, "unset: the server's own setting is left alone");
        assert.deepEqual(parse({}).proxy.targets, []);
    });

    it("refuses PgBouncer on Burstable, colliding listen ports, reserved and repeated names, bad hosts", () => {
        assert.deepEqual(problems({ "securepg:database": { pgbouncer: true } }), ["securepg:database.pgbouncer is not available on the Burstable tier; use GeneralPurpose or MemoryOptimized"]);
        assert.deepEqual(problems({
            "securepg:database": { ...gp, pgbouncer: true },
            "securepg:proxy": { targets: [{ ...other, listenPort: 6432 }, { ...other, name: "b2", listenPort: 5432 }, { ...other, name: "c3", listenPort: 15432 }, { ...other, name: "d4", listenPort: 15432 }] },
        }), [
            "securepg:proxy.targets[0].listenPort 6432 is already the listen port of the built-in PgBouncer (database.pgbouncer)",
            "securepg:proxy.targets[1].listenPort 5432 is already the listen port of proxy.port",
            "securepg:proxy.targets[3].listenPort 15432 is already the listen port of target c3",
        ]);
        assert.deepEqual(problems({ "securepg:proxy": { targets: [
            { ...other, name: "pgbouncer" }, { ...other, name: "x2", host: "not a host" }, { ...other, name: "y3", listenPort: 22 }, { ...other, name: "z4", extra: 1 }, other, other,
        ] } }), [
            "securepg:proxy.targets[0].name is the name of the stack's own server's entry",
            'securepg:proxy.targets[1].host is not valid: a fully qualified host name like psql-other.postgres.database.azure.com (got "not a host")',
            "securepg:proxy.targets[2].listenPort must be from 1024 to 65535 (got 22)",
            "securepg:proxy.targets[3] has unknown settings: extra (known: name, host, port, listenPort)",
            "securepg:proxy.targets names reports twice",
        ]);
    });
});
