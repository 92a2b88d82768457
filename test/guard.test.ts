/**
 * stacks/guard.ts without running the program: what the guard says, word for word, for each kind of
 * previous deployment (the program runs that reach it: program.safeChange.test.ts,
 * deploymentChecks.test.ts).
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, type StackConfig } from "../stacks";
import { previousDeploymentOf, type PreviousDeployment } from "../stacks/deployed";
import { checkDeployment, enforceDeploymentCheck, firewallRuleNames } from "../stacks/guard";
import { resourceNames } from "../lib/naming";
import { databaseIdentity } from "../lib/replacement";

function config(stack: "dev" | "prod", database: Record<string, unknown> = {}, top: Record<string, string> = {}): StackConfig {
    return parseStackConfig({
        project: "securepg", stack,
        values: { "azure-native:location": "westeurope", "securepg:database": JSON.stringify(database), ...top },
    });
}

const identityOf = (c: StackConfig) => databaseIdentity(c, resourceNames(c.project, c.stack));

function previous(outputs: Record<string, unknown>): PreviousDeployment {
    return previousDeploymentOf(outputs);
}

const REPLACES = "these changes replace the PostgreSQL server, which deletes it and its data:\n  - securepg:database.adminLogin: \"pgadmin\" -> \"owner\"";

describe("firewallRuleNames", () => {
    it("lists the allowlist rules and the NAT egress rule in public mode, nothing in VNet mode", () => {
        assert.deepEqual(firewallRuleNames(config("dev", { access: "public", allowedIpRanges: ["203.0.113.7"] })), ["allow-203-0-113-7-32", "allow-proxy-nat-egress"]);
        assert.deepEqual(firewallRuleNames(config("dev", { access: "public" })), ["allow-proxy-nat-egress"]);
        assert.deepEqual(firewallRuleNames(config("dev")), []);
    });
});

describe("checkDeployment", () => {
    const devVnet = config("dev");
    const prodVnet = config("prod");

    it("a first deployment (no previous outputs) passes with nothing to say", () => {
        assert.deepEqual(checkDeployment(prodVnet, identityOf(prodVnet), previous({})), { problems: [], warnings: [] });
    });

    it("an unchanged deployment passes with nothing to say", () => {
        const p = previous({ databaseIdentity: identityOf(prodVnet), protection: { protect: true, deleteLock: true } });
        assert.deepEqual(checkDeployment(prodVnet, identityOf(prodVnet), p), { problems: [], warnings: [] });
    });

    it("a dev replacement of an unprotected server is a warning, without allowReplace", () => {
        const next = config("dev", { adminLogin: "owner" });
        const p = previous({ databaseIdentity: identityOf(devVnet), protection: { protect: false, deleteLock: false } });
        assert.deepEqual(checkDeployment(next, identityOf(next), p), { problems: [], warnings: [REPLACES] });
    });

    it("a prod replacement without allowReplace is refused, saying how to allow it", () => {
        const next = config("prod", { adminLogin: "owner", deleteLock: false }, { "securepg:protect": "false" });
        const p = previous({ databaseIdentity: identityOf(prodVnet), protection: { protect: false, deleteLock: false } });
        assert.deepEqual(checkDeployment(next, identityOf(next), p), {
            problems: [`${REPLACES}\nRestore the previous values to keep the server. To replace it on purpose, take a backup and set securepg:database.allowReplace to true for this update.`],
            warnings: [],
        });
    });

    it("a prod replacement with allowReplace, once protection was lifted, is a warning that names allowReplace", () => {
        const next = config("prod", { adminLogin: "owner", deleteLock: false, allowReplace: true }, { "securepg:protect": "false" });
        const p = previous({ databaseIdentity: identityOf(prodVnet), protection: { protect: false, deleteLock: false } });
        assert.deepEqual(checkDeployment(next, identityOf(next), p), { problems: [], warnings: [`${REPLACES}\n(allowed by securepg:database.allowReplace)`] });
    });

    it("a replacement of a still protected prod server: the three updates, in order", () => {
        const next = config("prod", { adminLogin: "owner", allowReplace: true }, { "securepg:protect": "false" });
        const p = previous({ databaseIdentity: identityOf(prodVnet), protection: { protect: true, deleteLock: true } });
        assert.deepEqual(checkDeployment(next, identityOf(next), p).problems, [
            `${REPLACES}\nThe deployed server still has Pulumi protect and the CanNotDelete lock, so the replacement would stop halfway. ` +
            "Restore the previous values to keep the server. To replace it on purpose, take a backup, then:\n" +
            "  1. run `pulumi up` with securepg:protect false and securepg:database.deleteLock false and these settings still at their previous values (this update only lifts the protection);\n" +
            "  2. run `pulumi up` with the new values and securepg:database.allowReplace true;\n" +
            "  3. restore securepg:protect and securepg:database.deleteLock, and allowReplace false in a last update.",
        ]);
    });

    it("a replacement of a protected dev server: the same steps without allowReplace", () => {
        const next = config("dev", { adminLogin: "owner" });
        const p = previous({ databaseIdentity: identityOf(devVnet), protection: { protect: false, deleteLock: true } });
        assert.deepEqual(checkDeployment(next, identityOf(next), p).problems, [
            `${REPLACES}\nThe deployed server still has the CanNotDelete lock, so the replacement would stop halfway. ` +
            "Restore the previous values to keep the server. To replace it on purpose, take a backup, then:\n" +
            "  1. run `pulumi up` with securepg:database.deleteLock false and these settings still at their previous values (this update only lifts the protection);\n" +
            "  2. run `pulumi up` with the new values;\n" +
            "  3. restore securepg:protect and securepg:database.deleteLock in a last update.",
        ]);
    });

    it("a deployment from before protection was exported is judged by what the configuration asks", () => {
        const next = config("dev", { adminLogin: "owner" }, { "securepg:protect": "true" });
        const p = previous({ databaseIdentity: identityOf(devVnet) });
        assert.match(checkDeployment(next, identityOf(next), p).problems[0] ?? "", /still has Pulumi protect, so the replacement would stop halfway/);
        const unprotected = config("dev", { adminLogin: "owner" });
        assert.deepEqual(checkDeployment(unprotected, identityOf(unprotected), p), { problems: [], warnings: [REPLACES] });
    });

    it("a gateway SKU of another generation is a problem named after its key", () => {
        const p = previous({ vpnGateway: { sku: "VpnGw1AZ", generation: "Generation1" } });
        const next = parseStackConfig({ project: "securepg", stack: "dev", values: { "azure-native:location": "westeurope", "securepg:vpn": JSON.stringify({ sku: "VpnGw4AZ" }) } });
        const [problem, ...rest] = checkDeployment(next, identityOf(next), p).problems;
        assert.deepEqual(rest, []);
        assert.ok(problem?.startsWith("securepg:vpn.sku VpnGw4AZ is not offered in Generation1"), problem);
    });

    it("removals under the lock are problems; the names compared are this configuration's", () => {
        const next = config("prod", { access: "public", allowedIpRanges: ["203.0.113.7"], databases: ["app"] });
        const p = previous({
            databaseIdentity: identityOf(next), protection: { protect: true, deleteLock: true },
            firewallRuleNames: ["allow-203-0-113-7-32", "allow-198-51-100-0-28", "allow-proxy-nat-egress"], databaseNames: ["app", "audit"],
        });
        const problems = checkDeployment(next, identityOf(next), p).problems;
        assert.equal(problems.length, 2, problems.join("\n"));
        assert.match(problems[0], /^removing firewall rule allow-198-51-100-0-28 is blocked/);
        assert.match(problems[1], /^removing database audit deletes it/);
    });
});

describe("enforceDeploymentCheck", () => {
    it("throws a RunError listing every problem, one per line", () => {
        assert.throws(() => enforceDeploymentCheck({ problems: ["first", "second\nline"], warnings: ["w"] }), (error: unknown) => {
            assert.ok(error instanceof pulumi.RunError);
            assert.equal((error as Error).message, "refusing to deploy; nothing was changed:\n- first\n- second\nline");
            return true;
        });
    });

    it("passes, logging each warning, when there is no problem", () => {
        const logged: string[] = [];
        // Without an engine, Pulumi's log.warn writes to console.warn.
        const original = console.warn;
        console.warn = (...args: unknown[]) => logged.push(args.join(" "));
        try {
            enforceDeploymentCheck({ problems: [], warnings: ["first warning", "second warning"] });
        } finally {
            console.warn = original;
        }
        assert.deepEqual(logged, ["warning: [runtime] first warning", "warning: [runtime] second warning"]);
    });
});
