/** What the real program registers, in the shape lib/azureRules.ts checks. */
import type { RequestResource, Violation } from "../../lib/azureRules";
import { plainInputs, type ProgramRun } from "./program";

export function requests(run: ProgramRun): RequestResource[] {
    return run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, inputs: plainInputs(r.inputs) as Record<string, unknown>, deleteBeforeReplace: r.deleteBeforeReplace }));
}

export const describeAll = (violations: readonly Violation[]) => violations.map((v) => `${v.rule} ${v.resource}: ${v.message}`).join("\n");
