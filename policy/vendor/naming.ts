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
    /** Active-active: the second instance's address, and the one Point-to-Site then needs. */
    readonly vpnPublicIp2: string;
    readonly vpnPublicIpP2s: string;
    /** The proxies' internal load balancer. */
    readonly loadBalancer: string;
    /** Regions without zones: the proxies' availability set. */
    readonly availabilitySet: string;
    /** Prefix of the server name; a random suffix makes it globally unique unless the stack names it. */
    readonly serverPrefix: string;
    readonly logAnalyticsWorkspace: string;
    readonly dataCollectionRule: string;
    readonly actionGroup: string;
    readonly actionGroupShortName: string;
    /** Prefix of the metric alerts' names: `<prefix>-<what>`. */
    readonly alertPrefix: string;
}

/** Lowercase letters, digits and hyphens: the common subset of what these resource types accept. */
export function slug(text: string): string {
    return text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "");
}

/**
 * Azure's length limits for the names this program makes
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
 */
export const NAME_LIMITS = {
    resourceGroup: 90,
    virtualNetwork: 64,
    subnet: 80,
    networkSecurityGroup: 80,
    natGateway: 80,
    publicIp: 80,
    virtualNetworkGateway: 80,
    networkInterface: 80,
    disk: 80,
    virtualNetworkLink: 80,
    loadBalancer: 80,
    availabilitySet: 80,
    /** Linux VM names and computer names (Windows would be 15). */
    linuxVirtualMachine: 64,
    /** Flexible Server: 3-63 characters; it is also the first label of the server's FQDN. */
    flexibleServer: 63,
    /** One DNS label (the private zone's first label). */
    dnsLabel: 63,
    /** Log Analytics: 4-63 letters, digits and hyphens, a letter or digit at both ends. */
    logAnalyticsWorkspace: 63,
    dataCollectionRule: 64,
    actionGroup: 260,
    /** Action groups' short name, which the email and SMS carry. */
    actionGroupShortName: 12,
    metricAlert: 260,
    /** Local network gateways and connections: 1-80 letters, digits, _, . and -. */
    localNetworkGateway: 80,
    connection: 80,
} as const;

/** Length of the random suffix that makes a generated server name globally unique. */
export const SERVER_SUFFIX_LENGTH = 6;

/** A short, stable digest of `text` (FNV-1a, 32 bits, hex). */
function digest(text: string): string {
    let hash = 0x811c9dc5;
    for (const char of Buffer.from(text, "utf8")) {
        hash = Math.imul(hash ^ char, 0x01000193) >>> 0;
    }
    return hash.toString(16).padStart(8, "0");
}

/**
 * `name` when it fits in `max` characters; otherwise its first characters plus a digest of the whole
 * name, so long stack names give names Azure accepts, the same ones on every run, and different
 * ones for stacks that only differ at the end. Names that fit are never touched: existing stacks
 * keep their resources.
 */
export function fitName(name: string, max: number): string {
    if (name.length <= max) {
        return name;
    }
    const tag = digest(name);
    const head = name.slice(0, max - tag.length - 1).replace(/[-._]+$/, "");
    return `${head}-${tag}`;
}

export function resourceNames(project: string, stack: string): ResourceNames {
    const base = `${slug(project)}-${slug(stack)}`;
    const L = NAME_LIMITS;
    return {
        resourceGroup: fitName(`rg-${base}`, L.resourceGroup),
        virtualNetwork: fitName(`vnet-${base}`, L.virtualNetwork),
        gatewaySubnet: GATEWAY_SUBNET_NAME,
        proxySubnet: fitName(`snet-${base}-proxy`, L.subnet),
        databaseSubnet: fitName(`snet-${base}-psql`, L.subnet),
        proxyNsg: fitName(`nsg-${base}-proxy`, L.networkSecurityGroup),
        databaseNsg: fitName(`nsg-${base}-psql`, L.networkSecurityGroup),
        natGateway: fitName(`ng-${base}`, L.natGateway),
        natPublicIp: fitName(`pip-${base}-ng`, L.publicIp),
        privateDnsZone: `${fitName(base, L.dnsLabel)}.${POSTGRES_PRIVATE_DNS_SUFFIX}`,
        privateDnsZoneLink: fitName(`vnetlink-${base}`, L.virtualNetworkLink),
        vpnGateway: fitName(`vgw-${base}`, L.virtualNetworkGateway),
        vpnPublicIp: fitName(`pip-${base}-vgw`, L.publicIp),
        vpnPublicIp2: fitName(`pip-${base}-vgw2`, L.publicIp),
        vpnPublicIpP2s: fitName(`pip-${base}-vgw-p2s`, L.publicIp),
        loadBalancer: fitName(`lbi-${base}-proxy`, L.loadBalancer),
        availabilitySet: fitName(`avail-${base}-proxy`, L.availabilitySet),
        serverPrefix: fitName(`psql-${base}`, L.flexibleServer - SERVER_SUFFIX_LENGTH - 1),
        logAnalyticsWorkspace: fitName(`log-${base}`, L.logAnalyticsWorkspace),
        dataCollectionRule: fitName(`dcr-${base}-proxy`, L.dataCollectionRule),
        actionGroup: fitName(`ag-${base}`, L.actionGroup),
        actionGroupShortName: fitName(`spg-${slug(stack)}`, L.actionGroupShortName),
        alertPrefix: fitName(`alert-${base}`, L.metricAlert - 24),
    };
}

export interface ProxyInstanceNames {
    readonly vm: string;
    readonly nic: string;
    readonly osDisk: string;
}

/**
 * The names of one proxy VM generation: `vm-<project>-<stack>-proxy<index>-g<generation>`. The
 * generation suffix is never shortened away, so a new generation always gets new names (and can be
 * created before the old one is deleted).
 */
export function proxyInstanceNames(project: string, stack: string, index: number, generation: string): ProxyInstanceNames {
    const base = `${slug(project)}-${slug(stack)}`;
    const suffix = `-g${generation}`;
    const named = (prefix: string, max: number) => `${fitName(`${prefix}-${base}-proxy${index}`, max - suffix.length)}${suffix}`;
    return {
        vm: named("vm", NAME_LIMITS.linuxVirtualMachine),
        nic: named("nic", NAME_LIMITS.networkInterface),
        osDisk: named("osdisk", NAME_LIMITS.disk),
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

/**
 * Flexible Server names: 3-63 lowercase letters, digits and single hyphens, no hyphen at either end
 * (REST API 2025-08-01: `^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*`; Microsoft Learn: lowercase only).
 */
/** A stack name as the scripts take it on the command line: `dev`, or `org/project/dev`. */
export const STACK_ARGUMENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** A fully qualified host name: labels of letters, digits and inner hyphens, then a top-level domain. */
export const FQDN_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export const SERVER_NAME_PATTERN = /^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A site-to-site site's own resources: its local network gateway and its connection. */
export function siteResourceNames(project: string, stack: string, site: string): { localNetworkGateway: string; connection: string } {
    const base = `${slug(project)}-${slug(stack)}`;
    return {
        localNetworkGateway: fitName(`lgw-${base}-${site}`, NAME_LIMITS.localNetworkGateway),
        connection: fitName(`con-${base}-${site}`, NAME_LIMITS.connection),
    };
}
