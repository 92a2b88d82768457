/**
 * Plain-data helpers shared by the rules: resource type tokens, a marker for values that are
 * unknown during `pulumi preview`, and a deep copy of CrossGuard's property proxies into plain
 * objects. No Pulumi types here, so the rules stay testable with object literals.
 */
import { kindOf } from "../lib/azureRules";

/**
 * Stands in for a value the engine does not know yet (during preview: ids, names of resources not
 * created yet, ...). CrossGuard's property proxy throws when such a value is read; `snapshot`
 * catches that and puts this marker in its place, and the rules never treat it as a violation.
 */
export const UNKNOWN = Object.freeze({ unknownDuringPreview: true });
export type Unknown = typeof UNKNOWN;

export type Props = Record<string, unknown>;

/** A property path inside a resource's properties, e.g. `["osProfile", "adminPassword"]`. */
export type PropPath = ReadonlyArray<string | number>;

/** Type tokens of the resources the policies look at (the classes' `__pulumiType`). */
export const TYPES = {
    server: "azure-native:dbforpostgresql:Server",
    configuration: "azure-native:dbforpostgresql:Configuration",
    firewallRule: "azure-native:dbforpostgresql:FirewallRule",
    nsg: "azure-native:network:NetworkSecurityGroup",
    securityRule: "azure-native:network:SecurityRule",
    networkInterface: "azure-native:network:NetworkInterface",
    publicIp: "azure-native:network:PublicIPAddress",
    virtualNetwork: "azure-native:network:VirtualNetwork",
    vpnGateway: "azure-native:network:VirtualNetworkGateway",
    vpnConnection: "azure-native:network:VirtualNetworkGatewayConnection",
    entraAdmin: "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra",
    /** The older name of the same resource (API 2025-01-01-preview); azure-native aliases the two. */
    entraAdminLegacy: "azure-native:dbforpostgresql:Administrator",
    diagnosticSetting: "azure-native:monitor:DiagnosticSetting",
    workspace: "azure-native:operationalinsights:Workspace",
    workspaceTable: "azure-native:operationalinsights:Table",
    virtualMachine: "azure-native:compute:VirtualMachine",
    randomPassword: "random:index/randomPassword:RandomPassword",
    tlsPrivateKey: "tls:index/privateKey:PrivateKey",
    stack: "pulumi:pulumi:Stack",
} as const;

/**
 * The resource kind of a type token, ignoring an explicit API-version module, so that
 * `azure-native:network/v20240301:NetworkSecurityGroup` is checked like
 * `azure-native:network:NetworkSecurityGroup` (the Azure rules' own function).
 */
export { kindOf };

export function isKind(type: string, token: string): boolean {
    return kindOf(type) === token;
}

export function isUnknown(value: unknown): value is Unknown {
    return value === UNKNOWN;
}

/** Deep copy of (possibly proxied) properties; values the proxy refuses to give become UNKNOWN. */
export function snapshot(value: unknown): unknown {
    if (value === null || typeof value !== "object" || isUnknown(value)) {
        return value;
    }
    if (Array.isArray(value)) {
        const copy: unknown[] = [];
        for (let i = 0; i < value.length; i++) {
            copy.push(read(value, i));
        }
        return copy;
    }
    const copy: Props = {};
    for (const key of Object.keys(value)) {
        copy[key] = read(value as Props, key);
    }
    return copy;
}

/** One property of a (possibly proxied) container, or UNKNOWN where the proxy refuses to give it. */
function get(container: unknown, key: string | number): unknown {
    try {
        return (container as Record<string | number, unknown>)[key];
    } catch {
        // CrossGuard's UnknownValueError: the value is computed and not known during preview.
        return UNKNOWN;
    }
}

function read(container: unknown, key: string | number): unknown {
    return snapshot(get(container, key));
}

export function snapshotProps(props: unknown): Props {
    const copy = snapshot(props);
    return copy !== null && typeof copy === "object" && !Array.isArray(copy) ? (copy as Props) : {};
}

/** A string value, or undefined when absent, unknown or not a string. */
export function str(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

/** An object value, or an empty object when absent, unknown or not an object. */
export function obj(value: unknown): Props {
    return value !== null && typeof value === "object" && !Array.isArray(value) && !isUnknown(value) ? (value as Props) : {};
}

/** An array value, or an empty array when absent, unknown or not an array. */
export function arr(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

/** True when the value is present: neither undefined, null, "" nor an empty object. UNKNOWN counts as present. */
export function present(value: unknown): boolean {
    if (value === undefined || value === null || value === "") {
        return false;
    }
    if (typeof value === "object" && !isUnknown(value) && !Array.isArray(value)) {
        return Object.keys(value).length > 0;
    }
    return true;
}

export function sameText(a: unknown, b: string): boolean {
    return typeof a === "string" && a.toLowerCase() === b.toLowerCase();
}

/** `osProfile.linuxConfiguration` / `ipConfigurations[0].publicIPAddress`, for messages. */
export function formatPath(path: PropPath): string {
    return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
}

/** The last segment of an ARM resource id (`.../publicIPAddresses/pip-x` → `pip-x`). */
export function armName(id: unknown): string | undefined {
    return str(id)?.split("/").pop()?.toLowerCase() || undefined;
}

/**
 * Calls `visit` for every string leaf under `value` with its path. Reads through CrossGuard's proxy
 * are guarded: a leaf the proxy refuses (unknown during preview) is skipped.
 */
export function walkStrings(value: unknown, visit: (path: PropPath, text: string) => void, path: PropPath = []): void {
    if (typeof value === "string") {
        visit(path, value);
        return;
    }
    if (value === null || typeof value !== "object" || isUnknown(value)) {
        return;
    }
    const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    for (const key of keys) {
        walkStrings(get(value, key), visit, [...path, key]);
    }
}
