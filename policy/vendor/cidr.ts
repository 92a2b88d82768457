/**
 * IPv4 CIDR arithmetic used to plan and check the VNet layout. Built on ipaddr.js for parsing;
 * ranges are handled as [first, last] integer pairs so containment and overlap stay exact.
 */
import * as ipaddr from "ipaddr.js";

export interface Ipv4Cidr {
    /** Canonical text, e.g. "10.40.0.0/16". */
    readonly text: string;
    readonly prefixLength: number;
    /** First address of the block as an unsigned 32-bit integer. */
    readonly first: number;
    /** Last address of the block as an unsigned 32-bit integer. */
    readonly last: number;
}

export function ipv4ToInt(address: string): number {
    const bytes = ipaddr.IPv4.parse(address).toByteArray();
    return ((bytes[0] << 24) >>> 0) + (bytes[1] << 16) + (bytes[2] << 8) + bytes[3];
}

export function intToIpv4(value: number): string {
    return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

function blockFrom(first: number, prefixLength: number): Ipv4Cidr {
    const size = 2 ** (32 - prefixLength);
    return { text: `${intToIpv4(first)}/${prefixLength}`, prefixLength, first, last: first + size - 1 };
}

/**
 * Parses "a.b.c.d/n". Returns an error string instead of throwing so that config validation can
 * report every bad value at once. Azure rejects prefixes whose host bits are set, so do we.
 */
export function parseCidr(text: string): Ipv4Cidr | string {
    // ipaddr.js checks the four decimal octets and the prefix's range; Azure's form also has a
    // prefix of one or two digits ("/008" is refused).
    if (typeof text !== "string" || !ipaddr.IPv4.isValidCIDRFourPartDecimal(text) || !/\/\d{1,2}$/.test(text)) {
        return `${JSON.stringify(text)} is not an IPv4 CIDR block like 10.40.0.0/16`;
    }
    const [address, prefixLength] = ipaddr.IPv4.parseCIDR(text);
    const first = ipv4ToInt(ipaddr.IPv4.networkAddressFromCIDR(text).toString());
    if (ipv4ToInt(address.toString()) !== first) {
        return `${text} has host bits set; the network address is ${intToIpv4(first)}/${prefixLength}`;
    }
    return blockFrom(first, prefixLength);
}

/** Parses a single IPv4 address ("203.0.113.7") or a CIDR block ("203.0.113.0/28"). */
export function parseAddressOrCidr(text: string): Ipv4Cidr | string {
    if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
        return blockFrom(ipv4ToInt(text), 32);
    }
    return parseCidr(text);
}

export function contains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
    return inner.first >= outer.first && inner.last <= outer.last;
}

export function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
    return a.first <= b.last && b.first <= a.last;
}

export function firstAddress(block: Ipv4Cidr): string {
    return intToIpv4(block.first);
}

export function lastAddress(block: Ipv4Cidr): string {
    return intToIpv4(block.last);
}

/** The n-th block of the given prefix length inside `parent` (0-based), or undefined if it does not fit. */
export function nthSubnet(parent: Ipv4Cidr, prefixLength: number, index: number): Ipv4Cidr | undefined {
    // A block wider than its parent never fits: the check below refuses it.
    if (prefixLength > 32 || index < 0) {
        return undefined;
    }
    const first = parent.first + index * 2 ** (32 - prefixLength);
    const block = blockFrom(first, prefixLength);
    return block.last <= parent.last ? block : undefined;
}

const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((c) => parseCidr(c) as Ipv4Cidr);

/** True when the whole block lies in one RFC 1918 private range. */
export function isRfc1918(block: Ipv4Cidr): boolean {
    return RFC1918.some((range) => contains(range, block));
}

/**
 * Ranges that can never be the source of a connection to a public endpoint: private and shared
 * ranges are translated before they reach Azure, the rest are not unicast at all. (Documentation
 * ranges such as 203.0.113.0/24 are left alone: they are unicast, and examples use them.)
 */
const NON_PUBLIC: ReadonlyArray<readonly [string, string]> = [
    ["0.0.0.0/8", "'this network'"],
    ["10.0.0.0/8", "private (RFC 1918)"],
    ["100.64.0.0/10", "shared carrier-grade NAT (RFC 6598)"],
    ["127.0.0.0/8", "loopback"],
    ["169.254.0.0/16", "link-local"],
    ["172.16.0.0/12", "private (RFC 1918)"],
    ["192.168.0.0/16", "private (RFC 1918)"],
    ["224.0.0.0/4", "multicast"],
    ["240.0.0.0/4", "reserved"],
];
const NON_PUBLIC_BLOCKS = NON_PUBLIC.map(([cidr, label]) => ({ block: parseCidr(cidr) as Ipv4Cidr, label }));

/** Describes why a block is not purely public unicast, or returns undefined when it is. */
export function nonPublicReason(block: Ipv4Cidr): string | undefined {
    const hit = NON_PUBLIC_BLOCKS.find(({ block: special }) => overlaps(special, block));
    return hit ? `${hit.label} range ${hit.block.text}` : undefined;
}

/** Azure reserves the first four addresses of every subnet (network, gateway, two for DNS) and the last (broadcast). */
const AZURE_RESERVED_LOW = 4;
const AZURE_RESERVED_HIGH = 1;

/** The fifth address of a subnet: the first a NIC can hold. */
export function firstUsableAzureAddress(subnet: Ipv4Cidr): string {
    return intToIpv4(subnet.first + AZURE_RESERVED_LOW);
}

/** The address before the subnet's last: the highest a NIC or a load balancer frontend can hold. */
export function lastUsableAzureAddress(subnet: Ipv4Cidr): string {
    return intToIpv4(subnet.last - AZURE_RESERVED_HIGH);
}

/** How many addresses of an Azure subnet NICs and frontends can hold (none in a block too small for the reserved five). */
export function usableAzureAddresses(subnet: Ipv4Cidr): number {
    return Math.max(0, subnet.last - subnet.first + 1 - AZURE_RESERVED_LOW - AZURE_RESERVED_HIGH);
}
