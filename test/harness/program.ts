/**
 * Runs the real `index.ts` under `pulumi.runtime.setMocks`, with configuration fed the way the
 * engine feeds it, and records every resource registration with its options (parent,
 * dependencies, protect, ignoreChanges, timeouts), which plain mocks do not show.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_NAME, PROJECT_ROOT } from "./stackFiles";
import { firstUsableAzureAddress, intToIpv4, ipv4ToInt, lastUsableAzureAddress, parseCidr } from "../../lib/cidr";

export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";
const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures");
export const MOCK_CERT_PEM = fs.readFileSync(path.join(FIXTURES, "mock-root-ca.pem"), "utf8");
export const MOCK_PRIVATE_KEY_PEM = fs.readFileSync(path.join(FIXTURES, "mock-private-key.pem"), "utf8");
export const MOCK_SSH_PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMockKeyForTestsOnlyMockKeyForTestsOnly00 securepg-mock";

export interface RegisteredResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly custom: boolean;
    /** Inputs as the provider receives them; secret values stay wrapped (see `isSecretValue`). */
    readonly inputs: Record<string, any>;
    readonly parent: string;
    readonly dependencies: string[];
    readonly protect: boolean;
    readonly ignoreChanges: string[];
    readonly replaceOnChanges: string[];
    /** A replacement deletes the old resource first (needed whenever the name stays the same). */
    readonly deleteBeforeReplace: boolean;
    /** Destroy drops it from the state without asking Azure to delete it. */
    readonly retainOnDelete: boolean;
    readonly additionalSecretOutputs: string[];
    /** Alias specs, as the engine receives them (it computes the alias URNs, children's included). */
    readonly aliases: AliasSpec[];
    readonly customTimeouts: { create: string; update: string; delete: string } | undefined;
    /** What a component passed to `registerOutputs` (undefined: it did not call it). */
    registeredOutputs: Record<string, unknown> | undefined;
}

export interface AliasSpec {
    readonly name: string;
    readonly type: string;
    /** "": the resource's current parent; otherwise the previous parent's URN. */
    readonly parentUrn: string;
    readonly noParent: boolean;
}

export interface ProgramRun {
    readonly resources: RegisteredResource[];
    /** Invokes (data-source reads) the program made, in order. */
    readonly invokes: ReadonlyArray<{ token: string; args: Record<string, unknown> }>;
    /** The module's exports, resolved; secrets are unwrapped here and listed in `secretExports`. */
    readonly outputs: Record<string, unknown>;
    readonly secretExports: Set<string>;
    readonly warnings: string[];
    /** Set when the program threw while loading (e.g. a configuration error), or left a promise rejected. */
    readonly error: Error | undefined;
    /** Promises the run left rejected with nobody waiting (the language host logs each and fails the run). */
    readonly unhandledRejections: unknown[];
}

export function isSecretValue(value: unknown): value is { value: unknown } {
    return value !== null && typeof value === "object" && (value as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE;
}

export function unwrapSecret(value: unknown): unknown {
    return isSecretValue(value) ? value.value : value;
}

/** A deep copy with every secret unwrapped: what the provider sends to Azure. */
export function plainInputs(value: unknown): unknown {
    const plain = unwrapSecret(value);
    if (Array.isArray(plain)) {
        return plain.map(plainInputs);
    }
    if (plain !== null && typeof plain === "object") {
        return Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, plainInputs(v)]));
    }
    return plain;
}

function grpcError(message: string): Error {
    return Object.assign(new Error(message), { details: message });
}

function secret(value: unknown) {
    return { [SECRET_SIG]: SECRET_VALUE, value };
}

function azureName(type: string, inputs: Record<string, any>, logicalName: string): string {
    const kind = type.split(":").pop() ?? "";
    const wanted = `${kind}Name`.toLowerCase();
    const key = Object.keys(inputs).find((k) => k.toLowerCase() === wanted) ?? (kind === "VirtualMachine" ? "vmName" : undefined);
    const value = key ? unwrapSecret(inputs[key]) : undefined;
    return typeof value === "string" ? value : logicalName;
}

let ipCounter = 0;
/** Subnets registered so far (name → address prefix) and the addresses handed out in each, like Azure's DHCP. */
let subnetPrefixes = new Map<string, string>();
let subnetAddresses = new Map<string, Set<string>>();

/** Azure's dynamic allocation: the lowest free address after the four Azure keeps. */
function nextFreeAddress(subnetId: unknown): string | undefined {
    const subnet = String(subnetId ?? "").split("/").pop() ?? "";
    const prefix = subnetPrefixes.get(subnet);
    if (!prefix) {
        return undefined;
    }
    const block = parseCidr(prefix);
    if (typeof block === "string") {
        return undefined;
    }
    const taken = subnetAddresses.get(subnet) ?? new Set<string>();
    for (let n = ipv4ToInt(firstUsableAzureAddress(block)); n <= ipv4ToInt(lastUsableAzureAddress(block)); n++) {
        const address = intToIpv4(n);
        if (!taken.has(address)) {
            taken.add(address);
            subnetAddresses.set(subnet, taken);
            return address;
        }
    }
    return undefined;
}
/** Outputs of "the previous deployment", returned to the program's StackReference to itself. */
let previousOutputs: Record<string, unknown> = {};
/** The server as Azure reports it now (`getServer`); undefined: no such server. */
let liveServer: Record<string, unknown> | undefined;
/** Every invoke the program made, with its arguments. */
let invokes: Array<{ token: string; args: Record<string, unknown> }> = [];

/** Azure's resource types for the ids a client reads from the outputs (`npm run connect`); others keep the token. */
const ARM_TYPES: Record<string, string> = { "azure-native:network:VirtualNetworkGateway": "Microsoft.Network/virtualNetworkGateways" };

/** Mock provider: echoes inputs and fills in the outputs the program reads. */
export const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
        if (args.type === "pulumi:pulumi:StackReference") {
            return { id: String(args.inputs.name), state: { name: args.inputs.name, outputs: previousOutputs, secretOutputNames: [] } };
        }
        const inputs = args.inputs as Record<string, any>;
        const name = azureName(args.type, inputs, args.name);
        const state: Record<string, unknown> = { ...inputs, name };
        const id = args.type.startsWith("azure-native:")
            ? `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${unwrapSecret(inputs.resourceGroupName) ?? name}/providers/${ARM_TYPES[args.type] ?? args.type}/${name}`
            : `${args.name}-id`;
        switch (args.type) {
            case "azure-native:dbforpostgresql:Server":
                state.fullyQualifiedDomainName = `${name}.postgres.database.azure.com`;
                break;
            case "azure-native:operationalinsights:Workspace":
                state.customerId = MOCK_WORKSPACE_CUSTOMER_ID;
                break;
            case "azure-native:network:PublicIPAddress":
                ipCounter += 1;
                state.ipAddress = `20.50.100.${ipCounter}`;
                break;
            case "azure-native:network:Subnet":
                subnetPrefixes.set(name, String(inputs.addressPrefix));
                break;
            case "azure-native:network:NetworkInterface":
                state.ipConfigurations = (inputs.ipConfigurations ?? []).map((c: Record<string, any>) => ({
                    ...c,
                    privateIPAddress: c.privateIPAllocationMethod === "Static" ? c.privateIPAddress : nextFreeAddress(c.subnet?.id) ?? "10.40.1.4",
                }));
                break;
            case "random:index/randomPassword:RandomPassword":
                // Letters and digits only when `special: false` asks for them (site-to-site keys).
                state.result = secret(inputs.special === false
                    ? "MockPa55word".repeat(20).slice(0, Number(inputs.length ?? 16))
                    : `Mock-Pa55word_${unwrapSecret(inputs.keepers?.rotation) ?? "0"}-xYz`);
                state.bcryptHash = secret("mock-hash");
                break;
            case "random:index/randomString:RandomString":
                state.result = "a1b2c3";
                break;
            case "tls:index/privateKey:PrivateKey":
                state.privateKeyPem = secret(MOCK_PRIVATE_KEY_PEM);
                state.privateKeyOpenssh = secret("-----BEGIN OPENSSH PRIVATE KEY-----\nmock\n-----END OPENSSH PRIVATE KEY-----\n");
                state.publicKeyOpenssh = `${MOCK_SSH_PUBLIC_KEY}\n`;
                state.publicKeyPem = "-----BEGIN PUBLIC KEY-----\nmock\n-----END PUBLIC KEY-----\n";
                break;
            case "tls:index/selfSignedCert:SelfSignedCert":
            case "tls:index/locallySignedCert:LocallySignedCert":
                state.certPem = MOCK_CERT_PEM;
                break;
            case "tls:index/certRequest:CertRequest":
                state.certRequestPem = "-----BEGIN CERTIFICATE REQUEST-----\nmock\n-----END CERTIFICATE REQUEST-----\n";
                break;
        }
        return { id, state };
    },
    call(args) {
        invokes.push({ token: args.token, args: args.inputs as Record<string, unknown> });
        if (args.token === "azure-native:dbforpostgresql:getServer") {
            // The engine hands a provider's invoke failure to the program as a gRPC error's details.
            if (!liveServer) {
                throw grpcError(`ResourceNotFound: The Resource 'Microsoft.DBforPostgreSQL/flexibleServers/${String(args.inputs.serverName)}' under resource group '${String(args.inputs.resourceGroupName)}' was not found.`);
            }
            if (typeof liveServer.throws === "string") {
                throw grpcError(liveServer.throws);
            }
            return { name: args.inputs.serverName, ...liveServer };
        }
        if (args.token === "azure-native:operationalinsights:getWorkspace") {
            const { resourceGroupName, workspaceName } = args.inputs as Record<string, string>;
            if (existingWorkspace === "missing") {
                throw grpcError(`ResourceNotFound: The Resource 'Microsoft.OperationalInsights/workspaces/${workspaceName}' under resource group '${resourceGroupName}' was not found.`);
            }
            if ("throws" in existingWorkspace) {
                throw grpcError(existingWorkspace.throws);
            }
            return {
                // Azure answers with its own casing of the id.
                id: `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/${resourceGroupName!.toLowerCase()}/providers/microsoft.operationalinsights/workspaces/${workspaceName}`,
                name: workspaceName, location: existingWorkspace.location, customerId: MOCK_EXISTING_WORKSPACE_CUSTOMER_ID,
            };
        }
        if (args.token === "azure-native:authorization:getClientConfig") {
            return { clientId: "00000000-0000-0000-0000-0000000000c1", objectId: "00000000-0000-0000-0000-0000000000b1", subscriptionId: "00000000-0000-0000-0000-000000000000", tenantId: MOCK_TENANT_ID };
        }
        return {};
    },
};

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => {
        resolve(v);
        return v;
    }));
}

function clearProjectModules(): void {
    for (const file of Object.keys(require.cache)) {
        if (file.startsWith(PROJECT_ROOT) && !file.includes(`${path.sep}node_modules${path.sep}`) && !file.includes(`${path.sep}test${path.sep}`)) {
            delete require.cache[file];
        }
    }
}

export const MOCK_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000";
export const MOCK_WORKSPACE_CUSTOMER_ID = "aaaaaaaa-0000-4000-8000-000000000001";
export const MOCK_EXISTING_WORKSPACE_CUSTOMER_ID = "bbbbbbbb-0000-4000-8000-000000000002";
let existingWorkspace: { location: string } | { throws: string } | "missing" = { location: "northeurope" };

/** The tenant the mocks' deploying identity belongs to. */
export const MOCK_TENANT_ID = "11111111-2222-3333-4444-555555555555";

export interface RunOptions {
    readonly stack: string;
    /** Engine-style config: full keys to strings (structured values as JSON). */
    readonly config: Record<string, string>;
    readonly secretKeys?: string[];
    /** Stack outputs of an earlier deployment of this stack (none: a new stack). */
    readonly previousOutputs?: Record<string, unknown>;
    /** What Azure's `getServer` returns for the deployed server (none: it does not exist; `throws`: that error). */
    readonly liveServer?: Record<string, unknown>;
    /** What `getWorkspace` finds for securepg:monitoring.workspaceId (default: a workspace in northeurope). */
    readonly existingWorkspace?: { location: string } | { throws: string } | "missing";
}

/**
 * Runs the program once. Safe to call several times in one process: configuration, mocks and the
 * program's modules are reset each time.
 */
export async function runProgram(options: RunOptions): Promise<ProgramRun> {
    return runUnderMocks(options, () => {
        clearProjectModules();
        // The program exports an async function, as the Pulumi language host expects.
        const main = require(path.join(PROJECT_ROOT, "index.ts")) as () => Promise<Record<string, unknown>>;
        return main();
    });
}

/**
 * Runs any Pulumi code (a component, the program) under the mocks and records what it registers.
 * `body` returns the values to resolve as outputs.
 */
export async function runUnderMocks(options: RunOptions, body: () => Promise<Record<string, unknown>>): Promise<ProgramRun> {
    pulumi.runtime.setAllConfig(options.config, options.secretKeys ?? []);
    previousOutputs = options.previousOutputs ?? {};
    liveServer = options.liveServer;
    existingWorkspace = options.existingWorkspace ?? { location: "northeurope" };
    invokes = [];
    subnetPrefixes = new Map();
    subnetAddresses = new Map();
    await pulumi.runtime.setMocks(mocks, PROJECT_NAME, options.stack, false, "organization");
    const monitor = pulumi.runtime.getMonitor() as any;
    const resources: RegisteredResource[] = [];
    let pending = 0;
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => {
        pending += 1;
        const timeouts = req.getCustomtimeouts?.();
        const record = {
            type: req.getType(), name: req.getName(), urn: "", custom: req.getCustom(), inputs: {} as Record<string, any>,
            parent: req.getParent(), dependencies: req.getDependenciesList(), protect: req.getProtect() === true,
            ignoreChanges: req.getIgnorechangesList(), replaceOnChanges: req.getReplaceonchangesList(),
            deleteBeforeReplace: req.getDeletebeforereplace() === true,
            retainOnDelete: req.getRetainondelete?.() === true,
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            aliases: (req.getAliasesList?.() ?? []).filter((a: any) => a.hasSpec()).map((a: any) => {
                const spec = a.getSpec();
                return { name: spec.getName(), type: spec.getType(), parentUrn: spec.getParenturn(), noParent: spec.getNoparent() };
            }),
            customTimeouts: timeouts ? { create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() } : undefined,
            registeredOutputs: undefined as Record<string, unknown> | undefined,
        };
        resources.push(record);
        record.inputs = pulumi.runtime.deserializeProperties(req.getObject(), true);
        original(req, (err: unknown, resp: any) => {
            if (resp?.getUrn) {
                record.urn = resp.getUrn();
            }
            pending -= 1;
            callback(err, resp);
        });
    };
    const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: (err: unknown, resp: any) => void) => {
        pending += 1;
        const record = resources.find((r) => r.urn === req.getUrn());
        if (record) {
            record.registeredOutputs = pulumi.runtime.deserializeProperties(req.getOutputs(), true);
        }
        originalOutputs(req, (err: unknown, resp: any) => {
            pending -= 1;
            callback(err, resp);
        });
    };
    const warnings: string[] = [];
    const originalWarn = pulumi.log.warn;
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = async (message: string) => {
        warnings.push(message);
    };

    // The Pulumi language host fails a run on an unhandled rejection and logs it (cmd/run: uncaughtHandler);
    // so does the harness, instead of the test runner failing whichever test is running.
    const unhandledRejections: unknown[] = [];
    const runnerListeners = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const onUnhandled = (reason: unknown) => {
        unhandledRejections.push(reason);
    };
    process.on("unhandledRejection", onUnhandled);

    let program: Record<string, unknown> = {};
    let error: Error | undefined;
    // The SDK captures a stack trace for every promise it makes (leak diagnostics), which is most of
    // a mock run's time; tests read messages, not the program's stacks.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        program = await body();
    } catch (e) {
        error = e as Error;
    }
    const outputs: Record<string, unknown> = {};
    const secretExports = new Set<string>();
    for (const [key, value] of Object.entries(program ?? {})) {
        const resolved = pulumi.Output.isInstance(value) ? await valueOf(value) : value;
        // The engine records no output for an undefined value: `pulumi stack output` does not list it.
        if (resolved === undefined) {
            continue;
        }
        outputs[key] = resolved;
        if (pulumi.Output.isInstance(value) && await pulumi.isSecret(value)) {
            secretExports.add(key);
        }
    }
    // Let every registration finish, including ones that started after the exports resolved.
    for (let quiet = 0; quiet < 5;) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        quiet = pending === 0 ? quiet + 1 : 0;
    }
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = originalWarn;
    Error.stackTraceLimit = stackTraceLimit;
    process.off("unhandledRejection", onUnhandled);
    runnerListeners.forEach((listener) => process.on("unhandledRejection", listener));
    error ??= unhandledRejections[0] as Error | undefined;
    return { resources, invokes, outputs, secretExports, warnings, error, unhandledRejections };
}

/** Helpers for assertions. */
export function ofType(run: ProgramRun, type: string): RegisteredResource[] {
    return run.resources.filter((r) => r.type === type);
}

export function one(run: ProgramRun, type: string, name?: string): RegisteredResource {
    const found = ofType(run, type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
    }
    return found[0];
}

export function byUrn(run: ProgramRun, urn: string): RegisteredResource | undefined {
    return run.resources.find((r) => r.urn === urn);
}
