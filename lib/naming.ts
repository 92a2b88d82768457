/**
 * Azure resource names, following the Cloud Adoption Framework abbreviations. One function so that
 * every component names things the same way and tests can check the names without Pulumi.
 */

export const POSTGRES_PUBLIC_DNS_SUFFIX = "postgres.database.azure.com";
export const POSTGRES_PRIVATE_DNS_SUFFIX = `private.${POSTGRES_PUBLIC_DNS_SUFFIX}`;

/** Azure's fixed name for the subnet that hosts a virtual network gateway. */
export const GATEWAY_SUBNET_NAME = "GatewaySubnet";

export interface ResourceNames {
    readonly resourceGroup: string;
    readonly virtualNetwork: string;
    readonly gatewaySubnet: string;
    readonly proxySubnet: string;
    readonly databaseSubnet: string;
    readonly proxyNsg: string;
    readonly databaseNsg: string;
    readonly natGateway: string;
    readonly natPublicIp: string;
    readonly privateDnsZone: string;
    readonly privateDnsZoneLink: string;
    readonly vpnGateway: string;
    readonly vpnPublicIp: string;
    readonly proxyVm: string;
    readonly proxyNic: string;
    readonly proxyOsDisk: string;
    /** Prefix of the server name; a random suffix makes it globally unique unless the stack names it. */
    readonly serverPrefix: string;
}

/** Lowercase letters, digits and hyphens: the common subset of what these resource types accept. */
export function slug(text: string): string {
    return text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "");
}

export function resourceNames(project: string, stack: string): ResourceNames {
    const base = `${slug(project)}-${slug(stack)}`;
    return {
        resourceGroup: `rg-${base}`,
        virtualNetwork: `vnet-${base}`,
        gatewaySubnet: GATEWAY_SUBNET_NAME,
        proxySubnet: `snet-${base}-proxy`,
        databaseSubnet: `snet-${base}-psql`,
        proxyNsg: `nsg-${base}-proxy`,
        databaseNsg: `nsg-${base}-psql`,
        natGateway: `ng-${base}`,
        natPublicIp: `pip-${base}-ng`,
        privateDnsZone: `${base}.${POSTGRES_PRIVATE_DNS_SUFFIX}`,
        privateDnsZoneLink: `vnetlink-${base}`,
        vpnGateway: `vgw-${base}`,
        vpnPublicIp: `pip-${base}-vgw`,
        proxyVm: `vm-${base}-proxy`,
        proxyNic: `nic-${base}-proxy`,
        proxyOsDisk: `osdisk-${base}-proxy`,
        serverPrefix: `psql-${base}`,
    };
}

/**
 * Azure refuses a private DNS zone named after a server of yours: the zone would shadow the server's
 * own public name. Returns the reason when `zoneName` collides with `serverName`.
 */
export function privateZoneConflict(zoneName: string, serverName: string): string | undefined {
    const zone = zoneName.toLowerCase();
    const server = serverName.toLowerCase();
    if (zone === `${server}.${POSTGRES_PUBLIC_DNS_SUFFIX}`) {
        return `private DNS zone ${zoneName} is the server's own FQDN`;
    }
    if (zone === `${server}.${POSTGRES_PRIVATE_DNS_SUFFIX}`) {
        return `private DNS zone ${zoneName} is named after the server ${serverName}`;
    }
    if (!zone.endsWith(`.${POSTGRES_PUBLIC_DNS_SUFFIX}`)) {
        return `private DNS zone ${zoneName} must end in .${POSTGRES_PUBLIC_DNS_SUFFIX}`;
    }
    return undefined;
}

/** Flexible Server names: 3-63 characters, lowercase letters, digits and hyphens, no hyphen at either end. */
export const SERVER_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;
