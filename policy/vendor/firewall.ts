/** Firewall rules of a public-access server, as plain data. */
import { firstAddress, lastAddress } from "./cidr";
import type { PublicDatabaseConfig } from "./stackConfig";

export interface FirewallRuleSpec {
    /** Azure rule name: see FIREWALL_RULE_NAME_PATTERN. */
    readonly name: string;
    readonly startIpAddress: string;
    readonly endIpAddress: string;
}

/** Azure's own name for the 0.0.0.0 rule that admits every Azure service of every tenant. */
export const ALLOW_AZURE_SERVICES_RULE: FirewallRuleSpec = {
    name: "AllowAllAzureServicesAndResourcesWithinAzureIps",
    startIpAddress: "0.0.0.0",
    endIpAddress: "0.0.0.0",
};

/**
 * Flexible Server rule names (API 2025-08-01): letters, digits, `-` and `_`, 1-80 characters, not
 * ending in `-`; no periods, so addresses are written with hyphens.
 */
export const FIREWALL_RULE_NAME_PATTERN = /^[a-zA-Z0-9][-_a-zA-Z0-9]{0,79}(?<!-)$/;

/** One rule per allowed range, in the order of the stack file; the NAT rule is added separately. */
export function allowlistRules(db: Pick<PublicDatabaseConfig, "allowedIpRanges" | "allowAzureServices">): FirewallRuleSpec[] {
    const rules = db.allowedIpRanges.map(({ block }) => ({
        name: `allow-${firstAddress(block).replace(/\./g, "-")}-${block.prefixLength}`,
        startIpAddress: firstAddress(block),
        endIpAddress: lastAddress(block),
    }));
    return db.allowAzureServices ? [...rules, ALLOW_AZURE_SERVICES_RULE] : rules;
}

export const NAT_EGRESS_RULE_NAME = "allow-proxy-nat-egress";
