/**
 * NSG rules as plain data, so tests and the policy pack can reason about them without Pulumi.
 * Azure's built-in rules allow all VNet-internal traffic; each NSG here ends with an explicit
 * deny so that only the listed flows get through ("deny by default").
 */

export interface NsgRule {
    readonly name: string;
    readonly priority: number;
    readonly direction: "Inbound" | "Outbound";
    readonly access: "Allow" | "Deny";
    readonly protocol: "Tcp" | "Udp" | "*";
    readonly sourceAddressPrefix: string;
    readonly sourcePortRange: string;
    readonly destinationAddressPrefix: string;
    readonly destinationPortRanges: string[];
    readonly description: string;
}

const DENY_PRIORITY = 4096;

function rule(r: Omit<NsgRule, "sourcePortRange">): NsgRule {
    return { ...r, sourcePortRange: "*" };
}

function denyAllInbound(): NsgRule {
    return rule({
        name: "DenyAllInbound", priority: DENY_PRIORITY, direction: "Inbound", access: "Deny", protocol: "*",
        sourceAddressPrefix: "*", destinationAddressPrefix: "*", destinationPortRanges: ["*"],
        description: "Deny everything not allowed above (overrides Azure's AllowVnetInBound)",
    });
}

function allowLoadBalancerProbes(): NsgRule {
    return rule({
        name: "AllowAzureLoadBalancerInbound", priority: DENY_PRIORITY - 1, direction: "Inbound", access: "Allow", protocol: "*",
        sourceAddressPrefix: "AzureLoadBalancer", destinationAddressPrefix: "*", destinationPortRanges: ["*"],
        description: "Azure platform health probes",
    });
}

export interface ProxySubnetRuleInput {
    readonly vpnClientPool: string;
    readonly proxySubnet: string;
    readonly proxyPort: number;
}

/** The proxy subnet admits the proxy port and SSH from VPN clients only. */
export function proxySubnetRules(input: ProxySubnetRuleInput): NsgRule[] {
    return [
        rule({
            name: "AllowVpnClientsToProxy", priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp",
            sourceAddressPrefix: input.vpnClientPool, destinationAddressPrefix: input.proxySubnet,
            destinationPortRanges: [String(input.proxyPort)],
            description: "Point-to-Site VPN clients to the PostgreSQL proxy",
        }),
        rule({
            name: "AllowVpnClientsSsh", priority: 110, direction: "Inbound", access: "Allow", protocol: "Tcp",
            sourceAddressPrefix: input.vpnClientPool, destinationAddressPrefix: input.proxySubnet, destinationPortRanges: ["22"],
            description: "Administration of the proxy VM over the VPN only",
        }),
        allowLoadBalancerProbes(),
        denyAllInbound(),
    ];
}

export interface DatabaseSubnetRuleInput {
    readonly proxySubnet: string;
    readonly databaseSubnet: string;
}

/**
 * The delegated database subnet admits 5432 only from the proxy subnet: the subnet-scoped access
 * rule that replaces Single Server's VNet rules. Replication between HA replicas inside the subnet
 * and the server's outbound calls to Azure Storage (WAL archive, backups) and Entra ID stay open.
 */
export function databaseSubnetRules(input: DatabaseSubnetRuleInput): NsgRule[] {
    return [
        rule({
            name: "AllowProxyToPostgres", priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp",
            sourceAddressPrefix: input.proxySubnet, destinationAddressPrefix: input.databaseSubnet, destinationPortRanges: ["5432"],
            description: "Only the proxy subnet may reach PostgreSQL",
        }),
        rule({
            name: "AllowIntraSubnetInbound", priority: 110, direction: "Inbound", access: "Allow", protocol: "*",
            sourceAddressPrefix: input.databaseSubnet, destinationAddressPrefix: input.databaseSubnet, destinationPortRanges: ["*"],
            description: "High-availability replication between the primary and its standby",
        }),
        allowLoadBalancerProbes(),
        denyAllInbound(),
        rule({
            name: "AllowIntraSubnetOutbound", priority: 100, direction: "Outbound", access: "Allow", protocol: "*",
            sourceAddressPrefix: input.databaseSubnet, destinationAddressPrefix: input.databaseSubnet, destinationPortRanges: ["*"],
            description: "High-availability replication between the primary and its standby",
        }),
        rule({
            name: "AllowAzureStorageOutbound", priority: 110, direction: "Outbound", access: "Allow", protocol: "Tcp",
            sourceAddressPrefix: input.databaseSubnet, destinationAddressPrefix: "Storage", destinationPortRanges: ["443"],
            description: "WAL archiving and backups",
        }),
        rule({
            name: "AllowEntraIdOutbound", priority: 120, direction: "Outbound", access: "Allow", protocol: "Tcp",
            sourceAddressPrefix: input.databaseSubnet, destinationAddressPrefix: "AzureActiveDirectory", destinationPortRanges: ["443"],
            description: "Microsoft Entra ID authentication",
        }),
        rule({
            name: "DenyInternetOutbound", priority: DENY_PRIORITY, direction: "Outbound", access: "Deny", protocol: "*",
            sourceAddressPrefix: "*", destinationAddressPrefix: "Internet", destinationPortRanges: ["*"],
            description: "The database has no business on the Internet",
        }),
    ];
}
