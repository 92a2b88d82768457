/**
 * Checks the Pulumi ESC environment definitions in docs/esc/ (docs/ci-cd.md, "Pulumi ESC"): Azure
 * login by OpenID Connect only, the variables the azure-native provider and the Azure CLI read, no
 * secret written in the file, and stack settings the program accepts. Every function takes the
 * repository root, so a test can run it on a mutated copy.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { parseStackConfig, StackConfigError } from "../../stacks";
import { loadStackFile, PROJECT_NAME, toEngineConfig } from "../harness/stackFiles";

export const ESC_DIR = path.join("docs", "esc");
const LOGIN_PATH = "azure.login";
const LOGIN_PROVIDER = "fn::open::azure-login";

/**
 * What the workflows' ESC path needs in `environmentVariables`: the azure-native provider's OIDC
 * settings (https://www.pulumi.com/docs/esc/guides/configuring-oidc/azure/) and the Azure CLI login's
 * AZURE_* names, each taken from the login provider's outputs.
 */
export const REQUIRED_VARIABLES: Readonly<Record<string, string>> = {
    ARM_USE_OIDC: "true",
    ARM_CLIENT_ID: `\${${LOGIN_PATH}.clientId}`,
    ARM_TENANT_ID: `\${${LOGIN_PATH}.tenantId}`,
    ARM_SUBSCRIPTION_ID: `\${${LOGIN_PATH}.subscriptionId}`,
    ARM_OIDC_TOKEN: `\${${LOGIN_PATH}.oidc.token}`,
    AZURE_CLIENT_ID: `\${${LOGIN_PATH}.clientId}`,
    AZURE_TENANT_ID: `\${${LOGIN_PATH}.tenantId}`,
    AZURE_SUBSCRIPTION_ID: `\${${LOGIN_PATH}.subscriptionId}`,
};

/** Names that hold a credential wherever they appear; their values must come from fn::secret or the login provider. */
const SECRET_NAME = /secret|password|passphrase|token|credential|(?:^|_)key$|apikey|sas/i;
/** Values that are credentials whatever their name: JWTs, PEM keys, storage account keys. */
const SECRET_VALUE = /^eyJ[\w-]+\.[\w-]+\.|-----BEGIN [A-Z ]*PRIVATE KEY-----|^[A-Za-z0-9+/]{86}==$/;

export interface EscDefinition {
    readonly file: string;
    /** The stack whose settings it carries: `securepg-<stack>.yaml`. */
    readonly stack: string;
    readonly doc: { imports?: unknown; values?: Record<string, unknown> };
}

export function escDefinitionFiles(root: string): string[] {
    const dir = path.join(root, ESC_DIR);
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^securepg-[^.]+\.yaml$/.test(f)).sort().map((f) => path.join(ESC_DIR, f)) : [];
}

export function loadEscDefinition(root: string, file: string): EscDefinition {
    const stack = /^securepg-([^.]+)\.yaml$/.exec(path.basename(file))![1];
    return { file, stack, doc: (YAML.parse(fs.readFileSync(path.join(root, file), "utf8")) ?? {}) as EscDefinition["doc"] };
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** Paths (a.b.c) of the values wrapped in fn::secret, which ESC stores encrypted. */
function secretPaths(node: unknown, at: string[] = []): string[] {
    if (!isObject(node)) {
        return Array.isArray(node) ? node.flatMap((item, i) => secretPaths(item, [...at, String(i)])) : [];
    }
    if ("fn::secret" in node) {
        return [at.join(".")];
    }
    return Object.entries(node).flatMap(([key, value]) => secretPaths(value, [...at, key]));
}

/** Whether a value is only a reference to a secret value or to the login provider's outputs. */
function isSecretReference(value: unknown, secrets: string[]): boolean {
    const whole = /^\$\{([\w.[\]-]+)\}$/.exec(typeof value === "string" ? value : "");
    return !!whole && (whole[1].startsWith(`${LOGIN_PATH}.`) || secrets.some((s) => whole[1] === s || whole[1].startsWith(`${s}.`)));
}

/** Every literal credential in the definition: a secret-named key with a plain value, or a value that is a credential. */
export function literalSecrets(values: unknown): string[] {
    const secrets = secretPaths(values);
    const found: string[] = [];
    const walk = (node: unknown, at: string[]) => {
        if (isObject(node)) {
            if ("fn::secret" in node) {
                return; // ESC stores it encrypted
            }
            for (const [key, value] of Object.entries(node)) {
                const where = [...at, key];
                if (SECRET_NAME.test(key) && !isObject(value) && !isSecretReference(value, secrets)) {
                    found.push(`${where.join(".")} is a literal; use fn::secret or the login provider's output`);
                    continue;
                }
                walk(value, where);
            }
            return;
        }
        if (Array.isArray(node)) {
            node.forEach((item, i) => walk(item, [...at, String(i)]));
            return;
        }
        if (typeof node === "string" && SECRET_VALUE.test(node)) {
            found.push(`${at.join(".")} holds a credential; use fn::secret`);
        }
    };
    walk(values, []);
    return found;
}

/** The stack's settings from `pulumiConfig`, as the Pulumi engine hands them to the program. */
export function pulumiConfigOf(definition: EscDefinition): Record<string, string> {
    const pulumiConfig = definition.doc.values?.pulumiConfig;
    return toEngineConfig(isObject(pulumiConfig) ? pulumiConfig : {}).config;
}

/** Every problem of one definition; none for a good one. */
export function checkEscDefinition(root: string, definition: EscDefinition): string[] {
    const problems: string[] = [];
    const add = (message: string) => problems.push(`${definition.file}: ${message}`);
    const values = definition.doc.values;
    if (!isObject(values)) {
        add("has no `values:`");
        return problems;
    }

    const login = isObject(values.azure) && isObject(values.azure.login) ? values.azure.login[LOGIN_PROVIDER] : undefined;
    if (!isObject(login)) {
        add(`values.${LOGIN_PATH} is not an ${LOGIN_PROVIDER} provider`);
    } else {
        if (login.oidc !== true) {
            add(`${LOGIN_PROVIDER} must set oidc: true (got ${JSON.stringify(login.oidc ?? null)})`);
        }
        if ("clientSecret" in login) {
            add(`${LOGIN_PROVIDER} must not get a clientSecret: OpenID Connect only`);
        }
        for (const id of ["clientId", "tenantId", "subscriptionId"]) {
            if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(String(login[id] ?? ""))) {
                add(`${LOGIN_PROVIDER} ${id} must be a bare GUID (got ${JSON.stringify(login[id] ?? null)})`);
            }
        }
    }

    const variables = isObject(values.environmentVariables) ? values.environmentVariables : {};
    for (const [name, expected] of Object.entries(REQUIRED_VARIABLES)) {
        if (variables[name] !== expected) {
            add(`environmentVariables.${name} must be ${JSON.stringify(expected)} (got ${JSON.stringify(variables[name] ?? null)})`);
        }
    }
    for (const name of Object.keys(variables)) {
        if (/CLIENT_SECRET|CLIENT_CERTIFICATE|AZURE_CREDENTIALS/i.test(name)) {
            add(`environmentVariables.${name}: OpenID Connect only, no client secret or certificate`);
        }
    }
    for (const secret of literalSecrets(values)) {
        add(secret);
    }

    const config = pulumiConfigOf(definition);
    const stackFile = `Pulumi.${definition.stack}.yaml`;
    if (!fs.existsSync(path.join(root, stackFile))) {
        add(`names stack ${definition.stack}, but ${stackFile} does not exist`);
    } else {
        const expected = loadStackFile(stackFile, root).config;
        const keys = [...new Set([...Object.keys(expected), ...Object.keys(config)])].sort();
        for (const key of keys.filter((k) => config[k] !== expected[k])) {
            add(`pulumiConfig ${key} is ${config[key] ?? "missing"}, ${stackFile} has ${expected[key] ?? "nothing"}`);
        }
    }
    try {
        parseStackConfig({ project: PROJECT_NAME, stack: definition.stack, values: config });
    } catch (error) {
        if (!(error instanceof StackConfigError)) {
            throw error;
        }
        for (const p of error.problems) {
            add(`pulumiConfig ${p.key} ${p.message}`);
        }
    }
    return problems;
}
