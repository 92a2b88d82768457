/** Firewall rules of a public-access server, as plain data. */
import { firstAddress, lastAddress } from "./cidr";
import type { PublicDatabaseConfig } from "../stacks/types";

export interface FirewallRuleSpec {
    /** Azure rule name: letters, digits, `-`, `_` and `.`. */
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

/** One rule per allowed range, in the order of the stack file; the NAT rule is added separately. */
export function allowlistRules(db: Pick<PublicDatabaseConfig, "allowedIpRanges" | "allowAzureServices">): FirewallRuleSpec[] {
    const rules = db.allowedIpRanges.map(({ block }) => ({
        name: `allow-${firstAddress(block)}-${block.prefixLength}`,
        startIpAddress: firstAddress(block),
        endIpAddress: lastAddress(block),
    }));
    return db.allowAzureServices ? [...rules, ALLOW_AZURE_SERVICES_RULE] : rules;
}

export const NAT_EGRESS_RULE_NAME = "allow-proxy-nat-egress";
