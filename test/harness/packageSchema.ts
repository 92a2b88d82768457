/**
 * The component package's schema, generated the way `pulumi package add` gets it: the plugin is the
 * repository's folder (PulumiPlugin.yaml); the Node.js language host requires it (package.json's
 * main) and hosts the components it exports; the SDK's analyzer reads their TypeScript types. And a
 * checker of values against the schema's types.
 */
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import { PROJECT_ROOT } from "./stackFiles";

export const PLUGIN_DIR = PROJECT_ROOT;
export const PACKAGE_NAME = "securepg";
export const COMPONENT_TOKEN = "securepg:index:SecurePg";

export interface SchemaProperty {
    type?: string;
    $ref?: string;
    items?: SchemaProperty;
    additionalProperties?: SchemaProperty;
    description?: string;
    plain?: boolean;
}

export interface SchemaType {
    type: string;
    description?: string;
    properties?: Record<string, SchemaProperty>;
    required?: string[];
}

export interface PackageSchema {
    name: string;
    version?: string;
    description?: string;
    resources: Record<string, SchemaType & { isComponent?: boolean; inputProperties?: Record<string, SchemaProperty>; requiredInputs?: string[] }>;
    types: Record<string, SchemaType>;
}

let generated: Promise<PackageSchema> | undefined;

/** Generates the schema once per process (the analyzer type-checks the project: seconds). */
export function packageSchema(): Promise<PackageSchema> {
    generated ??= (async () => {
        // What the Node.js language host does for a plugin (cmd/run-plugin): require the plugin's folder, host the components it exports.
        const components = getPulumiComponents(require(PLUGIN_DIR));
        const provider = new ComponentProvider({ name: PACKAGE_NAME, dirname: PLUGIN_DIR, components });
        return JSON.parse(await provider.getSchema()) as PackageSchema;
    })();
    return generated;
}

function refType(schema: PackageSchema, ref: string): SchemaType {
    const token = ref.replace(/^#\/types\//, "");
    const type = schema.types[token];
    if (!type) {
        throw new Error(`the schema has no type ${token}`);
    }
    return type;
}

/**
 * Where a value does not fit a schema property, as `path: problem` lines. An object type admits only
 * its properties and needs its required ones; null counts as absent (an optional value not set).
 */
export function schemaProblems(schema: PackageSchema, property: SchemaProperty, value: unknown, at: string): string[] {
    if (value === undefined || value === null) {
        return [];
    }
    if (property.$ref) {
        return objectProblems(schema, refType(schema, property.$ref), value, at);
    }
    switch (property.type) {
        case "string":
            return typeof value === "string" ? [] : [`${at}: ${JSON.stringify(value)} is not a string`];
        case "boolean":
            return typeof value === "boolean" ? [] : [`${at}: ${JSON.stringify(value)} is not a boolean`];
        case "number":
            return typeof value === "number" ? [] : [`${at}: ${JSON.stringify(value)} is not a number`];
        case "integer":
            return Number.isInteger(value) ? [] : [`${at}: ${JSON.stringify(value)} is not an integer`];
        case "array":
            return Array.isArray(value)
                ? value.flatMap((item, i) => schemaProblems(schema, property.items ?? {}, item, `${at}[${i}]`))
                : [`${at}: ${JSON.stringify(value)} is not a list`];
        case "object":
            if (typeof value !== "object" || Array.isArray(value)) {
                return [`${at}: ${JSON.stringify(value)} is not a map`];
            }
            return Object.entries(value).flatMap(([key, item]) => schemaProblems(schema, property.additionalProperties ?? {}, item, `${at}.${key}`));
        default:
            return [`${at}: the schema gives no type`];
    }
}

export function objectProblems(schema: PackageSchema, type: { properties?: Record<string, SchemaProperty>; required?: string[] }, value: unknown, at: string): string[] {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return [`${at}: ${JSON.stringify(value)} is not an object`];
    }
    const properties = type.properties ?? {};
    const record = value as Record<string, unknown>;
    return [
        ...Object.keys(record).filter((key) => !(key in properties)).map((key) => `${at}.${key}: not in the schema`),
        ...(type.required ?? []).filter((key) => record[key] === undefined).map((key) => `${at}.${key}: required, missing`),
        ...Object.entries(record).filter(([key]) => key in properties).flatMap(([key, item]) => schemaProblems(schema, properties[key], item, `${at}.${key}`)),
    ];
}
