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

export function toEngineConfig(map: Record<string, unknown>): { config: Record<string, string>; secretKeys: string[] } {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [rawKey, value] of Object.entries(map ?? {})) {
        const key = rawKey.includes(":") ? rawKey : `${PROJECT_NAME}:${rawKey}`;
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            secretKeys.push(key);
            config[key] = "secret-placeholder";
            continue;
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

