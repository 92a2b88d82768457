/**
 * The steps `pulumi up` takes from one deployment to the next, computed from two runs of the
 * program: what Pulumi's engine does with what the program registers.
 * - A resource is matched to its previous self by URN. It is replaced when a property Azure fixes at
 *   creation changes (its name, its zones, a `replaceOnChanges` path), updated when anything else does.
 * - A `deleteBeforeReplace` replacement deletes the old resource right before creating the new one.
 * - Any other replacement creates the new resource in place, and deletes the old one only after every
 *   create and update of the deployment succeeded, like the resources the program no longer
 *   registers ("pending deletes"; https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/).
 * - Steps follow the program's registration order, which respects every dependency.
 */
import { plannedChanges } from "./diff";
import type { ProgramRun, RegisteredResource } from "./program";

export type StepKind = "create" | "update" | "same" | "delete";

export interface Step {
    readonly kind: StepKind;
    /** The resource as the program registers it now (create, update, same), or as it was (delete). */
    readonly resource: RegisteredResource;
    /** For creates that replace, and for the deletes of replaced resources. */
    readonly replaces: boolean;
}

/** Input paths Azure fixes at creation, per resource: its Azure name and zones, plus `replaceOnChanges`. */
function createOnly(resource: RegisteredResource): string[] {
    const names = Object.keys(resource.inputs).filter((k) => /Name$/.test(k) && k !== "resourceGroupName");
    // A command's triggers replace it (@pulumi/command).
    const triggers = resource.type.startsWith("command:") ? ["triggers"] : [];
    return [...names, ...triggers, "zones", "location", ...resource.replaceOnChanges];
}

const covers = (prefix: string, path: string) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

export function rollout(previous: ProgramRun, next: ProgramRun): Step[] {
    const before = new Map(previous.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
    const steps: Step[] = [];
    const deferred: Step[] = [];
    for (const resource of next.resources.filter((r) => r.custom)) {
        const old = before.get(resource.urn);
        before.delete(resource.urn);
        if (!old) {
            steps.push({ kind: "create", resource, replaces: false });
            continue;
        }
        const changed = plannedChanges(old.inputs, resource.inputs, resource.ignoreChanges);
        if (changed.length === 0) {
            steps.push({ kind: "same", resource, replaces: false });
        } else if (!changed.some((path) => createOnly(resource).some((fixed) => covers(fixed, path)))) {
            steps.push({ kind: "update", resource, replaces: false });
        } else if (resource.deleteBeforeReplace) {
            steps.push({ kind: "delete", resource: old, replaces: true }, { kind: "create", resource, replaces: true });
        } else {
            steps.push({ kind: "create", resource, replaces: true });
            deferred.push({ kind: "delete", resource: old, replaces: true });
        }
    }
    // Left over: what the program no longer registers. Deleted last, dependents first.
    const removed = [...before.values()].reverse().map((resource): Step => ({ kind: "delete", resource, replaces: false }));
    return [...steps, ...deferred.reverse(), ...removed];
}

/** The steps up to (not including) the first failure of a step `fails` picks: what a failed `pulumi up` did. */
export function until(steps: readonly Step[], fails: (step: Step) => boolean): Step[] {
    const index = steps.findIndex(fails);
    return index < 0 ? [...steps] : steps.slice(0, index);
}
