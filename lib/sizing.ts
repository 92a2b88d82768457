/**
 * Sizing the proxy tier from measured CPU costs: what a VM size sustains, and whether the tier
 * outruns the database server it fronts. The costs come from `npm run bench` (CPU microseconds per
 * select-only transaction, for nginx and for PostgreSQL), the sizes from Azure's documentation.
 */

export interface VmSize {
    readonly name: string;
    readonly vCpus: number;
    /**
     * The share of the VM's vCPUs it may use indefinitely: 1 for a regular size, the baseline for
     * a burstable one (Basv2 documents a VM-wide baseline, e.g. 20% of its 2 vCPUs for
     * Standard_B2ats_v2; above it the VM spends credits, and is throttled to it when they run out).
     */
    readonly sustainedFraction: number;
    readonly burstable: boolean;
}

/** Proxy VM sizes worth considering (Microsoft Learn: basv2-series, dasv5-series). */
export const PROXY_VM_SIZES: readonly VmSize[] = [
    { name: "Standard_B2ats_v2", vCpus: 2, sustainedFraction: 0.2, burstable: true },
    { name: "Standard_B2als_v2", vCpus: 2, sustainedFraction: 0.3, burstable: true },
    { name: "Standard_D2as_v5", vCpus: 2, sustainedFraction: 1, burstable: false },
    { name: "Standard_D4as_v5", vCpus: 4, sustainedFraction: 1, burstable: false },
];

/** vCores of Flexible Server compute sizes (Microsoft Learn: concepts-compute). */
export const SERVER_VCORES: Readonly<Record<string, number>> = {
    Standard_B1ms: 1,
    Standard_B2s: 2,
    Standard_D2ds_v5: 2,
    Standard_D4ds_v5: 4,
    Standard_D8ds_v5: 8,
    Standard_E2ds_v5: 2,
    Standard_E4ds_v5: 4,
};

/** Transactions per second that `cpus` fully busy CPUs sustain at `microsPerTransaction` each. */
export function transactionsPerSecond(cpus: number, microsPerTransaction: number): number {
    if (!(microsPerTransaction > 0) || !(cpus > 0)) {
        throw new Error(`sizing: needs positive CPUs and cost, got ${cpus} CPUs at ${microsPerTransaction} µs`);
    }
    return (cpus * 1_000_000) / microsPerTransaction;
}

export function vmSize(name: string): VmSize {
    const size = PROXY_VM_SIZES.find((s) => s.name === name);
    if (!size) {
        throw new Error(`sizing: ${name} is not in PROXY_VM_SIZES`);
    }
    return size;
}

export interface TierCapacity {
    /** What the proxies sustain together, indefinitely (at the baseline, for burstable sizes). */
    readonly proxyTps: number;
    /** What the server's vCores sustain at PostgreSQL's measured cost. */
    readonly serverTps: number;
    /** proxyTps / serverTps: above 1 the database saturates first. */
    readonly ratio: number;
}

/** The sustained capacity of `instances` proxies of `proxySize` against a server of `serverSku`. */
export function tierCapacity(input: {
    readonly instances: number;
    readonly proxySize: string;
    readonly serverSku: string;
    readonly nginxMicrosPerTransaction: number;
    readonly postgresMicrosPerTransaction: number;
}): TierCapacity {
    const size = vmSize(input.proxySize);
    const vCores = SERVER_VCORES[input.serverSku];
    if (vCores === undefined) {
        throw new Error(`sizing: ${input.serverSku} is not in SERVER_VCORES`);
    }
    const proxyTps = input.instances * transactionsPerSecond(size.vCpus * size.sustainedFraction, input.nginxMicrosPerTransaction);
    const serverTps = transactionsPerSecond(vCores, input.postgresMicrosPerTransaction);
    return { proxyTps, serverTps, ratio: proxyTps / serverTps };
}
