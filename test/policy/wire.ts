/**
 * Builds the protobuf requests the Pulumi engine sends a policy pack (Analyze per resource,
 * AnalyzeStack at the end), from the harness's registered resources, and reads the responses.
 * Properties go over the wire as the engine marshals them: secrets keep their signature wrapper.
 */
import { createRequire } from "node:module";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import type { EnforcementLevel } from "@pulumi/policy";
import type { SimResource, Violation } from "./simulate";

// google-protobuf comes with @pulumi/pulumi; resolve it from there rather than rely on hoisting.
export const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi"));
const { Struct } = pulumiRequire("google-protobuf/google/protobuf/struct_pb") as {
    Struct: { fromJavaScript(value: Record<string, unknown>): NonNullable<ReturnType<analyzer.AnalyzeRequest["getProperties"]>> };
};

function options(resource: SimResource): analyzer.AnalyzerResourceOptions {
    const opts = new analyzer.AnalyzerResourceOptions();
    opts.setProtect(resource.protect);
    opts.setIgnorechangesList(resource.ignoreChanges);
    opts.setAdditionalsecretoutputsList(resource.additionalSecretOutputs);
    opts.setParent(resource.parent);
    if (resource.deleteBeforeReplace !== undefined) {
        opts.setDeletebeforereplace(resource.deleteBeforeReplace);
        opts.setDeletebeforereplacedefined(true);
    }
    return opts;
}

export function analyzeRequest(resource: SimResource): analyzer.AnalyzeRequest {
    const request = new analyzer.AnalyzeRequest();
    request.setType(resource.type);
    request.setName(resource.name);
    request.setUrn(resource.urn);
    request.setProperties(Struct.fromJavaScript(resource.inputs));
    request.setOptions(options(resource));
    return request;
}

export function analyzeStackRequest(resources: SimResource[]): analyzer.AnalyzeStackRequest {
    const request = new analyzer.AnalyzeStackRequest();
    request.setResourcesList(resources.map((resource) => {
        const r = new analyzer.AnalyzerResource();
        r.setType(resource.type);
        r.setName(resource.name);
        r.setUrn(resource.urn);
        r.setProperties(Struct.fromJavaScript(resource.inputs));
        r.setOptions(options(resource));
        r.setParent(resource.parent);
        r.setDependenciesList(resource.dependencies);
        return r;
    }));
    return request;
}

const LEVELS: Record<number, EnforcementLevel> = {
    [analyzer.EnforcementLevel.ADVISORY]: "advisory",
    [analyzer.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzer.EnforcementLevel.DISABLED]: "disabled",
    [analyzer.EnforcementLevel.REMEDIATE]: "remediate",
};

/** The diagnostics of a response; a diagnostic's message is the policy description, a newline, then the violation. */
export function violationsOf(response: analyzer.AnalyzeResponse): Violation[] {
    return response.getDiagnosticsList().map((d) => ({
        policy: d.getPolicyname(),
        enforcementLevel: LEVELS[d.getEnforcementlevel()],
        message: d.getMessage().split("\n").slice(1).join("\n") || d.getMessage(),
        urn: d.getUrn() || undefined,
    }));
}

/** The Configure request the engine sends after reconciling a `--policy-pack-config` file: every entry with its level. */
export function configureRequest(config: Record<string, { level: EnforcementLevel; properties: Record<string, unknown> }>): analyzer.ConfigureAnalyzerRequest {
    const request = new analyzer.ConfigureAnalyzerRequest();
    const codes = Object.fromEntries(Object.entries(LEVELS).map(([code, level]) => [level, Number(code)])) as Record<EnforcementLevel, analyzer.EnforcementLevel>;
    for (const [name, { level, properties }] of Object.entries(config)) {
        const entry = new analyzer.PolicyConfig();
        entry.setEnforcementlevel(codes[level]);
        entry.setProperties(Struct.fromJavaScript(properties));
        request.getPolicyconfigMap().set(name, entry);
    }
    return request;
}
