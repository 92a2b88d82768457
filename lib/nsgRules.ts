/**
 * NSG rules as plain data, so tests and the policy pack can reason about them without Pulumi.
 * Azure's built-in rules allow all VNet-internal traffic; each NSG here ends with an explicit
 * deny so that only the listed flows get through ("deny by default").
 *
 * Azure accepts `*` only in the singular fields (`destinationPortRange`, `sourceAddressPrefix`, …);
 * the plural lists take real ports, ranges and prefixes, and `["*"]` there is a 400
 * (SecurityRuleInvalidPortRange). A rule sets one form or the other, never both. `rule()` picks the
 * form from the number of values, so no rule here can get it wrong.
 */

export interface NsgRule {
    readonly name: string;
    readonly priority: number;
    readonly direction: "Inbound" | "Outbound";
    readonly access: "Allow" | "Deny";
    readonly protocol: "Tcp" | "Udp" | "*";
    readonly sourceAddressPrefix?: string;
    readonly sourceAddressPrefixes?: string[];
    readonly sourcePortRange?: string;
    readonly sourcePortRanges?: string[];
    readonly destinationAddressPrefix?: string;
    readonly destinationAddressPrefixes?: string[];
    readonly destinationPortRange?: string;
    readonly destinationPortRanges?: string[];
    readonly description: string;
}

export const DENY_PRIORITY = 4096;

type OneOrMany = string | readonly string[];

interface RuleSpec {
    readonly name: string;
    readonly priority: number;
    readonly direction: "Inbound" | "Outbound";
    readonly access: "Allow" | "Deny";
    readonly protocol: "Tcp" | "Udp" | "*";
    readonly source: OneOrMany;
    readonly destination: OneOrMany;
    /** Destination ports; the source port is always any. */
    readonly ports: OneOrMany;
    readonly description: string;
}

function values(value: OneOrMany): string[] {
    const list = typeof value === "string" ? [value] : [...value];
    if (list.length === 0) {
        throw new Error("an NSG rule field needs at least one value");
    }
    if (list.length > 1 && list.includes("*")) {
        throw new Error(`"*" cannot be listed with other values (${list.join(", ")})`);
    }
    return list;
}

/** The singular field for one value (the only place `*` is valid), the plural list for several. */
function field<S extends string, P extends string>(singular: S, plural: P, value: OneOrMany): Record<S, string> | Record<P, string[]> {
    const list = values(value);
    return (list.length === 1 ? { [singular]: list[0] } : { [plural]: list }) as Record<S, string> | Record<P, string[]>;
}

export function rule(spec: RuleSpec): NsgRule {
    const { source, destination, ports, ...rest } = spec;
    return {
        ...rest,
        sourcePortRange: "*",
        ...field("sourceAddressPrefix", "sourceAddressPrefixes", source),
        ...field("destinationAddressPrefix", "destinationAddressPrefixes", destination),
        ...field("destinationPortRange", "destinationPortRanges", ports),
    };
}

/** Every value of one of a rule's address or port fields, whichever form it uses. */
export function ruleValues(r: NsgRule, what: "sourceAddress" | "destinationAddress" | "destinationPort" | "sourcePort"): string[] {
    const singular = what.endsWith("Port") ? `${what}Range` : `${what}Prefix`;
    const plural = what.endsWith("Port") ? `${singular}s` : `${singular}es`;
    const record = r as unknown as Record<string, string | string[] | undefined>;
    const one = record[singular];
    const many = record[plural];
    return [...(typeof one === "string" ? [one] : []), ...(Array.isArray(many) ? many : [])];
}

function denyAllInbound(): NsgRule {
    return rule({
        name: "DenyAllInbound", priority: DENY_PRIORITY, direction: "Inbound", access: "Deny", protocol: "*",
        source: "*", destination: "*", ports: "*",
        description: "Deny everything not allowed above (overrides Azure's AllowVnetInBound)",
    });
}

function allowLoadBalancerProbes(): NsgRule {
    return rule({
        name: "AllowAzureLoadBalancerInbound", priority: DENY_PRIORITY - 1, direction: "Inbound", access: "Allow", protocol: "*",
        source: "AzureLoadBalancer", destination: "*", ports: "*",
        description: "Azure platform health probes",
    });
}

export interface ProxySubnetRuleInput {
    readonly vpnClientPool: string;
    readonly proxySubnet: string;
    /** Every port nginx listens on: the stack's server first, then PgBouncer and the targets. */
    readonly listenPorts: readonly number[];
    /** The address prefixes of the site-to-site networks; empty without sites. */
    readonly sitePrefixes: readonly string[];
}

/**
 * Who may reach the proxy's ports: exactly the sources nginx allows (the VPN pool, the site-to-site
 * networks and Azure-side clients in the proxy subnet, see `proxyAllowedSources`), so the two
 * allowlists never disagree. SSH only from the VPN pool.
 */
export function proxySubnetRules(input: ProxySubnetRuleInput): NsgRule[] {
    const ports = input.listenPorts.map(String);
    return [
        rule({
            name: "AllowVpnClientsToProxy", priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp",
            source: input.vpnClientPool, destination: input.proxySubnet, ports,
            description: "Point-to-Site VPN clients to the PostgreSQL proxy",
        }),
        ...(input.sitePrefixes.length === 0 ? [] : [rule({
            name: "AllowSitesToProxy", priority: 102, direction: "Inbound", access: "Allow", protocol: "Tcp",
            source: input.sitePrefixes, destination: input.proxySubnet, ports,
            description: "Site-to-site networks to the PostgreSQL proxy",
        })]),
        rule({
            name: "AllowProxySubnetToProxy", priority: 105, direction: "Inbound", access: "Allow", protocol: "Tcp",
            source: input.proxySubnet, destination: input.proxySubnet, ports,
            description: "Azure-side clients in the proxy subnet to the PostgreSQL proxy (nginx allows them too)",
        }),
        rule({
            name: "AllowVpnClientsSsh", priority: 110, direction: "Inbound", access: "Allow", protocol: "Tcp",
            source: input.vpnClientPool, destination: input.proxySubnet, ports: "22",
            description: "Administration of the proxy VM over the VPN only",
        }),
        allowLoadBalancerProbes(),
        denyAllInbound(),
    ];
}

/** The sources nginx admits to the proxy's ports; the proxy subnet's NSG admits the same. */
export function proxyAllowedSources(input: Pick<ProxySubnetRuleInput, "vpnClientPool" | "proxySubnet" | "sitePrefixes">): string[] {
    return [input.vpnClientPool, input.proxySubnet, ...input.sitePrefixes];
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
            source: input.proxySubnet, destination: input.databaseSubnet, ports: "5432",
            description: "Only the proxy subnet may reach PostgreSQL",
        }),
        rule({
            name: "AllowIntraSubnetInbound", priority: 110, direction: "Inbound", access: "Allow", protocol: "*",
            source: input.databaseSubnet, destination: input.databaseSubnet, ports: "*",
            description: "High-availability replication between the primary and its standby",
        }),
        allowLoadBalancerProbes(),
        denyAllInbound(),
        rule({
            name: "AllowIntraSubnetOutbound", priority: 100, direction: "Outbound", access: "Allow", protocol: "*",
            source: input.databaseSubnet, destination: input.databaseSubnet, ports: "*",
            description: "High-availability replication between the primary and its standby",
        }),
        rule({
            name: "AllowAzureStorageOutbound", priority: 110, direction: "Outbound", access: "Allow", protocol: "Tcp",
            source: input.databaseSubnet, destination: "Storage", ports: "443",
            description: "WAL archiving and backups",
        }),
        rule({
            name: "AllowEntraIdOutbound", priority: 120, direction: "Outbound", access: "Allow", protocol: "Tcp",
            source: input.databaseSubnet, destination: "AzureActiveDirectory", ports: "443",
            description: "Microsoft Entra ID authentication",
        }),
        rule({
            name: "DenyInternetOutbound", priority: DENY_PRIORITY, direction: "Outbound", access: "Deny", protocol: "*",
            source: "*", destination: "Internet", ports: "*",
            description: "The database has no business on the Internet",
        }),
    ];
}
