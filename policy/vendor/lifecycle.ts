/**
 * What a later deployment must respect about resources Azure already has: sizes that only grow,
 * a gateway generation that cannot change in place, locks and `protect` that block deletes.
 * Pure functions over the previous deployment's outputs and the live server; the program calls
 * them before declaring any resource.
 */

// ------------------------------------------------------------------------------------------------
// Storage
// ------------------------------------------------------------------------------------------------

export interface StoragePlan {
    /** What the program sends: never less than what the server already has. */
    readonly sizeGB: number;
    readonly warning: string | undefined;
}

/**
 * Flexible Server storage only grows, and auto-grow grows it behind the program's back; a PUT with a
 * smaller `storageSizeGB` is refused ("cannot be less than current size"). The configured size is
 * therefore a floor: the program sends the larger of it and the live size.
 * https://learn.microsoft.com/azure/postgresql/compute-storage/concepts-storage-premium-ssd
 */
export function plannedStorageSize(configuredGB: number, liveGB: number | undefined): StoragePlan {
    if (liveGB === undefined || liveGB <= configuredGB) {
        return { sizeGB: configuredGB, warning: undefined };
    }
    return {
        sizeGB: liveGB,
        warning: `securepg:database.storageSizeGB is ${configuredGB} GiB but the server already has ${liveGB} GiB ` +
            `(storage auto-grow, or an earlier larger setting); storage never shrinks, so the server keeps ${liveGB} GiB. ` +
            `Set storageSizeGB to ${liveGB} or more to silence this.`,
    };
}

// ------------------------------------------------------------------------------------------------
// VPN gateway generation
// ------------------------------------------------------------------------------------------------

export type GatewayGeneration = "Generation1" | "Generation2";

/** SKUs each generation offers (VpnGw1AZ is Generation1 only, VpnGw4AZ/5AZ Generation2 only). */
export const GENERATION_SKUS: Record<GatewayGeneration, readonly string[]> = {
    Generation1: ["VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ"],
    Generation2: ["VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ"],
};

/**
 * The generation a new gateway is created with. Only used at creation: Azure cannot change a
 * gateway's generation in place and migrates gateways to Generation2 itself, so the program ignores
 * later differences instead of fighting them.
 */
export function generationForNewGateway(sku: string): GatewayGeneration {
    return GENERATION_SKUS.Generation1.includes(sku) && !GENERATION_SKUS.Generation2.includes(sku) ? "Generation1" : "Generation2";
}

export interface DeployedGateway {
    readonly sku: string;
    readonly generation: string;
}

/**
 * Azure resizes a gateway only within its generation. Refuses a SKU the deployed gateway's
 * generation does not offer, before the 45-minute update starts and fails.
 * https://learn.microsoft.com/azure/vpn-gateway/gateway-sku-resize
 */
export function gatewaySkuProblem(deployed: DeployedGateway | undefined, sku: string): string | undefined {
    if (!deployed || deployed.sku === sku) {
        return undefined;
    }
    const generation = deployed.generation as GatewayGeneration;
    const offered = GENERATION_SKUS[generation];
    if (!offered || offered.includes(sku)) {
        return undefined;
    }
    return `${sku} is not offered in ${generation}, and the deployed gateway (${deployed.sku}) is ${generation}: Azure resizes a gateway only ` +
        `within its generation and cannot change the generation in place. Choose one of ${offered.join(", ")}` +
        (generation === "Generation1" ? " (Microsoft is migrating gateways to Generation2; after that, `pulumi refresh` and try again)" : "") + ".";
}

// ------------------------------------------------------------------------------------------------
// Deletes blocked by the lock or by protect
// ------------------------------------------------------------------------------------------------

export interface DeployedProtection {
    readonly protect: boolean;
    readonly deleteLock: boolean;
}

export interface BlockedRemovalInput {
    readonly previous: { readonly protection?: DeployedProtection; readonly firewallRuleNames?: readonly string[]; readonly databaseNames?: readonly string[] };
    readonly firewallRuleNames: readonly string[];
    readonly databaseNames: readonly string[];
}

/**
 * A CanNotDelete lock on the server blocks deleting its firewall rules and databases (ScopeLocked),
 * and Pulumi refuses to delete a resource its state says is protected. Both only lift after an
 * update that turns them off, so a removal in the same update fails halfway; refuse it up front.
 */
export function blockedRemovals(input: BlockedRemovalInput): string[] {
    const protection = input.previous.protection;
    if (!protection) {
        return [];
    }
    const removedRules = (input.previous.firewallRuleNames ?? []).filter((n) => !input.firewallRuleNames.includes(n));
    const removedDatabases = (input.previous.databaseNames ?? []).filter((n) => !input.databaseNames.includes(n));
    const problems: string[] = [];
    if (removedRules.length > 0 && protection.deleteLock) {
        problems.push(`removing firewall rule${removedRules.length > 1 ? "s" : ""} ${removedRules.join(", ")} is blocked by the server's CanNotDelete lock (ScopeLocked). ` +
            "First run an update with securepg:database.deleteLock false and the rules still listed (it removes the lock), then remove them, then turn the lock back on.");
    }
    if (removedDatabases.length > 0 && (protection.protect || protection.deleteLock)) {
        problems.push(`removing database${removedDatabases.length > 1 ? "s" : ""} ${removedDatabases.join(", ")} deletes ${removedDatabases.length > 1 ? "them" : "it"} and the data, ` +
            `and the deployed stack still has ${describeProtection(protection)}. After a backup, first run an update with ${unprotectKeys(protection)} ` +
            "and the databases still listed (Pulumi lifts protection only once its state says so), then remove them.");
    }
    return problems;
}

export interface AuditChangeInput {
    readonly previous: { readonly protection?: DeployedProtection; readonly auditWorkspaceId?: string };
    /** securepg:monitoring.diagnostics for this deployment. */
    readonly diagnostics: boolean;
    /** Whether this deployment creates its own workspace (diagnostics on, no workspaceId). */
    readonly createsWorkspace: boolean;
    /** The name and resource group of the workspace the stack creates. */
    readonly workspaceName: string;
    readonly resourceGroup: string;
}

/**
 * The audit trail's deletes that would stop halfway: a CanNotDelete lock on the server also blocks
 * deleting its diagnostic setting, and Pulumi refuses to delete the protected workspace. And the
 * one that loses data without stopping: the stack's own workspace, with its logs.
 */
export function auditChanges(input: AuditChangeInput): { problems: string[]; warnings: string[] } {
    const problems: string[] = [];
    const warnings: string[] = [];
    const deployedId = input.previous.auditWorkspaceId;
    if (deployedId === undefined) {
        return { problems, warnings };
    }
    const protection = input.previous.protection;
    if (!input.diagnostics && protection?.deleteLock) {
        problems.push("securepg:monitoring.diagnostics false deletes the server's diagnostic setting, which the server's CanNotDelete lock blocks (ScopeLocked). " +
            "First run an update with securepg:database.deleteLock false and diagnostics still on (it removes the lock), then turn diagnostics off, then the lock back on.");
    }
    const segments = deployedId.split("/");
    const deployedOwn = segments.at(-1)?.toLowerCase() === input.workspaceName.toLowerCase() &&
        segments[4]?.toLowerCase() === input.resourceGroup.toLowerCase();
    if (deployedOwn && !input.createsWorkspace) {
        const what = `${input.diagnostics ? "using another workspace" : "turning diagnostics off"} deletes the stack's audit workspace ${input.workspaceName} and the logs in it`;
        if (protection?.protect) {
            problems.push(`${what}, which Pulumi protect keeps. Export what you must keep, then run an update with securepg:protect false and the workspace still in use, then this change, then protect the stack again.`);
        } else {
            warnings.push(`${what} (Azure keeps a deleted workspace recoverable for 14 days)`);
        }
    }
    return { problems, warnings };
}

export function describeProtection(p: DeployedProtection): string {
    return [p.protect ? "Pulumi protect" : "", p.deleteLock ? "the CanNotDelete lock" : ""].filter(Boolean).join(" and ");
}

export function unprotectKeys(p: DeployedProtection): string {
    return [p.protect ? "securepg:protect false" : "", p.deleteLock ? "securepg:database.deleteLock false" : ""].filter(Boolean).join(" and ");
}
