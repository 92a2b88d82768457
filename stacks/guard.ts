/**
 * Refuses, before any resource is touched, a change that would replace (and so empty) the
 * database of a prod stack. The previous deployment's `databaseIdentity` output is read back
 * through a StackReference to this very stack.
 */
import * as pulumi from "@pulumi/pulumi";
import { describeChanges, replacementChanges, type DatabaseIdentity } from "../lib/replacement";
import type { StackConfig } from "./types";

export const IDENTITY_OUTPUT = "databaseIdentity";

export async function previousIdentity(config: Pick<StackConfig, "project" | "stack">): Promise<unknown> {
    const self = new pulumi.StackReference("previous-deployment", {
        name: `${pulumi.getOrganization()}/${config.project}/${config.stack}`,
    });
    const details = await self.getOutputDetails(IDENTITY_OUTPUT);
    return details.value ?? details.secretValue;
}

export async function checkReplacementAllowed(config: StackConfig, identity: DatabaseIdentity): Promise<void> {
    const changes = replacementChanges(await previousIdentity(config), identity);
    if (changes.length === 0) {
        return;
    }
    const what = `these changes replace the PostgreSQL server, which deletes it and its data:\n${describeChanges(changes)}`;
    if (config.environment === "prod" && !config.database.allowReplace) {
        throw new pulumi.RunError(
            `refusing to deploy: ${what}\nRestore the previous values, or, after taking a backup, set securepg:database.allowReplace ` +
            "to true, securepg:protect to false and securepg:database.deleteLock to false for one update. Nothing was changed.",
        );
    }
    pulumi.log.warn(`${what}${config.environment === "prod" ? "\n(allowed by securepg:database.allowReplace)" : ""}`);
}
