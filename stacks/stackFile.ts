/**
 * Reads `Pulumi.<stack>.yaml` files and turns their `config:` map into what the Pulumi engine hands a
 * program: full `namespace:key` names to strings, structured values as JSON. Used by the scripts
 * that read a stack file without Pulumi (`npm run cost`, `npm run diagram`) and by the tests.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const PROJECT_NAME = "securepg";

export interface StackFile {
    readonly stack: string;
    readonly file: string;
    /** Engine-style config: `securepg:network` → JSON text, `azure-native:location` → "westeurope". */
    readonly config: Record<string, string>;
    /** Keys whose values are `secure:` in the file. */
    readonly secretKeys: string[];
}

export function stackFileNames(root = PROJECT_ROOT): string[] {
    return fs.readdirSync(root).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).sort();
}

/**
 * Stands in for a `secure:` value, which only the Pulumi CLI can decrypt. Letters only and 48 long,
 * so that it passes the checks a real value passes (a site's pre-shared key: 32-128 characters).
 */
export const SECRET_PLACEHOLDER = "SecretValueThatOnlyPulumiCanDecrypt".padEnd(48, "X");

/** The value with every `{ secure: ... }` in it (at any depth: `--secret --path` nests them) replaced. */
function withoutSecrets(value: unknown): { value: unknown; secret: boolean } {
    if (value === null || typeof value !== "object") {
        return { value, secret: false };
    }
    if (!Array.isArray(value) && "secure" in value) {
        return { value: SECRET_PLACEHOLDER, secret: true };
    }
    let secret = false;
    const walk = (item: unknown) => {
        const result = withoutSecrets(item);
        secret ||= result.secret;
        return result.value;
    };
    const replaced = Array.isArray(value) ? value.map(walk) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return { value: replaced, secret };
}

export function toEngineConfig(map: Record<string, unknown>): { config: Record<string, string>; secretKeys: string[] } {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [rawKey, raw] of Object.entries(map ?? {})) {
        const key = rawKey.includes(":") ? rawKey : `${PROJECT_NAME}:${rawKey}`;
        const { value, secret } = withoutSecrets(raw);
        if (secret) {
            secretKeys.push(key);
        }
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { config, secretKeys };
}

export function loadStackFile(fileName: string, root = PROJECT_ROOT): StackFile {
    const stack = /^Pulumi\.([^.]+)\.yaml$/.exec(fileName)?.[1];
    if (!stack) {
        throw new Error(`${fileName} is not a Pulumi.<stack>.yaml file`);
    }
    const document = YAML.parse(fs.readFileSync(path.join(root, fileName), "utf8")) as { config?: Record<string, unknown> } | null;
    return { stack, file: fileName, ...toEngineConfig(document?.config ?? {}) };
}

