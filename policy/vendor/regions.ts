/**
 * Azure regions and whether they have availability zones, from Microsoft Learn's list of regions
 * (https://learn.microsoft.com/azure/reliability/regions-list, the version of 2026-07-28).
 * Zonal resources (zone-redundant public IPs, zone-redundant HA) fail mid-deployment in a region
 * without zones, so the program plans by this table before any resource exists.
 */
import { distance } from "fastest-levenshtein";

export const REGION_LIST_SOURCE = "https://learn.microsoft.com/azure/reliability/regions-list (2026-07-28)";

export const REGIONS_WITH_ZONES: readonly string[] = [
    "australiaeast", "austriaeast", "belgiumcentral", "brazilsouth", "canadacentral", "centralindia", "centralus", "chilecentral",
    "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral", "indiasouthcentral", "indonesiacentral",
    "israelcentral", "italynorth", "japaneast", "japanwest", "koreacentral", "malaysiawest", "mexicocentral", "newzealandnorth",
    "northeurope", "norwayeast", "polandcentral", "qatarcentral", "southafricanorth", "southcentralus", "southeastasia", "spaincentral",
    "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "westeurope", "westus2", "westus3",
];

export const REGIONS_WITHOUT_ZONES: readonly string[] = [
    "australiacentral", "australiacentral2", "australiasoutheast", "brazilsoutheast", "canadaeast", "francesouth", "germanynorth",
    "koreasouth", "northcentralus", "norwaywest", "southafricawest", "southindia", "switzerlandwest", "uaecentral", "ukwest",
    "westcentralus", "westindia", "westus",
];

/**
 * Regions with zones where Flexible Server still offers no zone-redundant HA
 * (https://learn.microsoft.com/azure/postgresql/overview#azure-regions, regions table of 2025-12-22).
 */
export const POSTGRES_NO_ZONE_REDUNDANT_HA: readonly string[] = ["japanwest"];

export type RegionZones = "zones" | "no-zones" | "unknown";

export function regionZones(location: string): RegionZones {
    if (REGIONS_WITH_ZONES.includes(location)) {
        return "zones";
    }
    return REGIONS_WITHOUT_ZONES.includes(location) ? "no-zones" : "unknown";
}

/** Known regions whose names are closest to `location` (for "did you mean" in errors). */
export function closestRegions(location: string, count = 3): string[] {
    const all = [...REGIONS_WITH_ZONES, ...REGIONS_WITHOUT_ZONES];
    return all
        .map((region) => ({ region, distance: distance(location, region) }))
        .sort((a, b) => a.distance - b.distance || a.region.localeCompare(b.region))
        .slice(0, count)
        .map((r) => r.region);
}

/** How the stack's zonal resources are planned in a region; what differs is reported as a warning. */
export interface ZonePlan {
    readonly regionHasZones: boolean;
    /** Zones of the VPN gateway's public IP: all three, or none (a regional IP). */
    readonly gatewayPublicIpZones: string[] | undefined;
    /** Flexible Server HA mode when HA is on. */
    readonly highAvailabilityMode: "ZoneRedundant" | "SameZone";
}

export function zonePlan(location: string): ZonePlan {
    const hasZones = regionZones(location) === "zones";
    return {
        regionHasZones: hasZones,
        gatewayPublicIpZones: hasZones ? ["1", "2", "3"] : undefined,
        highAvailabilityMode: hasZones && !POSTGRES_NO_ZONE_REDUNDANT_HA.includes(location) ? "ZoneRedundant" : "SameZone",
    };
}
