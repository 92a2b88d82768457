/**
 * Runs the policy list the way the CrossGuard analyzer does, without constructing a PolicyPack
 * (which would start a gRPC server): every resource policy's validations against every resource,
 * every stack policy against the whole stack, with fake args objects and a reportViolation spy.
 *
 * Resources come in wire form (the harness's registered inputs, secrets still wrapped); like the
 * analyzer, policies get them unwrapped, with nothing left to tell a secret from plaintext.
 */
import type {
    EnforcementLevel, PolicyResource, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy,
    StackValidationArgs, StackValidationPolicy,
} from "@pulumi/policy";
import { PROJECT_NAME } from "../harness/stackFiles";
import type { ProgramRun } from "../harness/program";

/** The wire encoding of a secret: `{[SECRET_SIG_KEY]: SECRET_SIG_VALUE, value}` (@pulumi/pulumi runtime/rpc). */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function isWireSecret(value: unknown): value is { value: unknown } {
    return value !== null && typeof value === "object" && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG_VALUE;
}

/** Wire-format properties with every secret marker removed, as @pulumi/policy hands them to a policy. */
export function unwrapWire(raw: unknown): unknown {
    if (isWireSecret(raw)) {
        return unwrapWire(raw.value);
    }
    if (raw === null || typeof raw !== "object") {
        return raw;
    }
    if (Array.isArray(raw)) {
        return raw.map(unwrapWire);
    }
    return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined).map(([k, v]) => [k, unwrapWire(v)]));
}

/** A resource as the engine registers it: inputs in wire form (secrets wrapped). */
export interface SimResource {
    type: string;
    name: string;
    urn: string;
    inputs: Record<string, any>;
    parent: string;
    dependencies: string[];
    additionalSecretOutputs: string[];
    protect: boolean;
    ignoreChanges: string[];
    deleteBeforeReplace?: boolean;
}

export interface Violation {
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly message: string;
    readonly urn: string | undefined;
}

export interface SimOptions {
    /**
     * A `--policy-pack-config` file's contents: per policy an enforcement level, or an object of
     * settings with an optional `enforcementLevel`. As the engine does, each policy's `getConfig`
     * gets its schema's defaults overlaid with the file's settings, without `enforcementLevel`.
     */
    readonly config?: PackConfig;
}

export type PackConfig = Readonly<Record<string, string | Readonly<Record<string, unknown>>>>;

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** What `getConfig` returns to a policy under the engine (pulumi/pulumi pkg/resource/analyzer/config.go). */
export function settingsFor(policy: AnyPolicy | undefined, config: PackConfig | undefined, name = policy?.name ?? ""): Record<string, unknown> {
    const defaults = Object.fromEntries(Object.entries(policy?.configSchema?.properties ?? {})
        .filter(([, schema]) => schema.default !== undefined).map(([key, schema]) => [key, structuredClone(schema.default)]));
    const given = config?.[name];
    if (given === undefined || typeof given === "string") {
        return defaults;
    }
    const { enforcementLevel: _level, ...settings } = given;
    return { ...defaults, ...settings };
}

/** The enforcement level a policy runs at: the file's (`all`, then the policy's own) over the policy's. */
export function levelFor(policy: AnyPolicy, config: PackConfig | undefined): EnforcementLevel {
    const levelIn = (entry: unknown): EnforcementLevel | undefined =>
        typeof entry === "string" ? entry as EnforcementLevel : (entry as { enforcementLevel?: EnforcementLevel } | undefined)?.enforcementLevel;
    return levelIn(config?.[policy.name]) ?? levelIn(config?.all) ?? policy.enforcementLevel ?? "advisory";
}

export class NotApplicable extends Error {
    constructor(readonly reason: string | undefined) {
        super(reason ?? "not applicable");
    }
}

export function wireSecret(value: unknown): Record<string, unknown> {
    return { [SECRET_SIG_KEY]: SECRET_SIG_VALUE, value };
}

/** What a policy's `props` holds for wire-form properties. */
export function propsOf(wire: Record<string, unknown>): Record<string, any> {
    return unwrapWire(wire) as Record<string, any>;
}

function typeToken(resourceClass: unknown): string | undefined {
    const token = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
    return typeof token === "string" ? token : undefined;
}

const throwNotApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

export function resourceArgs(resource: SimResource, options: SimOptions = {}, policy?: AnyPolicy): ResourceValidationArgs {
    const props = propsOf(resource.inputs);
    return {
        type: resource.type,
        props,
        urn: resource.urn,
        name: resource.name,
        opts: {
            protect: resource.protect, ignoreChanges: resource.ignoreChanges, aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: resource.additionalSecretOutputs, parent: resource.parent || undefined,
            deleteBeforeReplace: resource.deleteBeforeReplace,
        },
        stackTags: new Map(),
        isType: (resourceClass) => typeToken(resourceClass) === resource.type,
        asType: ((resourceClass: unknown) => (typeToken(resourceClass) === resource.type ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => settingsFor(policy, options.config) as T,
        notApplicable: throwNotApplicable,
    };
}

export function stackArgs(resources: SimResource[], options: SimOptions = {}, policy?: AnyPolicy): StackValidationArgs {
    const byUrn = new Map<string, PolicyResource>();
    const views: PolicyResource[] = resources.map((resource) => {
        const props = propsOf(resource.inputs);
        const view: PolicyResource = {
            type: resource.type, props, urn: resource.urn, name: resource.name,
            opts: resourceArgs(resource, options).opts,
            dependencies: [], propertyDependencies: {},
            isType: (resourceClass) => typeToken(resourceClass) === resource.type,
            asType: ((resourceClass: unknown) => (typeToken(resourceClass) === resource.type ? props : undefined)) as PolicyResource["asType"],
        };
        byUrn.set(resource.urn, view);
        return view;
    });
    resources.forEach((resource, i) => {
        views[i].parent = byUrn.get(resource.parent);
        views[i].dependencies = resource.dependencies.map((urn) => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined);
    });
    return {
        resources: views,
        stackTags: new Map(),
        getConfig: <T extends object>() => settingsFor(policy, options.config) as T,
        notApplicable: throwNotApplicable,
    };
}

function validationsOf(policy: ResourceValidationPolicy): ResourceValidation[] {
    const v = policy.validateResource;
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function isStackPolicy(policy: ResourceValidationPolicy | StackValidationPolicy): policy is StackValidationPolicy {
    return "validateStack" in policy && typeof policy.validateStack === "function";
}

export interface PackResult {
    readonly violations: Violation[];
    /** Policy name → number of resources (or stacks) it applied to, i.e. did not call notApplicable for. */
    readonly applied: Map<string, number>;
}

/** Runs every policy against the resources; violations carry the policy's enforcement level. */
export async function runPack(policies: Array<ResourceValidationPolicy | StackValidationPolicy>, resources: SimResource[], options: SimOptions = {}): Promise<PackResult> {
    const violations: Violation[] = [];
    const applied = new Map<string, number>(policies.map((p) => [p.name, 0]));
    for (const policy of policies) {
        const level = levelFor(policy, options.config);
        if (level === "disabled") {
            continue;
        }
        if (isStackPolicy(policy)) {
            try {
                await policy.validateStack(stackArgs(resources, options, policy), (message, urn) => {
                    violations.push({ policy: policy.name, enforcementLevel: level, message, urn });
                });
                applied.set(policy.name, (applied.get(policy.name) ?? 0) + 1);
            } catch (e) {
                if (!(e instanceof NotApplicable)) {
                    throw e;
                }
            }
            continue;
        }
        for (const resource of resources) {
            let ran = false;
            for (const validation of validationsOf(policy)) {
                try {
                    await validation(resourceArgs(resource, options, policy), (message) => {
                        // The analyzer always attributes a resource policy's violation to the resource.
                        violations.push({ policy: policy.name, enforcementLevel: level, message, urn: resource.urn });
                    });
                    ran = true;
                } catch (e) {
                    if (!(e instanceof NotApplicable)) {
                        throw e;
                    }
                }
            }
            if (ran) {
                applied.set(policy.name, (applied.get(policy.name) ?? 0) + 1);
            }
        }
    }
    return { violations, applied };
}

export function stackUrn(stack: string): string {
    return `urn:pulumi:${stack}::${PROJECT_NAME}::pulumi:pulumi:Stack::${PROJECT_NAME}-${stack}`;
}

/**
 * The program's resources plus the root `pulumi:pulumi:Stack` resource the engine adds, whose
 * properties are the stack outputs (secret ones wrapped, as the engine sends them).
 */
export function resourcesOf(run: ProgramRun, stack: string): SimResource[] {
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(run.outputs)) {
        outputs[key] = run.secretExports.has(key) ? wireSecret(value) : value;
    }
    const root: SimResource = {
        type: "pulumi:pulumi:Stack", name: `${PROJECT_NAME}-${stack}`, urn: stackUrn(stack), inputs: outputs,
        parent: "", dependencies: [], additionalSecretOutputs: [], protect: false, ignoreChanges: [],
    };
    const registered = run.resources.map((r): SimResource => ({
        type: r.type, name: r.name, urn: r.urn, inputs: r.inputs, parent: r.parent || root.urn,
        dependencies: [...r.dependencies], additionalSecretOutputs: [...r.additionalSecretOutputs],
        protect: r.protect, ignoreChanges: [...r.ignoreChanges], deleteBeforeReplace: r.deleteBeforeReplace,
    }));
    return structuredClone([root, ...registered]);
}

/** The one resource of a type (and name), for mutations. */
export function find(resources: SimResource[], type: string, name?: string): SimResource {
    const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    if (found.length !== 1) {
        throw new Error(`expected one ${type}${name ? ` ${name}` : ""}, found ${found.length}`);
    }
    return found[0];
}

export function mandatory(result: PackResult): Violation[] {
    return result.violations.filter((v) => v.enforcementLevel === "mandatory");
}

export function describeViolations(violations: readonly Violation[]): string {
    return violations.map((v) => `[${v.enforcementLevel}] ${v.policy}: ${v.message}`).join("\n") || "(none)";
}
