/**
 * Upgrading a deployed stack to the top-level component replaces nothing. Every resource used to
 * be a child of the stack (or of a component that was); now the components hang under `SecurePg`,
 * which changes every URN. The components' aliases name their previous parent, and the engine
 * carries a parent's aliases to its children. This test computes the alias URNs the way the engine
 * does and checks them against the URNs the program registered before the change
 * (test/fixtures/before-component/urns.json, recorded at main 4494561 with the variants below).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runProgram, type RegisteredResource } from "./harness/program";
import { loadAllStackFiles, PROJECT_NAME, PROJECT_ROOT, withSections } from "./harness/stackFiles";

const BEFORE = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "test", "fixtures", "before-component", "urns.json"), "utf8")) as Record<string, string[]>;

/** The settings the fixture's `<stack>-reach` entries were recorded with: every optional part on. */
function reachVariant(stack: string, config: Record<string, string>): Record<string, string> {
    return withSections(config, {
        vpn: { sites: [{ name: "hq", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"], bgp: { asn: 65010, peeringAddress: "192.168.10.1" } }], activeActive: true, authentication: "both" },
        database: { pgbouncer: true, ...(stack === "dev" ? { skuName: "Standard_D2ds_v5", tier: "GeneralPurpose" } : {}), entraAdmin: { objectId: "00000000-0000-0000-0000-00000000aaaa", principalName: "pg-admins" } },
        proxy: { targets: [{ name: "reports", host: "psql-reports.postgres.database.azure.com", port: 5432, listenPort: 15432 }] },
    });
}

/** The type part of a URN: the parent chain's types joined by `$`. */
function qualifiedType(urn: string): string {
    return urn.split("::")[2];
}

function urnOf(stack: string, parentUrn: string | undefined, type: string, name: string): string {
    const qualified = parentUrn === undefined ? type : `${qualifiedType(parentUrn)}$${type}`;
    return `urn:pulumi:${stack}::${PROJECT_NAME}::${qualified}::${name}`;
}

/**
 * Every URN a resource answers to in the engine: its own (the mock monitor abbreviates a URN's type
 * to the immediate parent's, the engine qualifies it with the whole parent chain), its alias specs',
 * and, for each URN its parent answers to, the same name and type under that parent (the engine's
 * inherited child aliases).
 */
function answersTo(stack: string, resources: readonly RegisteredResource[]): Map<string, Set<string>> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const memo = new Map<string, { own: string; all: Set<string> }>();
    const visit = (resource: RegisteredResource): { own: string; all: Set<string> } => {
        const known = memo.get(resource.urn);
        if (known) {
            return known;
        }
        const parent = byUrn.get(resource.parent);
        const parentUrns = parent ? [...visit(parent).all] : [undefined];
        const own = urnOf(stack, parent && visit(parent).own, resource.type, resource.name);
        const all = new Set<string>([own]);
        for (const parentUrn of parentUrns) {
            all.add(urnOf(stack, parentUrn, resource.type, resource.name));
        }
        for (const alias of resource.aliases) {
            const name = alias.name || resource.name;
            const type = alias.type || resource.type;
            if (alias.noParent || alias.parentUrn.endsWith("::pulumi:pulumi:Stack::" + `${PROJECT_NAME}-${stack}`)) {
                all.add(urnOf(stack, undefined, type, name));
            } else {
                for (const parentUrn of alias.parentUrn ? [alias.parentUrn] : parentUrns) {
                    all.add(urnOf(stack, parentUrn, type, name));
                }
            }
        }
        const result = { own, all };
        memo.set(resource.urn, result);
        return result;
    };
    return new Map(resources.filter((r) => r.urn).map((r) => [visit(r).own, visit(r).all]));
}

describe("upgrading to the top-level component replaces nothing", () => {
    for (const file of loadAllStackFiles()) {
        const variants: Record<string, Record<string, string>> = { [file.stack]: file.config, [`${file.stack}-reach`]: reachVariant(file.stack, file.config) };
        for (const [variant, config] of Object.entries(variants)) {
            it(`${variant}: every resource answers to the URN it had, and only the component is new`, async () => {
                const before = BEFORE[variant];
                assert.ok(before && before.length > 40, `no recorded URNs for ${variant}`);
                const run = await runProgram({ stack: file.stack, config, secretKeys: file.secretKeys });
                assert.equal(run.error, undefined, run.error?.message);
                const aliases = answersTo(file.stack, run.resources);
                const claimed = new Map<string, string>();
                const fresh: string[] = [];
                for (const [urn, names] of aliases) {
                    const previous = before.filter((old) => names.has(old));
                    assert.ok(previous.length <= 1, `${urn} answers to ${previous.length} earlier resources: ${previous.join(", ")}`);
                    if (previous.length === 0) {
                        fresh.push(urn);
                        continue;
                    }
                    assert.equal(claimed.get(previous[0]), undefined, `${previous[0]} is claimed twice`);
                    claimed.set(previous[0], urn);
                }
                // Deleted (and recreated under a new URN): a recorded resource nobody answers to.
                assert.deepEqual(before.filter((old) => !claimed.has(old)), []);
                assert.deepEqual(fresh, [`urn:pulumi:${file.stack}::${PROJECT_NAME}::securepg:index:SecurePg::securepg`]);
            });
        }
    }

    it("the check sees a missing alias: without the components' aliases, every resource would be new", async () => {
        const file = loadAllStackFiles()[0];
        const run = await runProgram({ stack: file.stack, config: file.config, secretKeys: file.secretKeys });
        const withoutAliases = run.resources.map((r) => ({ ...r, aliases: [] }));
        const answered = new Set([...answersTo(file.stack, withoutAliases).values()].flatMap((urns) => [...urns]));
        const kept = BEFORE[file.stack].filter((old) => answered.has(old));
        assert.deepEqual(kept, []);
    });
});
