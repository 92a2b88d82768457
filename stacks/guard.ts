/**
 * Refuses, before any resource is touched, a change that Azure or Pulumi would stop halfway or
 * that would replace (and so empty) the database: compared with what the previous deployment of
 * this stack left behind (`readPreviousDeployment`).
 */
import * as pulumi from "@pulumi/pulumi";
import { allowlistRules, NAT_EGRESS_RULE_NAME } from "../lib/firewall";
import { auditChanges, blockedRemovals, describeProtection, gatewaySkuProblem, unprotectKeys, type DeployedProtection } from "../lib/lifecycle";
import { resourceNames } from "../lib/naming";
import { describeChanges, replacementChanges, type DatabaseIdentity, type IdentityChange } from "../lib/replacement";
import { chooseDatabaseAuth, type DatabaseAuthChoice } from "../lib/entra";
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

/** How the server lets people sign in for this deployment: the configuration, else what is deployed. */
export function databaseAuthFor(config: Pick<StackConfig, "database" | "environment">, previous: PreviousDeployment): DatabaseAuthChoice {
    return chooseDatabaseAuth({
        configured: config.database.passwordAuth,
        entraAdmin: config.database.entraAdmin,
        environment: config.environment,
        deployed: previous.databaseAuthentication,
        serverDeployed: previous.serverName !== undefined,
    });
}

function authenticationFindings(config: StackConfig, previous: PreviousDeployment, problems: string[], warnings: string[]): void {
    const auth = databaseAuthFor(config, previous);
    if (previous.serverName === undefined || auth.passwordAuth) {
        return;
    }
    const deployed = previous.databaseAuthentication;
    if (!deployed?.entraAdminObjectId) {
        // The server update (passwords off) runs before the administrator exists: nobody could sign in.
        problems.push("securepg:database.passwordAuth false would lock everyone out: the deployed server has no Entra administrator yet. " +
            "First deploy with securepg:database.entraAdmin and passwords still on, sign in with a token and map your applications' identities; " +
            "then set passwordAuth to false in a later update (docs/operations.md, \"Rotating to passwordless\").");
    } else if (deployed.passwordAuth) {
        warnings.push("securepg:database.passwordAuth false: from this update on the admin password no longer signs in; " +
            "clients and applications must use Entra tokens (the password role stays, so true brings it back in place)");
    }
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
    authenticationFindings(config, previous, problems, warnings);
    const names = resourceNames(config.project, config.stack);
    const audit = auditChanges({
        previous, diagnostics: config.monitoring.diagnostics,
        createsWorkspace: config.monitoring.diagnostics && config.monitoring.existingWorkspace === undefined,
        workspaceName: names.logAnalyticsWorkspace, resourceGroup: names.resourceGroup,
    });
    problems.push(...audit.problems);
    warnings.push(...audit.warnings);
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
