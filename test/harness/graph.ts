/**
 * The order `pulumi destroy` follows, computed from the dependencies the program registers: a
 * resource is deleted only after everything that depends on it (directly or not), and resources
 * with no path between them are deleted at the same time.
 */
import type { ProgramRun, RegisteredResource } from "./program";

/** URNs `resource` depends on, directly or through other resources. */
export function transitiveDependencies(run: ProgramRun, resource: RegisteredResource): Set<string> {
    const seen = new Set<string>();
    const stack = [...resource.dependencies, resource.parent].filter(Boolean);
    while (stack.length > 0) {
        const urn = stack.pop()!;
        if (seen.has(urn)) {
            continue;
        }
        seen.add(urn);
        const next = run.resources.find((r) => r.urn === urn);
        if (next) {
            stack.push(...next.dependencies, next.parent);
        }
    }
    seen.delete("");
    return seen;
}

/** Whether destroy deletes `first` strictly before `then` (it does when `first` depends on `then`). */
export function deletedBefore(run: ProgramRun, first: RegisteredResource, then: RegisteredResource): boolean {
    return transitiveDependencies(run, first).has(then.urn);
}

/** Custom resources grouped in the waves of a destroy: each wave only once every dependent is gone. */
export function destroyWaves(run: ProgramRun): RegisteredResource[][] {
    const remaining = run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:"));
    const waves: RegisteredResource[][] = [];
    while (remaining.length > 0) {
        const wave = remaining.filter((r) => !remaining.some((other) => other !== r && transitiveDependencies(run, other).has(r.urn)));
        if (wave.length === 0) {
            throw new Error("dependency cycle");
        }
        waves.push(wave);
        for (const r of wave) {
            remaining.splice(remaining.indexOf(r), 1);
        }
    }
    return waves;
}
