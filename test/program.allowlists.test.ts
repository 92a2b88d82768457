/**
 * The proxy has two allowlists: the proxy subnet's NSG (Azure) and nginx's `allow`/`deny` (the VM).
 * When they disagree, a client that nginx welcomes is dropped by the NSG (or the other way round)
 * and nobody can tell why. For every stack file and variant, both are taken from what the real
 * program registers and evaluated for the same sources: they must admit exactly the same clients.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { contains, intToIpv4, parseAddressOrCidr, parseCidr, type Ipv4Cidr } from "../lib/cidr";
import { CANDIDATE_NGINX_CONF, writtenFiles } from "../lib/cloudInit";
import { AZURE_PLATFORM_ADDRESS, evaluateNsg } from "../lib/nsgEval";
import { ruleValues, type NsgRule } from "../lib/nsgRules";
import { parseStackConfig, type StackConfig } from "../stacks";
import { proxyListenPorts, sitePrefixes } from "../lib/proxyTargets";
import { one, ofType, runProgram } from "./harness/program";
import { loadAllStackFiles, loadStackFile, withSections } from "./harness/stackFiles";

interface Allowlists {
    readonly config: StackConfig;
    readonly nsg: NsgRule[];
    /** nginx's access rules in order: first match wins. */
    readonly nginx: Array<{ access: "allow" | "deny"; source: string }>;
    readonly proxyIp: string;
}

async function allowlistsOf(stack: string, config: Record<string, string>): Promise<Allowlists> {
    const run = await runProgram({ stack, config });
    assert.equal(run.error, undefined, run.error?.message);
    const proxies = ofType(run, "azure-native:compute:VirtualMachine");
    assert.ok(proxies.length >= 1);
    const userData = Buffer.from(proxies[0].inputs.osProfile.customData, "base64").toString("utf8");
    assert.ok(proxies.every((p) => p.inputs.osProfile.customData === proxies[0].inputs.osProfile.customData), "every proxy runs the same config");
    const conf = writtenFiles(userData).get(CANDIDATE_NGINX_CONF)!;
    const nginx = [...conf.matchAll(/^\s*(allow|deny)\s+([^;]+);/gm)].map((m) => ({ access: m[1] as "allow" | "deny", source: m[2] }));
    assert.ok(nginx.length >= 2, conf);
    return {
        config: parseStackConfig({ project: "securepg", stack, values: config }),
        nsg: one(run, "azure-native:network:NetworkSecurityGroup", "proxy-nsg").inputs.securityRules,
        nginx,
        // The load balancer passes flows through: the NSG sees the client's address and the proxy's own.
        proxyIp: (run.outputs.proxyInstances as Array<{ privateIp: string }>)[0].privateIp,
    };
}

function nginxAllows(rules: Allowlists["nginx"], address: string): boolean {
    const target = parseAddressOrCidr(address) as Ipv4Cidr;
    const hit = rules.find((r) => r.source === "all" || contains(parseCidr(r.source) as Ipv4Cidr, target));
    return hit?.access === "allow";
}

/** Whether the NSG admits `address` on `port` (by default the stack's own server's port). */
function nsgAllows(lists: Allowlists, address: string, port = lists.config.proxy.port): boolean {
    const c = lists.config;
    const flow = { direction: "Inbound" as const, protocol: "Tcp" as const, source: address, destination: lists.proxyIp, destinationPort: port };
    // Azure's VirtualNetwork tag covers the VNet, the P2S pool and the site-to-site networks.
    return evaluateNsg(lists.nsg, flow, { virtualNetwork: [c.network.addressSpace.text, c.vpn.clientAddressPool.text, ...sitePrefixes(c)] }).access === "Allow";
}

/** Each edge of every block either list names, and the addresses just outside it. */
function edgeAddresses(lists: Allowlists): string[] {
    const blocks = [
        ...lists.nginx.map((r) => r.source),
        ...lists.nsg.flatMap((r) => ruleValues(r, "sourceAddress")),
        lists.config.network.addressSpace.text, lists.config.network.gatewaySubnet.text, lists.config.network.databaseSubnet.text,
    ].map((s) => parseCidr(s)).filter((b): b is Ipv4Cidr => typeof b !== "string");
    return [...new Set(blocks.flatMap((b) => [b.first - 1, b.first, b.first + 5, b.last, b.last + 1]).filter((n) => n >= 0 && n < 2 ** 32).map(intToIpv4))];
}

/** Where the two lists disagree about a client at `address` (the platform's probe address aside). */
function disagreements(lists: Allowlists, addresses: string[]): string[] {
    return proxyListenPorts(lists.config).flatMap((port) => addresses
        // 168.63.129.16 is Azure's health probe, which only needs the TCP handshake nginx completes before it denies.
        .filter((a) => a !== AZURE_PLATFORM_ADDRESS)
        .filter((a) => nginxAllows(lists.nginx, a) !== nsgAllows(lists, a, port))
        .map((a) => `${a} on ${port}: nginx ${nginxAllows(lists.nginx, a) ? "allows" : "denies"}, NSG ${nsgAllows(lists, a, port) ? "allows" : "denies"}`));
}

const dev = loadStackFile("Pulumi.dev.yaml");
const variants: Array<{ name: string; stack: string; config: Record<string, string> }> = [
    ...loadAllStackFiles().map((s) => ({ name: `stack file ${s.file}`, stack: s.stack, config: s.config })),
    { name: "dev on port 6432", stack: "dev", config: withSections(dev.config, { proxy: { port: 6432 } }) },
    { name: "dev in public mode", stack: "dev", config: withSections(dev.config, { database: { access: "public" } }) },
    { name: "dev with another address plan", stack: "dev", config: withSections(dev.config, { network: { addressSpace: "192.168.8.0/22" }, vpn: { clientAddressPool: "10.99.0.0/26" } }) },
    {
        name: "dev with two sites, PgBouncer and a target", stack: "dev", config: withSections(dev.config, {
            database: { skuName: "Standard_D2ds_v5", tier: "GeneralPurpose", pgbouncer: true },
            vpn: { sites: [{ name: "hq", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24", "10.8.0.0/16"] }, { name: "branch", gatewayAddress: "198.51.100.7", addressPrefixes: ["192.168.20.0/25"] }] },
            proxy: { targets: [{ name: "orders-mysql", host: "mysql-orders.mysql.database.azure.com", port: 3306, listenPort: 3306 }] },
        }),
    },
];

describe("the proxy NSG and nginx admit the same clients", () => {
    for (const variant of variants) {
        it(variant.name, async () => {
            const lists = await allowlistsOf(variant.stack, variant.config);
            assert.deepEqual(disagreements(lists, edgeAddresses(lists)), []);
            // Clients both lists must welcome: anyone on the VPN and Azure-side neighbours of the proxy.
            const pool = lists.config.vpn.clientAddressPool;
            const sites = lists.config.vpn.sites.flatMap((site) => site.addressPrefixes.map((b) => intToIpv4(b.first + 7)));
            for (const address of [intToIpv4(pool.first + 2), intToIpv4(pool.last - 1), intToIpv4(lists.config.network.proxySubnet.first + 9), ...sites]) {
                for (const port of proxyListenPorts(lists.config)) {
                    assert.ok(nginxAllows(lists.nginx, address) && nsgAllows(lists, address, port), `${address} is refused on ${port}`);
                }
            }
            // The load balancer's probe reaches every proxy on its port (nginx completes the handshake, then refuses it).
            assert.ok(nsgAllows(lists, AZURE_PLATFORM_ADDRESS), "the NSG admits the load balancer's probe");
            assert.ok(!nginxAllows(lists.nginx, AZURE_PLATFORM_ADDRESS), "nginx does not proxy the probe to the database");
            // And anywhere else, private or public.
            fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => disagreements(lists, [intToIpv4(n)]).length === 0), { numRuns: 2000 });
        });
    }

    it("notices when they drift apart (the NSG without its proxy-subnet rule)", async () => {
        const lists = await allowlistsOf(dev.stack, dev.config);
        const drifted = { ...lists, nsg: lists.nsg.filter((r) => r.name !== "AllowProxySubnetToProxy") };
        const found = disagreements(drifted, edgeAddresses(drifted));
        assert.ok(found.some((d) => d.includes("nginx allows, NSG denies")), found.join("\n"));
    });
});
