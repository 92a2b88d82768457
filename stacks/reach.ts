/**
 * Cross-checks for what the proxy reaches and who reaches it: site-to-site networks against the
 * VNet, the P2S pool and each other; the proxy's listen ports; the built-in PgBouncer's tier.
 */
import { contains, overlaps, parseCidr, type Ipv4Cidr } from "../lib/cidr";
import { PGBOUNCER_PORT } from "../lib/proxyTargets";
import type { DatabaseTier, ProxyConfig, SiteConfig, VpnConfig } from "./types";

export interface Findings {
    readonly problems: Array<{ key: string; message: string }>;
    readonly warnings: string[];
}

/** Every problem with sites, listen ports and PgBouncer; inputs may be partial after refused values. */
export function reachFindings(ns: string, input: {
    readonly addressSpace: Ipv4Cidr | undefined;
    readonly vpn: Partial<VpnConfig>;
    readonly proxy: Partial<ProxyConfig>;
    readonly tier: DatabaseTier | undefined;
    readonly pgbouncer: boolean | undefined;
}): Findings {
    const problems: Findings["problems"] = [];
    const warnings: string[] = [];
    const sites: readonly SiteConfig[] = input.vpn.sites ?? [];
    const claimed: Array<{ block: Ipv4Cidr; owner: string }> = [];
    if (input.addressSpace) {
        claimed.push({ block: input.addressSpace, owner: `the VNet addressSpace ${input.addressSpace.text}` });
    }
    if (input.vpn.clientAddressPool) {
        claimed.push({ block: input.vpn.clientAddressPool, owner: `vpn.clientAddressPool ${input.vpn.clientAddressPool.text}` });
    }
    sites.forEach((site, i) => {
        const key = `${ns}:vpn.sites[${i}]`;
        for (const block of site.addressPrefixes) {
            const clash = claimed.find((c) => overlaps(c.block, block));
            if (clash) {
                problems.push({ key: `${key}.addressPrefixes`, message: `${block.text} overlaps ${clash.owner}: Azure could not route it to the site` });
            }
        }
        claimed.push(...site.addressPrefixes.map((block) => ({ block, owner: `site ${site.name}'s ${block.text}` })));
        if (site.addressPrefixes.length === 0) {
            // With BGP Azure would learn them, but the proxy's NSG and nginx admit only listed networks.
            problems.push({ key: `${key}.addressPrefixes`, message: "is empty: list the site's networks; they are what Azure routes to the site and what the proxy admits" });
        }
        const peer = site.bgp ? parseCidr(`${site.bgp.peeringAddress}/32`) : undefined;
        if (peer && typeof peer !== "string" && input.addressSpace && contains(input.addressSpace, peer)) {
            problems.push({ key: `${key}.bgp.peeringAddress`, message: `${site.bgp!.peeringAddress} is inside the VNet addressSpace ${input.addressSpace.text}; use an address of the site (or an APIPA 169.254.21.x address)` });
        }
    });
    for (const name of Object.keys(input.vpn.siteKeys ?? {})) {
        if (!sites.some((site) => site.name === name)) {
            problems.push({ key: `${ns}:vpn.siteKeys.${name}`, message: `names no site in vpn.sites (${sites.map((s) => s.name).join(", ") || "none"})` });
        }
    }
    if (input.vpn.activeActive && input.vpn.clientAddressPool) {
        warnings.push(`${ns}:vpn.activeActive with Point-to-Site needs a third public IP for P2S (created, and billed); the switch takes Azure 30-45 minutes and changes the gateway's BGP addresses`);
    }

    if (input.pgbouncer === true && input.tier === "Burstable") {
        problems.push({ key: `${ns}:database.pgbouncer`, message: "is not available on the Burstable tier; use GeneralPurpose or MemoryOptimized" });
    }
    const ports: Array<{ port: number; owner: string; key: string }> = [];
    if (input.proxy.port !== undefined) {
        ports.push({ port: input.proxy.port, owner: "proxy.port", key: `${ns}:proxy.port` });
    }
    if (input.pgbouncer === true) {
        ports.push({ port: PGBOUNCER_PORT, owner: "the built-in PgBouncer (database.pgbouncer)", key: `${ns}:database.pgbouncer` });
    }
    (input.proxy.targets ?? []).forEach((target, i) => ports.push({ port: target.listenPort, owner: `target ${target.name}`, key: `${ns}:proxy.targets[${i}].listenPort` }));
    ports.forEach((entry, i) => {
        const earlier = ports.slice(0, i).find((other) => other.port === entry.port);
        if (earlier) {
            problems.push({ key: entry.key, message: `${entry.port} is already the listen port of ${earlier.owner}` });
        }
    });
    return { problems, warnings };
}
