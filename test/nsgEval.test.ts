/** The NSG evaluator and the rule builder: Azure's field forms and first-match-by-priority semantics. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { AZURE_PLATFORM_ADDRESS, evaluateNsg, portCovers, prefixCovers, type Flow } from "../lib/nsgEval";
import { databaseSubnetRules, proxyAllowedSources, proxySubnetRules, rule, ruleValues, type NsgRule } from "../lib/nsgRules";

const context = { virtualNetwork: ["10.40.0.0/16", "172.16.201.0/24"] };
const inbound = (source: string, destinationPort: number, destination = "10.40.1.4"): Flow => ({ direction: "Inbound", protocol: "Tcp", source, destination, destinationPort });

describe("rule builder", () => {
    it("puts a single value, and so every *, in the singular field and several in the plural list", () => {
        const one = rule({ name: "a", priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp", source: "*", destination: "10.0.0.0/24", ports: "*", description: "" });
        assert.equal(one.sourceAddressPrefix, "*");
        assert.equal(one.destinationPortRange, "*");
        assert.equal(one.sourcePortRange, "*");
        assert.equal(one.destinationPortRanges, undefined);
        assert.equal(one.sourceAddressPrefixes, undefined);
        const many = rule({ name: "b", priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp", source: ["10.0.0.0/24", "10.0.1.0/24"], destination: "*", ports: ["22", "5432"], description: "" });
        assert.deepEqual(many.sourceAddressPrefixes, ["10.0.0.0/24", "10.0.1.0/24"]);
        assert.equal(many.sourceAddressPrefix, undefined);
        assert.deepEqual(many.destinationPortRanges, ["22", "5432"]);
        assert.equal(many.destinationPortRange, undefined);
        assert.deepEqual(ruleValues(many, "destinationPort"), ["22", "5432"]);
        assert.deepEqual(ruleValues(one, "destinationPort"), ["*"]);
    });

    it("refuses * in a list and empty fields", () => {
        const base = { name: "c", priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp", destination: "*", description: "" } as const;
        assert.throws(() => rule({ ...base, source: "*", ports: ["*", "22"] }), /^Error: "\*" cannot be listed with other values \(\*, 22\)$/);
        assert.throws(() => rule({ ...base, source: [], ports: "22" }), /at least one value/);
        const many = rule({ ...base, source: "*", destination: ["10.0.0.0/24", "10.0.1.0/24"], ports: "22" });
        assert.deepEqual(many.destinationAddressPrefixes, ["10.0.0.0/24", "10.0.1.0/24"]);
        assert.equal(many.destinationAddressPrefix, undefined);
        assert.deepEqual(ruleValues(many, "destinationAddress"), ["10.0.0.0/24", "10.0.1.0/24"]);
        assert.deepEqual(ruleValues(many, "sourcePort"), ["*"]);
    });

    /** name, priority, direction, access, protocol, source, destination, port */
    type Row = [string, number, string, string, string, string, string, string];
    const table = (rules: NsgRule[]): Row[] => rules.map((r) => [r.name, r.priority, r.direction, r.access, r.protocol,
        ruleValues(r, "sourceAddress").join(","), ruleValues(r, "destinationAddress").join(","), ruleValues(r, "destinationPort").join(",")]);

    it("the proxy subnet: the proxy port from the VPN pool and the subnet itself, SSH from the pool, probes, then deny", () => {
        const rules = proxySubnetRules({ vpnClientPool: "172.16.201.0/24", proxySubnet: "10.40.1.0/24", listenPorts: [6432], sitePrefixes: [] });
        assert.deepEqual(table(rules), [
            ["AllowVpnClientsToProxy", 100, "Inbound", "Allow", "Tcp", "172.16.201.0/24", "10.40.1.0/24", "6432"],
            ["AllowProxySubnetToProxy", 105, "Inbound", "Allow", "Tcp", "10.40.1.0/24", "10.40.1.0/24", "6432"],
            ["AllowVpnClientsSsh", 110, "Inbound", "Allow", "Tcp", "172.16.201.0/24", "10.40.1.0/24", "22"],
            ["AllowAzureLoadBalancerInbound", 4095, "Inbound", "Allow", "*", "AzureLoadBalancer", "*", "*"],
            ["DenyAllInbound", 4096, "Inbound", "Deny", "*", "*", "*", "*"],
        ] satisfies Row[]);
        assert.deepEqual(proxyAllowedSources({ vpnClientPool: "172.16.201.0/24", proxySubnet: "10.40.1.0/24", sitePrefixes: [] }), ["172.16.201.0/24", "10.40.1.0/24"]);
    });

    it("the database subnet: 5432 from the proxy subnet, replication inside, Storage and Entra ID out, no Internet", () => {
        const rules = databaseSubnetRules({ proxySubnet: "10.40.1.0/24", databaseSubnet: "10.40.2.0/24" });
        assert.deepEqual(table(rules), [
            ["AllowProxyToPostgres", 100, "Inbound", "Allow", "Tcp", "10.40.1.0/24", "10.40.2.0/24", "5432"],
            ["AllowIntraSubnetInbound", 110, "Inbound", "Allow", "*", "10.40.2.0/24", "10.40.2.0/24", "*"],
            ["AllowAzureLoadBalancerInbound", 4095, "Inbound", "Allow", "*", "AzureLoadBalancer", "*", "*"],
            ["DenyAllInbound", 4096, "Inbound", "Deny", "*", "*", "*", "*"],
            ["AllowIntraSubnetOutbound", 100, "Outbound", "Allow", "*", "10.40.2.0/24", "10.40.2.0/24", "*"],
            ["AllowAzureStorageOutbound", 110, "Outbound", "Allow", "Tcp", "10.40.2.0/24", "Storage", "443"],
            ["AllowEntraIdOutbound", 120, "Outbound", "Allow", "Tcp", "10.40.2.0/24", "AzureActiveDirectory", "443"],
            ["DenyInternetOutbound", 4096, "Outbound", "Deny", "*", "*", "Internet", "*"],
        ] satisfies Row[]);
    });

    it("every shipped rule explains itself (the portal and effective-rules views show the description)", () => {
        const all = [
            ...proxySubnetRules({ vpnClientPool: "172.16.201.0/24", proxySubnet: "10.40.1.0/24", listenPorts: [5432], sitePrefixes: [] }),
            ...databaseSubnetRules({ proxySubnet: "10.40.1.0/24", databaseSubnet: "10.40.2.0/24" }),
        ];
        for (const r of all) {
            assert.ok(r.description.length >= 15 && r.description.length <= 140, `${r.name}: ${JSON.stringify(r.description)}`);
            assert.equal(r.sourcePortRange, "*");
        }
    });

    it("never uses a plural field with * in the shipped rule sets", () => {
        const all = [
            ...proxySubnetRules({ vpnClientPool: "172.16.201.0/24", proxySubnet: "10.40.1.0/24", listenPorts: [5432], sitePrefixes: [] }),
            ...databaseSubnetRules({ proxySubnet: "10.40.1.0/24", databaseSubnet: "10.40.2.0/24" }),
        ];
        for (const r of all) {
            for (const plural of ["sourceAddressPrefixes", "destinationAddressPrefixes", "sourcePortRanges", "destinationPortRanges"] as const) {
                assert.ok(!(r[plural] ?? []).includes("*"), `${r.name}.${plural}`);
            }
        }
    });
});

describe("evaluateNsg", () => {
    const rules: NsgRule[] = [
        rule({ name: "DenyAll", priority: 4096, direction: "Inbound", access: "Deny", protocol: "*", source: "*", destination: "*", ports: "*", description: "" }),
        rule({ name: "AllowPool", priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp", source: "172.16.201.0/24", destination: "10.40.1.0/24", ports: "5432", description: "" }),
        rule({ name: "DenyOne", priority: 90, direction: "Inbound", access: "Deny", protocol: "Tcp", source: "172.16.201.66", destination: "*", ports: "1-65535", description: "" }),
    ];

    it("decides by the lowest priority number, whatever the order of the list", () => {
        assert.deepEqual(evaluateNsg(rules, inbound("172.16.201.10", 5432), context), { access: "Allow", rule: "AllowPool" });
        assert.deepEqual(evaluateNsg(rules, inbound("172.16.201.66", 5432), context), { access: "Deny", rule: "DenyOne" });
        assert.deepEqual(evaluateNsg(rules, inbound("172.16.201.10", 22), context), { access: "Deny", rule: "DenyAll" });
        assert.deepEqual(evaluateNsg(rules, inbound("10.40.2.9", 5432), context), { access: "Deny", rule: "DenyAll" });
        assert.deepEqual(evaluateNsg(rules, { ...inbound("172.16.201.10", 5432), protocol: "Udp" }, context), { access: "Deny", rule: "DenyAll" });
        assert.deepEqual(evaluateNsg(rules, inbound("172.16.201.10", 5432, "10.40.2.4"), context), { access: "Deny", rule: "DenyAll" });
    });

    it("falls through to Azure's default rules: the VNet is open to itself unless a rule denies it", () => {
        assert.deepEqual(evaluateNsg([], inbound("10.40.2.9", 5432), context), { access: "Allow", rule: "AllowVnetInBound" });
        assert.deepEqual(evaluateNsg([], inbound("172.16.201.10", 22), context), { access: "Allow", rule: "AllowVnetInBound" });
        assert.deepEqual(evaluateNsg([], inbound(AZURE_PLATFORM_ADDRESS, 80), context), { access: "Allow", rule: "AllowAzureLoadBalancerInBound" });
        assert.deepEqual(evaluateNsg([], inbound("203.0.113.9", 5432), context), { access: "Deny", rule: "DenyAllInBound" });
        assert.deepEqual(evaluateNsg([], { direction: "Outbound", protocol: "Tcp", source: "10.40.1.4", destination: "203.0.113.9", destinationPort: 443 }, context),
            { access: "Allow", rule: "AllowInternetOutBound" });
    });

    it("understands the service tags the program uses", () => {
        assert.ok(prefixCovers("VirtualNetwork", "172.16.201.7", context));
        assert.ok(!prefixCovers("VirtualNetwork", "192.168.9.9", context));
        assert.ok(prefixCovers("Internet", "203.0.113.9", context));
        assert.ok(!prefixCovers("Internet", "10.40.1.4", context));
        assert.ok(!prefixCovers("Internet", "192.168.9.9", context), "private addresses outside the VNet are not the Internet tag either");
        assert.ok(prefixCovers("AzureLoadBalancer", AZURE_PLATFORM_ADDRESS, context));
        assert.ok(!prefixCovers("AzureLoadBalancer", "10.40.1.5", context));
        assert.ok(!prefixCovers("Storage", "10.40.1.5", context));
        assert.throws(() => prefixCovers("Storage", "20.60.0.1", context), /service tag Storage/);
        assert.ok(prefixCovers("10.40.1.0/24", "10.40.1.255", context));
        assert.ok(!prefixCovers("10.40.1.0/24", "10.40.2.0", context));
        assert.throws(() => prefixCovers("10.40.1.0/33", "10.40.1.1", context), /^Error: NSG evaluation: .*10\.40\.1\.0\/33/);
    });

    it("reads ports, ranges and * and refuses anything else", () => {
        assert.ok(portCovers("*", 1));
        assert.ok(portCovers("5432", 5432) && !portCovers("5432", 5433));
        assert.ok(portCovers("1000-2000", 1000) && portCovers("1000-2000", 2000) && !portCovers("1000-2000", 2001) && !portCovers("1000-2000", 999));
        assert.throws(() => portCovers("ssh", 22), /not a port/);
        for (const bad of ["1000-2000x", "x1000-2000", "22x"]) {
            assert.throws(() => portCovers(bad, 1500), /not a port, range or \*/, bad);
        }
    });

    it("refuses a malformed prefix instead of reading it as a service tag", () => {
        assert.throws(() => prefixCovers("10.40.1.0/2x", "10.40.1.5", context), /^Error: NSG evaluation: "10\.40\.1\.0\/2x" is not/);
    });

    it("matches a rule when the flow's protocol fits and any one of its listed ports and prefixes does", () => {
        const listed = rule({
            name: "Listed", priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp",
            source: ["10.9.0.0/24", "10.9.1.0/24"], destination: ["10.40.2.0/24", "10.40.1.0/24"], ports: ["22", "5432"], description: "",
        });
        const deny = rule({ name: "DenyAll", priority: 4096, direction: "Inbound", access: "Deny", protocol: "*", source: "*", destination: "*", ports: "*", description: "" });
        assert.deepEqual(evaluateNsg([listed, deny], inbound("10.9.1.7", 5432, "10.40.1.4"), context), { access: "Allow", rule: "Listed" });
        assert.deepEqual(evaluateNsg([listed, deny], inbound("10.9.1.7", 5433, "10.40.1.4"), context), { access: "Deny", rule: "DenyAll" });
        assert.deepEqual(evaluateNsg([listed, deny], { ...inbound("10.9.1.7", 5432, "10.40.1.4"), protocol: "Udp" }, context), { access: "Deny", rule: "DenyAll" });
        const outboundAll = rule({ name: "OutboundAll", priority: 100, direction: "Outbound", access: "Allow", protocol: "*", source: "*", destination: "*", ports: "*", description: "" });
        assert.deepEqual(evaluateNsg([outboundAll, deny], inbound("203.0.113.9", 5432), context), { access: "Deny", rule: "DenyAll" }, "an outbound rule never decides an inbound flow");
    });

    it("falls back to Azure's default rules, by their names", () => {
        const verdict = (flow: Flow) => evaluateNsg([], flow, context);
        assert.deepEqual(verdict(inbound("10.40.9.9", 5432)), { access: "Allow", rule: "AllowVnetInBound" });
        assert.deepEqual(verdict(inbound(AZURE_PLATFORM_ADDRESS, 5432)), { access: "Allow", rule: "AllowAzureLoadBalancerInBound" });
        assert.deepEqual(verdict(inbound("203.0.113.9", 5432)), { access: "Deny", rule: "DenyAllInBound" });
        const outbound = (destination: string): Flow => ({ direction: "Outbound", protocol: "Tcp", source: "10.40.1.4", destination, destinationPort: 443 });
        assert.deepEqual(verdict(outbound("10.40.2.4")), { access: "Allow", rule: "AllowVnetOutBound" });
        assert.deepEqual(verdict(outbound("203.0.113.9")), { access: "Allow", rule: "AllowInternetOutBound" });
        assert.deepEqual(verdict(outbound("192.168.9.9")), { access: "Deny", rule: "DenyAllOutBound" });
    });
});
