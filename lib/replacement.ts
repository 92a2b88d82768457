/**
 * Settings that Azure cannot change on an existing Flexible Server: changing any of them makes
 * Pulumi delete the server and create a new, empty one. The program exports them as
 * `databaseIdentity` and compares with the previous deployment before touching anything.
 */
import type { ResourceNames } from "./naming";
import type { StackConfig } from "./stackConfig";

export interface DatabaseIdentity {
    readonly location: string;
    readonly resourceGroup: string;
    /** The configured server name, or "(generated)" for the random default. */
    readonly serverName: string;
    readonly access: "vnet" | "public";
    readonly adminLogin: string;
    readonly geoRedundantBackup: boolean;
    /** VNet mode only: the delegated subnet and the private DNS zone are fixed at creation. */
    readonly databaseSubnet: string | null;
    readonly privateDnsZone: string | null;
}

/** The configuration key that controls each identity field, for messages. */
export const IDENTITY_KEYS: Record<keyof DatabaseIdentity, string> = {
    location: "azure-native:location",
    resourceGroup: "the stack name (resource group)",
    serverName: "securepg:database.serverName",
    access: "securepg:database.access",
    adminLogin: "securepg:database.adminLogin",
    geoRedundantBackup: "securepg:database.geoRedundantBackup",
    databaseSubnet: "securepg:network.databaseSubnet",
    privateDnsZone: "the stack name (private DNS zone)",
};

export function databaseIdentity(config: StackConfig, names: ResourceNames): DatabaseIdentity {
    const vnet = config.database.access === "vnet";
    return {
        location: config.location,
        resourceGroup: names.resourceGroup,
        serverName: config.database.serverName ?? "(generated)",
        access: config.database.access,
        adminLogin: config.database.adminLogin,
        geoRedundantBackup: config.database.geoRedundantBackup,
        databaseSubnet: vnet ? config.network.databaseSubnet.text : null,
        privateDnsZone: vnet ? names.privateDnsZone : null,
    };
}

export interface IdentityChange {
    readonly field: keyof DatabaseIdentity;
    readonly key: string;
    readonly from: unknown;
    readonly to: unknown;
}

/** What differs from the previous deployment's identity; nothing when there was none. */
export function replacementChanges(previous: unknown, current: DatabaseIdentity): IdentityChange[] {
    if (previous === null || typeof previous !== "object") {
        return [];
    }
    const before = previous as Record<string, unknown>;
    return (Object.keys(current) as Array<keyof DatabaseIdentity>)
        .filter((field) => field in before && JSON.stringify(before[field]) !== JSON.stringify(current[field]))
        .map((field) => ({ field, key: IDENTITY_KEYS[field], from: before[field], to: current[field] }));
}

export function describeChanges(changes: readonly IdentityChange[]): string {
    return changes.map((c) => `  - ${c.key}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`).join("\n");
}
