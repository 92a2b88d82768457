/**
 * Refuses, before any resource is touched, a change that Azure or Pulumi would stop halfway or
 * that would replace (and so empty) the database: compared with what the previous deployment of
 * this stack left behind (`readPreviousDeployment`).
 */
import * as pulumi from "@pulumi/pulumi";
import { allowlistRules, NAT_EGRESS_RULE_NAME } from "../lib/firewall";
import { blockedRemovals, describeProtection, gatewaySkuProblem, unprotectKeys, type DeployedProtection } from "../lib/lifecycle";
import { describeChanges, replacementChanges, type DatabaseIdentity, type IdentityChange } from "../lib/replacement";
import type { PreviousDeployment } from "./deployed";
import type { StackConfig } from "./types";

/** Firewall rule names this configuration creates (public mode), as the stack exports them. */
export function firewallRuleNames(config: Pick<StackConfig, "database">): string[] {
    const db = config.database;
    return db.access === "public" ? [...allowlistRules(db).map((r) => r.name), NAT_EGRESS_RULE_NAME] : [];
}

function replacementProblem(config: StackConfig, changes: readonly IdentityChange[], deployed: DeployedProtection): string | undefined {
    const what = `these changes replace the PostgreSQL server, which deletes it and its data:\n${describeChanges(changes)}`;
    const stillProtected = deployed.protect || deployed.deleteLock;
    if (stillProtected) {
        // Pulumi refuses to delete what its state says is protected, and Azure refuses to delete a
        // locked server: both must be lifted by an update of their own before a replacement.
        return `${what}\nThe deployed server still has ${describeProtection(deployed)}, so the replacement would stop halfway. ` +
            "Restore the previous values to keep the server. To replace it on purpose, take a backup, then:\n" +
            `  1. run \`pulumi up\` with ${unprotectKeys(deployed)} and these settings still at their previous values (this update only lifts the protection);\n` +
            `  2. run \`pulumi up\` with the new values${config.environment === "prod" ? " and securepg:database.allowReplace true" : ""};\n` +
            "  3. restore securepg:protect and securepg:database.deleteLock" + (config.environment === "prod" ? ", and allowReplace false" : "") + " in a last update.";
    }
    if (config.environment === "prod" && !config.database.allowReplace) {
        return `${what}\nRestore the previous values to keep the server. To replace it on purpose, take a backup and set securepg:database.allowReplace to true for this update.`;
    }
    return undefined;
}

export interface DeploymentCheck {
    /** Why the deployment cannot go ahead; empty when it can. */
    readonly problems: string[];
    readonly warnings: string[];
}

/** Pure: what stops this deployment, compared with the previous one. */
export function checkDeployment(config: StackConfig, identity: DatabaseIdentity, previous: PreviousDeployment): DeploymentCheck {
    const problems: string[] = [];
    const warnings: string[] = [];
    const changes = replacementChanges(previous.identity, identity);
    if (changes.length > 0) {
        // A deployment from before `protection` was exported: judge by what this configuration asks.
        const deployed = previous.protection ?? { protect: config.protect, deleteLock: config.database.deleteLock };
        const problem = replacementProblem(config, changes, deployed);
        if (problem) {
            problems.push(problem);
        } else {
            warnings.push(`these changes replace the PostgreSQL server, which deletes it and its data:\n${describeChanges(changes)}` +
                (config.environment === "prod" ? "\n(allowed by securepg:database.allowReplace)" : ""));
        }
    }
    const sku = gatewaySkuProblem(previous.vpnGateway, config.vpn.sku);
    if (sku) {
        problems.push(`securepg:vpn.sku ${sku}`);
    }
    problems.push(...blockedRemovals({
        previous,
        firewallRuleNames: firewallRuleNames(config),
        databaseNames: [...config.database.databases],
    }));
    return { problems, warnings };
}

/** Throws a RunError listing every problem (nothing has been declared yet), or logs the warnings. */
export function enforceDeploymentCheck(check: DeploymentCheck): void {
    if (check.problems.length > 0) {
        throw new pulumi.RunError(`refusing to deploy; nothing was changed:\n${check.problems.map((p) => `- ${p}`).join("\n")}`);
    }
    check.warnings.forEach((warning) => pulumi.log.warn(warning));
}
