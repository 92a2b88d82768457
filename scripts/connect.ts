/**
 * `npm run connect -- --stack <stack> --client <name> [options]`
 *
 * From a deployed stack to a connected client: writes the VPN client certificate and key, the VPN
 * profile (Azure's, fetched with the Azure CLI, with the certificate and key filled in), the
 * database CA bundle, a pgpass file and a `[securepg-<stack>]` section in the libpq service file,
 * and prints (or, with --hosts, writes) the hosts entry that makes the server's name reach the
 * proxy. Never prints a secret; never overwrites a file it did not write unless --force.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { STACK_ARGUMENT_PATTERN } from "../lib/naming";
import { driverSettings, hostsLine, stackLeaf, mergeHostsFile, mergeServiceFile, pgpassLine, pgServiceSection, serviceName, type ClientTarget, type DriverSettings } from "../lib/clientConfig";
import { parseConnectOutputs, type ConnectOutputs } from "../lib/connectOutputs";
import { entraPsqlCommand } from "../lib/entra";
import { fillOpenVpnProfile, readVpnProfileZip } from "../lib/vpnProfile";
import { planWrites, type FileWrite, type Manifest, MANIFEST_FILE } from "../lib/clientFiles";

const USAGE = [
    "usage: npm run connect -- --stack <stack> [--client <name>] [--dir <dir>] [--database <name>]",
    "         [--profile-zip <file> | --no-vpn-profile] [--ca-bundle <file>] [--service-file <file>]",
    "         [--hosts [--hosts-file <file>]] [--force] [--json]",
].join("\n");

const PROJECT_ROOT = path.resolve(__dirname, "..");
/** DigiCert Global Root G2, Microsoft RSA Root CA 2017, DigiCert Global Root CA (test/connect.test.ts pins them). */
const AZURE_CA_BUNDLE = path.join(PROJECT_ROOT, "assets", "azure-postgres-roots.pem");
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

class UsageError extends Error {}

interface Options {
    readonly stack: string;
    readonly client?: string;
    readonly dir: string;
    readonly database?: string;
    readonly profileZip?: string;
    readonly vpnProfile: boolean;
    readonly caBundle: string;
    readonly serviceFile: string;
    readonly hosts: boolean;
    readonly hostsFile: string;
    readonly force: boolean;
    readonly json: boolean;
}

function defaultServiceFile(): string {
    // The service file libpq reads: PGSERVICEFILE, else the per-user one.
    if (process.env.PGSERVICEFILE) {
        return process.env.PGSERVICEFILE;
    }
    return process.platform === "win32" ? path.join(process.env.APPDATA ?? os.homedir(), "postgresql", ".pg_service.conf") : path.join(os.homedir(), ".pg_service.conf");
}

function defaultHostsFile(): string {
    return process.platform === "win32" ? path.join(process.env.SystemRoot ?? "C:\\Windows", "System32", "drivers", "etc", "hosts") : "/etc/hosts";
}

function options(argv: string[]): Options {
    let values;
    try {
        values = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                client: { type: "string" },
                dir: { type: "string" },
                database: { type: "string" },
                "profile-zip": { type: "string" },
                "no-vpn-profile": { type: "boolean", default: false },
                "ca-bundle": { type: "string" },
                "service-file": { type: "string" },
                hosts: { type: "boolean", default: false },
                "hosts-file": { type: "string" },
                force: { type: "boolean", default: false },
                json: { type: "boolean", default: false },
            },
        }).values;
    } catch (error) {
        throw new UsageError((error as Error).message);
    }
    if (process.env.SUDO_USER && process.getuid?.() === 0) {
        throw new UsageError("do not run npm run connect with sudo: the files, the service section and Pulumi's login would be root's. Run it as yourself; it prints how to add the hosts entry with sudo");
    }
    const stack = values.stack;
    if (stack === undefined) {
        throw new UsageError("--stack is required");
    }
    if (!STACK_ARGUMENT_PATTERN.test(stack)) {
        throw new UsageError(`${JSON.stringify(stack)} is not a stack name`);
    }
    if (values.client !== undefined && !NAME.test(values.client)) {
        throw new UsageError(`${JSON.stringify(values.client)} is not a client name (letters, digits, ., _ and -)`);
    }
    if (values["profile-zip"] !== undefined && values["no-vpn-profile"]) {
        throw new UsageError("--profile-zip and --no-vpn-profile exclude each other");
    }
    if (values["hosts-file"] !== undefined && !values.hosts) {
        throw new UsageError("--hosts-file needs --hosts");
    }
    return {
        stack,
        client: values.client,
        dir: path.resolve(values.dir ?? path.join(os.homedir(), ".securepg", stackLeaf(stack))),
        database: values.database,
        profileZip: values["profile-zip"],
        vpnProfile: !values["no-vpn-profile"],
        caBundle: path.resolve(values["ca-bundle"] ?? AZURE_CA_BUNDLE),
        serviceFile: path.resolve(values["service-file"] ?? defaultServiceFile()),
        hosts: values.hosts,
        hostsFile: path.resolve(values["hosts-file"] ?? defaultHostsFile()),
        force: values.force,
        json: values.json,
    };
}

interface Captured {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    /** The command is not installed (or not on PATH). */
    readonly missing: boolean;
}

/** stderr's last non-empty line: the reason a CLI gives for failing. */
function failureReason(result: Captured): string {
    return result.stderr.trim().split("\n").filter(Boolean).pop() ?? `exit ${result.code}`;
}

/** Runs a command and returns its output; stdout is never echoed (it may hold secrets). */
function capture(command: string, args: string[], timeoutMs: number): Promise<Captured> {
    return new Promise((resolve) => {
        // On Windows az and pulumi are .cmd scripts, which only a shell starts; the arguments are
        // checked names and ids, quoted for cmd.exe.
        const windows = process.platform === "win32";
        const child = windows
            ? spawn([command, ...args.map((a) => `"${a}"`)].join(" "), { shell: true, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs })
            : spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", (error) => resolve({ code: 127, stdout, stderr: error.message, missing: (error as NodeJS.ErrnoException).code === "ENOENT" }));
        child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 124 : 1), stdout, stderr, missing: false }));
    });
}

/** Shows that the tool is waiting, on stderr: a ticking line on a terminal, one line otherwise. */
async function withProgress<T>(label: string, work: Promise<T>): Promise<T> {
    const started = Date.now();
    if (!process.stderr.isTTY) {
        process.stderr.write(`${label}…\n`);
        return work;
    }
    const tick = () => process.stderr.write(`\r${label}… ${Math.round((Date.now() - started) / 1000)} s`);
    tick();
    const timer = setInterval(tick, 1000);
    try {
        return await work;
    } finally {
        clearInterval(timer);
        process.stderr.write(`\r${label}… done in ${Math.round((Date.now() - started) / 1000)} s\n`);
    }
}

async function readOutputs(stack: string): Promise<ConnectOutputs> {
    const result = await withProgress(`Reading the outputs of stack ${stack}`, capture("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], 120_000));
    if (result.missing) {
        throw new Error("the Pulumi CLI (pulumi) is not installed or not on PATH: https://www.pulumi.com/docs/install/");
    }
    if (result.code !== 0) {
        const reason = failureReason(result);
        if (/no stack named|stack .* not found/i.test(result.stderr)) {
            throw new Error(`stack ${stack} not found (${reason}); \`pulumi stack ls\` lists the stacks of this project and backend`);
        }
        if (/passphrase/i.test(result.stderr)) {
            throw new Error(`cannot decrypt stack ${stack}'s secrets (${reason}): set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE`);
        }
        throw new Error(`\`pulumi stack output --stack ${stack}\` failed: ${reason}`);
    }
    let outputs: unknown;
    try {
        outputs = JSON.parse(result.stdout);
    } catch {
        throw new Error(`\`pulumi stack output --json --stack ${stack}\` did not print JSON`);
    }
    if (outputs === null || typeof outputs !== "object" || Object.keys(outputs).length === 0) {
        throw new Error(`stack ${stack} has no outputs: has it been deployed (\`pulumi up --stack ${stack}\`)?`);
    }
    return parseConnectOutputs(stack, outputs);
}

/** Asks Azure for the gateway's VPN client profile (a zip behind a short-lived URL) and downloads it. */
async function fetchProfileZip(gatewayId: string): Promise<Uint8Array> {
    const gatewayName = gatewayId.split("/").pop();
    const args = ["network", "vnet-gateway", "vpn-client", "generate", "--ids", gatewayId, "--authentication-method", "EAPTLS", "--processor-architecture", "Amd64", "--output", "tsv"];
    const result = await withProgress(`Asking Azure for ${gatewayName}'s VPN profile (up to a minute or two)`, capture("az", args, 600_000));
    if (result.missing) {
        throw new Error("fetching the VPN profile needs the Azure CLI (az), logged in: install it, or download the profile zip from the portal (gateway → Point-to-site configuration → Download VPN client) and pass --profile-zip <file>");
    }
    if (result.code !== 0) {
        const reason = failureReason(result);
        const hint = /az login|AADSTS|credentials/i.test(result.stderr) ? " (run `az login` and `az account set --subscription <id>`)" : "";
        throw new Error(`\`az network vnet-gateway vpn-client generate\` failed${hint}: ${reason}`);
    }
    const url = result.stdout.trim().replace(/^"|"$/g, "");
    if (!/^https?:\/\//.test(url)) {
        throw new Error(`the Azure CLI returned no profile URL (got ${JSON.stringify(url.slice(0, 80))})`);
    }
    const response = await withProgress("Downloading the VPN profile", fetch(url, { signal: AbortSignal.timeout(120_000) }));
    if (!response.ok) {
        throw new Error(`downloading the VPN profile failed: HTTP ${response.status} (the URL Azure returns is valid for a short time: run again)`);
    }
    return new Uint8Array(await response.arrayBuffer());
}

function chooseClient(o: Options, outputs: ConnectOutputs): string | undefined {
    const clients = Object.keys(outputs.vpnClientCertificates).sort();
    if (outputs.vpnAuthentication === "entra") {
        if (o.client !== undefined) {
            throw new UsageError(`--client ${o.client}: stack ${o.stack}'s VPN signs in with Microsoft Entra ID only; it has no client certificates`);
        }
        return undefined;
    }
    if (o.client === undefined && outputs.vpnAuthentication === "both") {
        // Entra ID sign-in through the Azure VPN Client needs no certificate.
        return undefined;
    }
    const listed = clients.length > 0 ? `stack ${o.stack} issues: ${clients.join(", ")}` : `stack ${o.stack} issues no client certificates yet`;
    const howToAdd = `add it to securepg:vpn.clients (\`pulumi config set --path 'securepg:vpn.clients[${clients.length}]' <name> --stack ${o.stack}\`) and run \`pulumi up\``;
    if (o.client === undefined) {
        throw new UsageError(`--client is required: the VPN signs in with a client certificate; ${listed}${clients.length === 0 ? `; ${howToAdd}` : ""}`);
    }
    if (!(o.client in outputs.vpnClientCertificates)) {
        throw new Error(`no client certificate named ${o.client}: ${listed}; to issue one, ${howToAdd}`);
    }
    return o.client;
}

interface Result {
    readonly stack: string;
    readonly dir: string;
    readonly files: Array<{ path: string; mode: string; action: string; what: string }>;
    readonly service: { name: string; file: string; action: string };
    readonly hosts: { line: string; file?: string; action?: string };
    readonly vpnProfile?: string;
    readonly drivers: DriverSettings;
    readonly nextSteps: string[];
    readonly warnings: string[];
}

async function connect(o: Options): Promise<Result> {
    const outputs = await readOutputs(o.stack);
    const client = chooseClient(o, outputs);
    const database = o.database ?? outputs.databaseNames[0] ?? "postgres";
    let caBundle: string;
    try {
        caBundle = fs.readFileSync(o.caBundle, "utf8");
    } catch (error) {
        throw new Error(`cannot read the CA bundle ${o.caBundle}: ${(error as Error).message}`);
    }
    if (!caBundle.includes("-----BEGIN CERTIFICATE-----")) {
        throw new Error(`${o.caBundle} holds no PEM certificate`);
    }
    const usesPassword = outputs.passwordAuthentication;
    const target: ClientTarget = {
        stack: o.stack,
        serverFqdn: outputs.serverFqdn,
        proxyAddress: outputs.proxyPrivateIp,
        port: outputs.proxyPort,
        database,
        user: usesPassword ? outputs.adminLogin : outputs.entraAdmin ?? outputs.adminLogin,
        caFile: path.join(o.dir, "root.crt"),
        passFile: usesPassword ? path.join(o.dir, "pgpass") : undefined,
    };
    const writes: FileWrite[] = [{ name: "root.crt", content: caBundle, mode: 0o644, what: "database CA bundle (sslrootcert)" }];
    if (usesPassword) {
        writes.push({ name: "pgpass", content: pgpassLine(target, outputs.adminPassword!), mode: 0o600, what: `password of ${outputs.adminLogin} (PGPASSFILE)` });
    }
    const credentials = client === undefined ? undefined : outputs.vpnClientCertificates[client];
    if (client !== undefined && credentials !== undefined) {
        writes.push({ name: `vpn-${client}.crt`, content: credentials.certificatePem, mode: 0o600, what: "VPN client certificate" });
        writes.push({ name: `vpn-${client}.key`, content: credentials.privateKeyPem, mode: 0o600, what: "VPN client private key" });
    }
    const profileName = `${stackLeaf(o.stack)}-${client}.ovpn`;
    const manifestPath = path.join(o.dir, MANIFEST_FILE);
    const manifest = readManifest(manifestPath);
    const existing = (name: string) => readIfExists(path.join(o.dir, name));
    // Refuse before the slow part: every file whose name is known now, the service file, the hosts file.
    const profileNames = o.vpnProfile ? [...(credentials === undefined ? [] : [profileName]), ...AZURE_VPN_PROFILE_NAMES] : [];
    planWrites(writes, manifest, existing, { force: o.force, pending: profileNames });
    const mergeService = () => mergeInto(o.serviceFile, (text) => mergeServiceFile(text, pgServiceSection(target), { force: o.force }));
    const mergeHosts = () => mergeInto(o.hostsFile, (text) => mergeHostsFile(text ?? "", target, { force: o.force }));
    mergeService();
    if (o.hosts) {
        mergeHosts();
        refuseUnwritable(o.hostsFile, target);
    }
    const warnings: string[] = [];

    let vpnProfile: string | undefined;
    if (o.vpnProfile) {
        const zip = o.profileZip === undefined ? await fetchProfileZip(outputs.vpnGatewayId) : readZipFile(o.profileZip);
        const profile = readVpnProfileZip(zip);
        if (credentials !== undefined && profile.openVpn === undefined) {
            warnings.push("Azure's profile has no OpenVPN/vpnconfig.ovpn (is OpenVPN among the gateway's tunnel types?): no .ovpn was written; the certificate and key are for the Azure VPN Client or IKEv2 (docs/vpn-clients.md)");
        } else if (credentials !== undefined && profile.openVpn !== undefined) {
            writes.push({ name: profileName, content: fillOpenVpnProfile(profile.openVpn, credentials), mode: 0o600, what: "OpenVPN profile (certificate and key inside)" });
            vpnProfile = path.join(o.dir, profileName);
        }
        for (const xml of profile.azureVpnProfiles) {
            // It carries the gateway's pre-shared key (serversecret), as the OpenVPN profile does.
            writes.push({ name: xml.name, content: xml.text, mode: 0o600, what: "Azure VPN Client profile (Windows, macOS): import it in the client" });
            vpnProfile ??= path.join(o.dir, xml.name);
        }
    }
    const planned = planWrites(writes, manifest, existing, { force: o.force });

    // Merged again now: the files may have changed while Azure was asked.
    const serviceMerge = mergeService();
    const hostsMerge = o.hosts ? mergeHosts() : undefined;
    fs.mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    for (const file of planned) {
        const filePath = path.join(o.dir, file.name);
        if (file.action === "unchanged") {
            fs.chmodSync(filePath, file.mode);
        } else {
            replaceFile(filePath, file.content, file.mode);
        }
    }
    replaceFile(manifestPath, `${JSON.stringify(nextManifest(manifest, planned), null, 2)}\n`, 0o600);
    writeMerge(o.serviceFile, serviceMerge, 0o600);
    if (hostsMerge) {
        writeMerge(o.hostsFile, hostsMerge);
    }

    const drivers = driverSettings(target);
    const nextSteps = [
        vpnProfile === undefined
            ? "Connect the VPN (docs/vpn-clients.md)."
            : vpnProfile.endsWith(".ovpn")
              ? `Connect the VPN: \`sudo openvpn --config ${vpnProfile}\` (Linux), or import it in OpenVPN Connect / Tunnelblick; Azure VPN Client users import the azurevpnconfig XML (docs/vpn-clients.md).`
              : `Import ${vpnProfile} in the Azure VPN Client and connect (docs/vpn-clients.md).`,
        usesPassword
            ? `Connect: \`psql service=${serviceName(target.stack)}\` (libpq reads ${o.serviceFile}${o.serviceFile === defaultServiceFile() ? "" : "; set PGSERVICEFILE to it"}).`
            : `Connect (passwordless, as a member of ${target.user}): \`${entraPsqlCommand(`service=${serviceName(target.stack)}`)}\`.`,
        o.hosts
            ? `Other drivers connect to ${target.serverFqdn}, which ${o.hostsFile} now sends to the proxy; settings per driver: docs/drivers.md.`
            : `Other drivers (JDBC, Npgsql, node-postgres, pgx) connect to ${target.serverFqdn}, which must reach the proxy: add the hosts entry with ${hostsAdvice(target)}; settings per driver: docs/drivers.md (\`--json\` prints them).`,
    ];
    return {
        stack: o.stack,
        dir: o.dir,
        files: planned.map((f) => ({ path: path.join(o.dir, f.name), mode: f.mode.toString(8).padStart(4, "0"), action: f.action, what: f.what })),
        service: { name: serviceName(target.stack), file: o.serviceFile, action: serviceMerge.action },
        hosts: { line: hostsLine(target), ...(hostsMerge ? { file: o.hostsFile, action: hostsMerge.action } : {}) },
        vpnProfile,
        drivers,
        nextSteps,
        warnings,
    };
}

/** The Azure VPN Client profiles Azure names: one, or one per authentication type. */
const AZURE_VPN_PROFILE_NAMES = ["azurevpnconfig.xml", "azurevpnconfig_cert.xml", "azurevpnconfig_aad.xml"];

/**
 * Writes through a new file renamed over the old one: the mode is right from the first byte, and a
 * symbolic link at the path is replaced, never followed.
 */
function replaceFile(file: string, content: string, mode: number): void {
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, content, { mode, flag: "wx" });
    try {
        fs.chmodSync(temporary, mode);
        fs.renameSync(temporary, file);
    } catch (error) {
        fs.rmSync(temporary, { force: true });
        throw error;
    }
}

/** With --hosts, fails before anything is written when the hosts file cannot be written. */
function refuseUnwritable(file: string, target: ClientTarget): void {
    try {
        fs.accessSync(fs.existsSync(file) ? file : path.dirname(file), fs.constants.W_OK);
    } catch {
        throw new Error(`cannot write ${file} (it needs root or administrator rights): run without --hosts, and add the entry with ${hostsAdvice(target)}`);
    }
}

/** How to add the hosts entry by hand; a later --hosts run takes the same line as its own. */
function hostsAdvice(target: ClientTarget): string {
    return process.platform === "win32"
        ? `an editor run as administrator: \`${hostsLine(target)}\` in ${defaultHostsFile()}`
        : `\`echo '${hostsLine(target)}' | sudo tee -a ${defaultHostsFile()}\``;
}

function readIfExists(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8");
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
            return undefined;
        }
        throw error;
    }
}

function readZipFile(file: string): Uint8Array {
    try {
        return new Uint8Array(fs.readFileSync(file));
    } catch (error) {
        throw new Error(`cannot read --profile-zip ${file}: ${(error as Error).message}`);
    }
}

function readManifest(file: string): Manifest {
    const text = readIfExists(file);
    if (text === undefined) {
        return { files: {} };
    }
    try {
        const parsed = JSON.parse(text) as Manifest;
        return typeof parsed?.files === "object" && parsed.files !== null ? parsed : { files: {} };
    } catch {
        return { files: {} };
    }
}

function nextManifest(previous: Manifest, planned: ReturnType<typeof planWrites>): Manifest {
    const files = { ...previous.files };
    for (const file of planned) {
        files[file.name] = file.sha256;
    }
    return { files };
}

interface PendingMerge {
    readonly text: string;
    readonly action: string;
}

function mergeInto(file: string, merge: (text: string | undefined) => PendingMerge): PendingMerge {
    try {
        return merge(readIfExists(file));
    } catch (error) {
        throw new Error(`${file}: ${(error as Error).message}; pass --force to replace it`);
    }
}

function writeMerge(file: string, merge: PendingMerge, mode?: number): void {
    if (merge.action === "unchanged") {
        return;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
        fs.writeFileSync(file, merge.text, mode === undefined ? undefined : { mode });
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new Error(code === "EACCES" || code === "EPERM" ? `cannot write ${file}: permission denied (run as root/administrator, or leave out --hosts and add the line by hand)` : `cannot write ${file}: ${(error as Error).message}`);
    }
}

function printHuman(r: Result): void {
    const lines = [`securepg connect: stack ${r.stack}`, "", "Wrote:"];
    for (const f of r.files) {
        lines.push(`  ${f.action === "unchanged" ? "kept   " : f.action === "added" ? "wrote  " : "updated"} ${f.path} (${f.mode}): ${f.what}`);
    }
    lines.push(`  ${r.service.action === "unchanged" ? "kept   " : r.service.action === "added" ? "added  " : "updated"} [${r.service.name}] in ${r.service.file}`);
    if (r.hosts.file) {
        lines.push(`  ${r.hosts.action === "unchanged" ? "kept   " : r.hosts.action === "added" ? "added  " : "updated"} ${r.hosts.line} in ${r.hosts.file}`);
    }
    lines.push("", "Next:");
    r.nextSteps.forEach((step, i) => lines.push(`  ${i + 1}. ${step}`));
    for (const warning of r.warnings) {
        lines.push("", `Warning: ${warning}`);
    }
    console.log(lines.join("\n"));
}

async function main(): Promise<number> {
    let o: Options | undefined;
    try {
        o = options(process.argv.slice(2));
        const result = await connect(o);
        if (o.json) {
            console.log(JSON.stringify(result, null, 2));
        } else {
            printHuman(result);
        }
        return 0;
    } catch (error) {
        const message = (error as Error).message;
        if (o?.json) {
            console.log(JSON.stringify({ error: message }));
        }
        console.error(`securepg connect: ${message}${error instanceof UsageError ? `\n${USAGE}` : ""}`);
        return error instanceof UsageError ? 2 : 1;
    }
}

main().then((code) => process.exit(code));
