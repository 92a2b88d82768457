/**
 * Which property values are Pulumi secrets.
 *
 * The engine sends secrets to a policy pack marked (`MarshalProperties(..., KeepSecrets: true)` in
 * both Analyze and AnalyzeStack), but @pulumi/policy 1.21 unwraps them before any
 * `validateResource`/`validateStack` runs (`deserializeProperties(props, false)` in its server):
 * a policy sees the plain value and cannot tell a secret from plaintext. Only remediations get
 * `Secret` wrappers.
 *
 * `installSecretnessShim` wraps @pulumi/policy's `deserializeProperties` so that, before the
 * markers are dropped, the paths of the secret values are recorded on the resulting properties
 * object under a non-enumerable symbol (`secretPathsOf(props)` reads it, also through CrossGuard's
 * property proxy). Policy code never sees anything else change. When the shim is not installed
 * (tests with plain objects, a future @pulumi/policy that no longer has this function),
 * `secretPathsOf` returns undefined and the secrets policy says it cannot check.
 */
import type { PropPath } from "./props";

/** The wire encoding of a secret: `{[SECRET_SIG_KEY]: SECRET_SIG_VALUE, value}` (@pulumi/pulumi runtime/rpc). */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

const SECRET_PATHS = Symbol.for("securepg.policy.secretPaths");
const SHIM_ORIGINAL = Symbol.for("securepg.policy.secretnessShim.original");

export function isWireSecret(value: unknown): value is { value: unknown } {
    return value !== null && typeof value === "object" && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG_VALUE;
}

/** Paths of the secret values in wire-format properties (outermost secret only). */
export function secretPathsInWire(raw: unknown, path: PropPath = []): PropPath[] {
    if (isWireSecret(raw)) {
        return [path];
    }
    if (raw === null || typeof raw !== "object") {
        return [];
    }
    if (Array.isArray(raw)) {
        return raw.flatMap((item, i) => secretPathsInWire(item, [...path, i]));
    }
    return Object.entries(raw).flatMap(([key, value]) => secretPathsInWire(value, [...path, key]));
}

/** Wire-format properties with every secret marker removed (what a policy's `props` holds). */
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

/** Records the secret paths on a properties object (non-enumerable: invisible to JSON and Object.keys). */
export function attachSecretPaths<T extends object>(props: T, paths: readonly PropPath[]): T {
    // Not writable and not configurable: CrossGuard's property proxy must then hand out this
    // exact array instead of wrapping it (a Proxy invariant).
    Object.defineProperty(props, SECRET_PATHS, { value: Object.freeze(paths.map((p) => Object.freeze([...p]))), enumerable: false });
    return props;
}

/** The recorded secret paths of a resource's properties, or undefined when secretness is not visible. */
export function secretPathsOf(props: unknown): readonly PropPath[] | undefined {
    try {
        const paths = (props as Record<symbol, unknown>)[SECRET_PATHS];
        return Array.isArray(paths) ? (paths as PropPath[]) : undefined;
    } catch {
        // null or undefined, or a proxy that refuses the read.
        return undefined;
    }
}

/** Lookup of "is the value at this path (or one of its ancestors) secret?". */
export function secretIndex(paths: readonly PropPath[]): (path: PropPath) => boolean {
    const keys = new Set(paths.map((p) => JSON.stringify(p)));
    return (path) => {
        for (let n = path.length; n >= 0; n--) {
            if (keys.has(JSON.stringify(path.slice(0, n)))) {
                return true;
            }
        }
        return false;
    };
}

type Deserialize = ((struct: { toJavaScript(): unknown }, proxySecrets: boolean) => unknown) & { [SHIM_ORIGINAL]?: Deserialize };

interface DeserializeModule {
    deserializeProperties?: Deserialize;
}

function policyDeserializeModule(): DeserializeModule {
    // Internal module of @pulumi/policy (no typings); its server calls it through the module object.
    return require("@pulumi/policy/deserialize") as DeserializeModule;
}

/**
 * Makes secretness visible to the policies (see the file comment). Returns false, changing nothing,
 * when @pulumi/policy does not have the expected function. Idempotent.
 */
export function installSecretnessShim(mod: DeserializeModule = policyDeserializeModule()): boolean {
    const original = mod.deserializeProperties;
    if (typeof original !== "function") {
        return false;
    }
    if (original[SHIM_ORIGINAL]) {
        return true;
    }
    const shim: Deserialize = function (this: unknown, struct, proxySecrets) {
        const props = original.call(this, struct, proxySecrets);
        if (!proxySecrets && props !== null && typeof props === "object") {
            try {
                attachSecretPaths(props, secretPathsInWire(struct.toJavaScript()));
            } catch {
                // Leave secretness invisible rather than break the analysis.
            }
        }
        return props;
    };
    shim[SHIM_ORIGINAL] = original;
    mod.deserializeProperties = shim;
    return true;
}

/** Undoes `installSecretnessShim` (for tests). */
export function uninstallSecretnessShim(mod: DeserializeModule = policyDeserializeModule()): void {
    const current = mod.deserializeProperties;
    if (current && current[SHIM_ORIGINAL]) {
        mod.deserializeProperties = current[SHIM_ORIGINAL];
    }
}
