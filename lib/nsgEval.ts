/**
 * Evaluates an NSG the way Azure does for one flow: rules in ascending priority, the first match
 * decides, then Azure's default rules (AllowVnetInBound 65000, AllowAzureLoadBalancerInBound 65001,
 * DenyAllInBound 65500, and their outbound counterparts). Used to prove that the NSG and nginx
 * admit exactly the same clients.
 * https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#default-security-rules
 */
import { contains, parseAddressOrCidr, type Ipv4Cidr } from "./cidr";
import { ruleValues, type NsgRule } from "./nsgRules";

/** Where Azure's platform services (health probes, DNS) come from: the AzureLoadBalancer tag. */
export const AZURE_PLATFORM_ADDRESS = "168.63.129.16";

export interface Flow {
    readonly direction: "Inbound" | "Outbound";
    readonly protocol: "Tcp" | "Udp";
    readonly source: string;
    readonly destination: string;
    readonly destinationPort: number;
}

export interface NsgContext {
    /**
     * What the `VirtualNetwork` tag covers: the VNet's address space and everything connected to
     * it through the gateway (the P2S client pool, on-premises sites).
     */
    readonly virtualNetwork: readonly string[];
}

export interface Verdict {
    readonly access: "Allow" | "Deny";
    /** The deciding rule's name (Azure's default rule names for the built-in ones). */
    readonly rule: string;
}

const DEFAULT_RULES: Record<Flow["direction"], NsgRule[]> = {
    Inbound: [
        { name: "AllowVnetInBound", priority: 65000, direction: "Inbound", access: "Allow", protocol: "*", sourceAddressPrefix: "VirtualNetwork", sourcePortRange: "*", destinationAddressPrefix: "VirtualNetwork", destinationPortRange: "*", description: "" },
        { name: "AllowAzureLoadBalancerInBound", priority: 65001, direction: "Inbound", access: "Allow", protocol: "*", sourceAddressPrefix: "AzureLoadBalancer", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRange: "*", description: "" },
        { name: "DenyAllInBound", priority: 65500, direction: "Inbound", access: "Deny", protocol: "*", sourceAddressPrefix: "*", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRange: "*", description: "" },
    ],
    Outbound: [
        { name: "AllowVnetOutBound", priority: 65000, direction: "Outbound", access: "Allow", protocol: "*", sourceAddressPrefix: "VirtualNetwork", sourcePortRange: "*", destinationAddressPrefix: "VirtualNetwork", destinationPortRange: "*", description: "" },
        { name: "AllowInternetOutBound", priority: 65001, direction: "Outbound", access: "Allow", protocol: "*", sourceAddressPrefix: "*", sourcePortRange: "*", destinationAddressPrefix: "Internet", destinationPortRange: "*", description: "" },
        { name: "DenyAllOutBound", priority: 65500, direction: "Outbound", access: "Deny", protocol: "*", sourceAddressPrefix: "*", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRange: "*", description: "" },
    ],
};

function block(text: string): Ipv4Cidr {
    const parsed = parseAddressOrCidr(text);
    if (typeof parsed === "string") {
        throw new Error(`NSG evaluation: ${parsed}`);
    }
    return parsed;
}

function inAny(address: Ipv4Cidr, prefixes: readonly string[]): boolean {
    return prefixes.some((p) => contains(block(p), address));
}

/** Whether an address prefix or service tag covers `address`. Unknown service tags are an error. */
export function prefixCovers(prefix: string, address: string, context: NsgContext): boolean {
    const target = block(address);
    switch (prefix) {
        case "*":
            return true;
        case "VirtualNetwork":
            return inAny(target, context.virtualNetwork);
        case "AzureLoadBalancer":
            return address === AZURE_PLATFORM_ADDRESS;
        case "Internet":
            // The Internet tag is the public address space outside the virtual network.
            return !inAny(target, context.virtualNetwork) && !inAny(target, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]);
        default:
            if (/^[A-Za-z]/.test(prefix)) {
                // Storage, AzureActiveDirectory, …: Microsoft's public ranges, never a private address.
                if (inAny(target, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"])) {
                    return false;
                }
                throw new Error(`NSG evaluation: cannot tell whether service tag ${prefix} covers ${address}`);
            }
            return contains(block(prefix), target);
    }
}

/** Whether a port specification (`*`, `5432`, `1000-2000`) covers `port`. */
export function portCovers(spec: string, port: number): boolean {
    if (spec === "*") {
        return true;
    }
    const range = /^(\d+)-(\d+)$/.exec(spec);
    if (range) {
        return Number(range[1]) <= port && port <= Number(range[2]);
    }
    if (/^\d+$/.test(spec)) {
        return Number(spec) === port;
    }
    throw new Error(`NSG evaluation: ${JSON.stringify(spec)} is not a port, range or *`);
}

/** Ports before addresses: a rule for other ports never needs its service tags resolved. */
function matches(r: NsgRule, flow: Flow, context: NsgContext): boolean {
    return r.direction === flow.direction
        && (r.protocol === "*" || r.protocol === flow.protocol)
        && ruleValues(r, "destinationPort").some((p) => portCovers(p, flow.destinationPort))
        && ruleValues(r, "sourceAddress").some((p) => prefixCovers(p, flow.source, context))
        && ruleValues(r, "destinationAddress").some((p) => prefixCovers(p, flow.destination, context));
}

/** The NSG's decision for `flow`: the first matching rule by priority, the user's before Azure's. */
export function evaluateNsg(rules: readonly NsgRule[], flow: Flow, context: NsgContext): Verdict {
    const ordered = [...rules].sort((a, b) => a.priority - b.priority);
    const decisive = [...ordered, ...DEFAULT_RULES[flow.direction]].find((r) => matches(r, flow, context));
    // DenyAll* matches every flow, so there is always a decisive rule.
    return { access: decisive!.access, rule: decisive!.name };
}
