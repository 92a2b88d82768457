/**
 * The part of Pulumi's plan that matters here: which input properties differ between the state
 * (after a refresh, what Azure reports) and what the program now asks for, with `ignoreChanges`
 * applied the way the engine applies it (an ignored path keeps its old value).
 */
import { plainInputs } from "./program";

function walk(before: unknown, after: unknown, path: string, out: string[]): void {
    if (Array.isArray(before) && Array.isArray(after)) {
        for (let i = 0; i < Math.max(before.length, after.length); i++) {
            walk(before[i], after[i], `${path}[${i}]`, out);
        }
        return;
    }
    const isObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (isObject(before) && isObject(after)) {
        const a = before as Record<string, unknown>;
        const b = after as Record<string, unknown>;
        for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
            walk(a[key], b[key], path ? `${path}.${key}` : key, out);
        }
        return;
    }
    if (JSON.stringify(before) !== JSON.stringify(after)) {
        out.push(path);
    }
}

const covers = (ignored: string, path: string) => path === ignored || path.startsWith(`${ignored}.`) || path.startsWith(`${ignored}[`);

/** Property paths the engine would show as changed (secrets compared by value). */
export function plannedChanges(stateInputs: Record<string, unknown>, programInputs: Record<string, unknown>, ignoreChanges: readonly string[] = []): string[] {
    const out: string[] = [];
    walk(plainInputs(stateInputs), plainInputs(programInputs), "", out);
    return out.filter((path) => !ignoreChanges.some((ignored) => covers(ignored, path)));
}

/** A copy of `inputs` with the value at a dotted path replaced (how a refresh records Azure's change). */
export function withValueAt(inputs: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
    const copy = structuredClone(plainInputs(inputs)) as Record<string, unknown>;
    const steps = path.split(".");
    let node = copy;
    for (const step of steps.slice(0, -1)) {
        node[step] = { ...(node[step] as Record<string, unknown> ?? {}) };
        node = node[step] as Record<string, unknown>;
    }
    node[steps[steps.length - 1]] = value;
    return copy;
}
