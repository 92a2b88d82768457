/**
 * The proxy tier as plain data: how many proxies, in which zones, behind which load balancer
 * address, and the generation that names each proxy VM. Pure, so the plan is tested without Pulumi.
 *
 * Why generations: Azure cannot change a VM's custom data, size, zone or image without replacing or
 * rebooting it. Every proxy VM's name carries a digest of exactly those settings, so a change gives
 * a new name, and Pulumi creates the new VM (and its NIC) before it deletes the old one. The load
 * balancer's probe sends traffic to the new proxy only once nginx listens, and a Run Command on the
 * new VM fails `pulumi up` when it never does, before any old proxy is deleted.
 */
import { createHash } from "node:crypto";
import { lastUsableAzureAddress, usableAzureAddresses, type Ipv4Cidr } from "./cidr";

/** One proxy per availability zone at most: Azure patches and maintains zones one at a time. */
export const MAX_PROXY_INSTANCES = 3;

/** Every proxy's OS disk (components/proxyVm.ts); `npm run cost` prices the same. */
export const PROXY_OS_DISK_TYPE = "StandardSSD_LRS";

/** Azure's zones, in the order proxies take them. */
export const AVAILABILITY_ZONES = ["1", "2", "3"] as const;

/**
 * The load balancer probe: a TCP handshake on the proxy port, every 5 s (Azure's minimum), and
 * two misses take a proxy out of rotation, so a dead proxy gets new connections for at most ~10 s.
 */
export const PROXY_PROBE = { intervalSeconds: 5, threshold: 2 } as const;

/**
 * Idle flows through the load balancer: Azure's range for a load-balancing rule is 4-30 minutes
 * (API 2024-05-01; newer documentation allows 100). nginx's TCP keepalives (below 240 s, enforced
 * by config validation) keep every idle session's flow alive long before this; with TCP reset on,
 * a flow that does time out is reset at both ends instead of hanging.
 */
export const LOAD_BALANCER_IDLE_TIMEOUT_MINUTES = 30;

export interface ProxyInstancePlan {
    /** 1-based, stable across generations: `proxy-1`, `proxy-2`, ... */
    readonly index: number;
    /** The availability zone, or undefined in a region without zones (an availability set instead). */
    readonly zone: string | undefined;
}

export interface ProxyTierPlan {
    /** The load balancer's static frontend: the address every client and output uses. */
    readonly frontendAddress: string;
    readonly instances: readonly ProxyInstancePlan[];
    /** Regions without zones spread the proxies over an availability set's update domains. */
    readonly availabilitySet: boolean;
}

export interface ProxyTierInput {
    readonly instances: number;
    readonly regionHasZones: boolean;
    readonly proxySubnet: Ipv4Cidr;
}

/**
 * Addresses a tier needs in its subnet: the frontend, and during a rollout every proxy twice (the
 * old VM keeps its address until the new one serves).
 */
export function addressesNeeded(instances: number): number {
    return 1 + 2 * instances;
}

/** Why `subnet` has no room for `instances` proxies, or undefined when it has. */
export function proxySubnetShortfall(subnet: Ipv4Cidr, instances: number): string | undefined {
    const usable = usableAzureAddresses(subnet);
    const needed = addressesNeeded(instances);
    return usable < needed ? `${subnet.text} has ${usable} usable addresses; ${instances} proxies need ${needed}` : undefined;
}

/**
 * The frontend takes the subnet's last usable address: the proxies' NICs get theirs dynamically
 * from the low end, so the two never collide, and a stack that had a single VM at the first usable
 * address keeps it serving while the tier is built.
 */
export function frontendAddress(subnet: Ipv4Cidr): string {
    return lastUsableAzureAddress(subnet);
}

export function planProxyTier(input: ProxyTierInput): ProxyTierPlan {
    if (!Number.isInteger(input.instances) || input.instances < 1 || input.instances > MAX_PROXY_INSTANCES) {
        throw new Error(`proxy tier: instances must be 1 to ${MAX_PROXY_INSTANCES}, got ${input.instances}`);
    }
    const shortfall = proxySubnetShortfall(input.proxySubnet, input.instances);
    if (shortfall) {
        throw new Error(`proxy tier: ${shortfall}`);
    }
    return {
        frontendAddress: frontendAddress(input.proxySubnet),
        instances: Array.from({ length: input.instances }, (_, i) => ({
            index: i + 1,
            zone: input.regionHasZones ? AVAILABILITY_ZONES[i] : undefined,
        })),
        availabilitySet: !input.regionHasZones,
    };
}

/** What a proxy VM is made of that Azure cannot change in place (or only with a reboot). */
export interface ProxyGenerationInput {
    /** The cloud-init user data, before base64. */
    readonly userData: string;
    readonly vmSize: string;
    readonly zone: string | undefined;
    readonly adminUsername: string;
    readonly sshPublicKey: string;
    /** The image, so a new image reference rolls out like any other change. */
    readonly image: string;
}

/** Six hex digits of a digest over everything that replaces a proxy VM. */
export function proxyGeneration(input: ProxyGenerationInput): string {
    const canonical = JSON.stringify([input.userData, input.vmSize, input.zone ?? null, input.adminUsername, input.sshPublicKey, input.image]);
    return createHash("sha256").update(canonical).digest("hex").slice(0, 6);
}

/** A name that ends in a generation (`-g` and six hex digits) changes whenever its resource must be replaced. */
export const GENERATION_NAME = /-g[0-9a-f]{6}$/;

/** The load balancer's own parts, by name: one frontend, one pool, and a probe and a rule per proxy port. */
export function loadBalancerParts(port: number) {
    return { frontend: "frontend", backendPool: "proxies", probe: `tcp-${port}`, rule: `tcp-${port}` } as const;
}

export type LoadBalancerChild = "frontendIPConfigurations" | "backendAddressPools" | "probes";

/**
 * The ARM id of one of a load balancer's own parts, which its rules refer to in the same request
 * (before the load balancer has an id): it lives in the subnet's resource group.
 */
export function loadBalancerChildId(subnetId: string, loadBalancerName: string, child: LoadBalancerChild, name: string): string {
    const group = subnetId.split("/providers/")[0];
    if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i.test(group)) {
        throw new Error(`proxy tier: ${subnetId} is not a subnet id`);
    }
    return `${group}/providers/Microsoft.Network/loadBalancers/${loadBalancerName}/${child}/${name}`;
}
