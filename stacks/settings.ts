/**
 * The bridge between the component's settings (`SecurePgArgs`, one object per stack-config section)
 * and the engine's configuration form (`securepg:<section>` → JSON text) that `parseStackConfig`
 * validates. Both callers get the same validation and the same messages: the stack program hands
 * the component its `securepg:*` keys as they are, and a program using the package hands it objects.
 */
import { PROJECT_NAMESPACE, type RawStackConfig } from "./index";

/** The region key; in a stack file it is the provider's `azure-native:location`. */
const LOCATION_KEY = "azure-native:location";

/** Settings as objects: `{ location, network: {...}, vpn: {...}, ... }` (unvalidated). */
export type SettingsObject = Readonly<Record<string, unknown>>;

/**
 * The engine's form of a settings object. Every key but `location` becomes `securepg:<key>`, so a
 * key the program does not know is reported as an unknown setting, exactly as in a stack file.
 */
export function engineConfigOf(project: string, stack: string, settings: SettingsObject): RawStackConfig {
    const values: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(settings)) {
        if (value === undefined) {
            continue;
        }
        const text = typeof value === "string" ? value : JSON.stringify(value);
        values[key === "location" ? LOCATION_KEY : `${PROJECT_NAMESPACE}:${key}`] = text;
    }
    return { project, stack, values };
}

/**
 * The stack program's settings: its `securepg:*` keys (structured ones parsed from their JSON) and
 * the provider's region. Other namespaces stay out; a value that is not JSON stays the text it is
 * (the validator reports it under its key).
 */
export function settingsOfEngineConfig(values: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
    const settings: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(values)) {
        if (text === undefined) {
            continue;
        }
        if (key === LOCATION_KEY) {
            settings.location = text;
        } else if (key.startsWith(`${PROJECT_NAMESPACE}:`)) {
            settings[key.slice(PROJECT_NAMESPACE.length + 1)] = parseJson(text);
        }
    }
    return settings;
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}
