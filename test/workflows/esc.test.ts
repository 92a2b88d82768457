/**
 * The Pulumi ESC environment definitions in docs/esc/ (docs/ci-cd.md, "Pulumi ESC"), which the
 * workflows' ESC path opens as <ESC_PROJECT>/<stack>. Each check is also shown failing on a copy.
 */
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { parseStackConfig } from "../../stacks";
import { PROJECT_ROOT, stackFileNames } from "../harness/stackFiles";
import { checkEscDefinition, ESC_DIR, escDefinitionFiles, literalSecrets, loadEscDefinition, pulumiConfigOf, REQUIRED_VARIABLES } from "./esc";

const devFile = path.join(ESC_DIR, "securepg-dev.yaml");

/** A copy of docs/esc and the stack files in a temp dir, with one definition edited through the YAML parser. */
function checkEditedCopy(file: string, edit: (values: Record<string, any>) => void): string[] {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-esc-"));
    try {
        fs.cpSync(path.join(PROJECT_ROOT, ESC_DIR), path.join(root, ESC_DIR), { recursive: true });
        for (const f of stackFileNames(PROJECT_ROOT)) {
            fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(root, f));
        }
        const full = path.join(root, file);
        const doc = YAML.parse(fs.readFileSync(full, "utf8"));
        const before = JSON.stringify(doc);
        edit(doc.values);
        assert.notEqual(JSON.stringify(doc), before, "the edit does not change the definition");
        fs.writeFileSync(full, YAML.stringify(doc));
        return escDefinitionFiles(root).flatMap((f) => checkEscDefinition(root, loadEscDefinition(root, f)));
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

test("there is one ESC definition per stack file, and each passes every check", () => {
    const stacks = stackFileNames(PROJECT_ROOT).map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)![1]);
    const definitions = escDefinitionFiles(PROJECT_ROOT).map((f) => loadEscDefinition(PROJECT_ROOT, f));
    assert.deepEqual(definitions.map((d) => d.stack), stacks);
    for (const definition of definitions) {
        assert.deepEqual(checkEscDefinition(PROJECT_ROOT, definition), [], definition.file);
    }
});

test("the dev definition logs in to Azure by OIDC and exports what azure-native and az read", () => {
    const { doc } = loadEscDefinition(PROJECT_ROOT, devFile);
    const login = doc.values!.azure as { login: Record<string, Record<string, unknown>> };
    assert.equal(login.login["fn::open::azure-login"].oidc, true);
    assert.deepEqual(Object.keys(login.login["fn::open::azure-login"]).sort(), ["clientId", "oidc", "subjectAttributes", "subscriptionId", "tenantId"]);
    assert.deepEqual(doc.values!.environmentVariables, REQUIRED_VARIABLES);
});

test("the dev definition's pulumiConfig is the dev stack's configuration, and the program accepts it", () => {
    const config = pulumiConfigOf(loadEscDefinition(PROJECT_ROOT, devFile));
    assert.deepEqual(Object.keys(config).sort(), ["azure-native:location", "securepg:database", "securepg:vpn"]);
    const parsed = parseStackConfig({ project: "securepg", stack: "dev", values: config });
    assert.equal(parsed.location, "westeurope");
    assert.equal(parsed.environment, "dev");
    assert.deepEqual(parsed.vpn.clients, ["dev-laptop"]);
});

test("secrets: fn::secret and references to it or to the login provider pass, literals do not", () => {
    const ok = {
        state: { passphrase: { "fn::secret": "correct horse battery staple" } },
        environmentVariables: { PULUMI_CONFIG_PASSPHRASE: "${state.passphrase}", ARM_OIDC_TOKEN: "${azure.login.oidc.token}", PULUMI_ACCESS_TOKEN: { "fn::secret": "pul-0123" } },
    };
    assert.deepEqual(literalSecrets(ok), []);
    assert.deepEqual(literalSecrets({ environmentVariables: { PULUMI_CONFIG_PASSPHRASE: "hunter2" } }), [
        "environmentVariables.PULUMI_CONFIG_PASSPHRASE is a literal; use fn::secret or the login provider's output",
    ]);
    assert.deepEqual(literalSecrets({ environmentVariables: { PULUMI_CONFIG_PASSPHRASE: "${state.plain}" }, state: { plain: "x" } }), [
        "environmentVariables.PULUMI_CONFIG_PASSPHRASE is a literal; use fn::secret or the login provider's output",
    ]);
    assert.deepEqual(literalSecrets({ greeting: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln" }), ["greeting holds a credential; use fn::secret"]);
    assert.deepEqual(literalSecrets({ AZURE_STORAGE_KEY: "abc" }), ["AZURE_STORAGE_KEY is a literal; use fn::secret or the login provider's output"]);
});

/** Each edit breaks the dev definition one way; the check must say so, word for word. */
/** Where the message lists the program's own settings, only its start is fixed here (stacks/fields.ts owns the list). */
const broken: { name: string; edit: (values: Record<string, any>) => void; expect: string | RegExp }[] = [
    {
        name: "OIDC off", edit: (v) => { v.azure.login["fn::open::azure-login"].oidc = false; },
        expect: "docs/esc/securepg-dev.yaml: fn::open::azure-login must set oidc: true (got false)",
    },
    {
        name: "a client secret for the login provider", edit: (v) => { v.azure.login["fn::open::azure-login"].clientSecret = "s3cr3t"; },
        expect: "docs/esc/securepg-dev.yaml: fn::open::azure-login must not get a clientSecret: OpenID Connect only",
    },
    {
        name: "the client secret as a literal", edit: (v) => { v.azure.login["fn::open::azure-login"].clientSecret = "s3cr3t"; },
        expect: "docs/esc/securepg-dev.yaml: azure.login.fn::open::azure-login.clientSecret is a literal; use fn::secret or the login provider's output",
    },
    {
        name: "ARM_CLIENT_SECRET exported", edit: (v) => { v.environmentVariables.ARM_CLIENT_SECRET = { "fn::secret": "s3cr3t" }; },
        expect: "docs/esc/securepg-dev.yaml: environmentVariables.ARM_CLIENT_SECRET: OpenID Connect only, no client secret or certificate",
    },
    {
        name: "a literal passphrase", edit: (v) => { v.environmentVariables.PULUMI_CONFIG_PASSPHRASE = "hunter2"; },
        expect: "docs/esc/securepg-dev.yaml: environmentVariables.PULUMI_CONFIG_PASSPHRASE is a literal; use fn::secret or the login provider's output",
    },
    {
        name: "no ARM_OIDC_TOKEN", edit: (v) => { delete v.environmentVariables.ARM_OIDC_TOKEN; },
        expect: "docs/esc/securepg-dev.yaml: environmentVariables.ARM_OIDC_TOKEN must be \"${azure.login.oidc.token}\" (got null)",
    },
    {
        name: "AZURE_CLIENT_ID not from the login provider", edit: (v) => { v.environmentVariables.AZURE_CLIENT_ID = "11111111-1111-1111-1111-111111111111"; },
        expect: "docs/esc/securepg-dev.yaml: environmentVariables.AZURE_CLIENT_ID must be \"${azure.login.clientId}\" (got \"11111111-1111-1111-1111-111111111111\")",
    },
    {
        name: "a /subscriptions/ path instead of the ID", edit: (v) => { v.azure.login["fn::open::azure-login"].subscriptionId = "/subscriptions/00000000-0000-0000-0000-000000000000"; },
        expect: "docs/esc/securepg-dev.yaml: fn::open::azure-login subscriptionId must be a bare GUID (got \"/subscriptions/00000000-0000-0000-0000-000000000000\")",
    },
    {
        name: "a region that differs from the stack file", edit: (v) => { v.pulumiConfig["azure-native:location"] = "northeurope"; },
        expect: "docs/esc/securepg-dev.yaml: pulumiConfig azure-native:location is northeurope, Pulumi.dev.yaml has westeurope",
    },
    {
        name: "a setting the program does not know", edit: (v) => { v.pulumiConfig["securepg:vpn"].clientz = ["x"]; },
        expect: /^docs\/esc\/securepg-dev\.yaml: pulumiConfig securepg:vpn\.clientz is not a known setting \(known: [^)]*\bclients\b[^)]*\)$/,
    },
    {
        name: "an invalid value", edit: (v) => { v.pulumiConfig["securepg:vpn"].clientAddressPool = "10.40.0.0/24"; },
        expect: "docs/esc/securepg-dev.yaml: pulumiConfig securepg:vpn.clientAddressPool 10.40.0.0/24 overlaps the VNet addressSpace 10.40.0.0/16; VPN clients would be unroutable",
    },
];

for (const b of broken) {
    test(`the ESC check catches ${b.name}`, () => {
        const problems = checkEditedCopy(devFile, b.edit);
        const expect = b.expect;
        const found = typeof expect === "string" ? problems.includes(expect) : problems.some((p) => expect.test(p));
        assert.ok(found, `expected:\n  ${String(expect)}\ngot:\n  ${problems.join("\n  ")}`);
    });
}

test("a passphrase kept as fn::secret and exported by reference passes", () => {
    const problems = checkEditedCopy(devFile, (v) => {
        v.state = { passphrase: { "fn::secret": "correct horse battery staple" } };
        v.environmentVariables.PULUMI_CONFIG_PASSPHRASE = "${state.passphrase}";
    });
    assert.deepEqual(problems, []);
});

test("a definition for a stack without a stack file is refused", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-esc-"));
    try {
        fs.mkdirSync(path.join(root, ESC_DIR), { recursive: true });
        fs.copyFileSync(path.join(PROJECT_ROOT, devFile), path.join(root, ESC_DIR, "securepg-staging.yaml"));
        const problems = checkEscDefinition(root, loadEscDefinition(root, path.join(ESC_DIR, "securepg-staging.yaml")));
        assert.ok(problems.includes("docs/esc/securepg-staging.yaml: names stack staging, but Pulumi.staging.yaml does not exist"), problems.join("\n"));
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
});
