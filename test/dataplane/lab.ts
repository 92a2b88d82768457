/**
 * A throwaway lab that runs the proxy's data plane for real: network namespaces shaped like the
 * Azure topology (VPN client, an outsider, the proxy VM, the database subnet), a private CA and a
 * server certificate for the server's FQDN, PostgreSQL servers with TLS, dnsmasq answering as Azure
 * DNS (168.63.129.16) inside the proxy namespace, and nginx running the exact config cloud-init
 * writes. Every process is started here, tracked by PID and stopped by PID; every namespace and
 * temp dir is removed, also when a test fails or the process is interrupted.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { intToIpv4, ipv4ToInt, type Ipv4Cidr } from "../../lib/cidr";
import { AZURE_DNS_RESOLVER } from "../../lib/nginx";
import { hardOpenFileLimit, hasCommand } from "../harness/tools";

/** systemd's default soft limit on open files for a service (DefaultLimitNOFILE=1024:524288). */
export const SYSTEMD_OPEN_FILES_SOFT_LIMIT = 1024;

let binDir: string | undefined;

/** Debian keeps the PostgreSQL server binaries off PATH; the newest installed version wins. */
export function postgresBinDir(): string | undefined {
    const root = "/usr/lib/postgresql";
    if (binDir === undefined && fs.existsSync(root)) {
        const versions = fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
        binDir = versions.map((v) => path.join(root, v, "bin")).find((dir) => fs.existsSync(path.join(dir, "postgres")));
    }
    return binDir;
}

/** What the lab needs from the machine; empty when it can run. */
export function missingPrerequisites(): string[] {
    const missing = ["ip", "unshare", "setpriv", "prlimit", "nginx", "dnsmasq", "openssl", "psql", "sysctl", "ss", "nft"].filter((c) => !hasCommand(c));
    if (!postgresBinDir()) {
        missing.push("postgresql (server)");
    }
    if (!fs.existsSync("/usr/lib/nginx/modules/ngx_stream_module.so")) {
        missing.push("libnginx-mod-stream");
    }
    if (process.getuid?.() !== 0) {
        missing.push("root (for ip netns)");
    }
    return missing;
}

export interface RunResult {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs a command to completion, failing loudly when `check` and it exits non-zero. */
export function run(command: string, args: string[], options: { check?: boolean; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunResult {
    const result = spawnSync(command, args, { encoding: "utf8", input: options.input, env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000 });
    const out: RunResult = { status: result.status, stdout: result.stdout ?? "", stderr: `${result.stderr ?? ""}${result.error ? String(result.error) : ""}` };
    if (options.check !== false && out.status !== 0) {
        throw new Error(`${command} ${args.join(" ")} exited ${out.status}: ${out.stderr}${out.stdout}`);
    }
    return out;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Environment for libpq clients with nothing inherited that could change where they connect. */
export function cleanClientEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (!key.startsWith("PG")) {
            env[key] = value;
        }
    }
    return { ...env, PGCONNECT_TIMEOUT: "5", ...extra };
}

/** Whether a process runs; a zombie (PID 1 here does not reap orphans) counts as stopped. */
export function isAlive(pid: number): boolean {
    try {
        return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    } catch {
        return false;
    }
}

const NAMESPACE_PREFIX = "spg";
/** cli: a VPN client; out: an outsider; prx: the proxy (prx2-prx4: more proxies); lb: the load balancer; db: the database subnet. */
/** site: a client on a site-to-site network. */
const ROLES = ["cli", "out", "prx", "db", "lb", "prx2", "prx3", "prx4", "site"] as const;
const SINGLE_PROXY_ROLES: readonly Role[] = ["cli", "out", "prx", "db"];
export type Role = (typeof ROLES)[number];

/** Removes namespaces (and their processes) left by an earlier lab whose test process is gone. */
function sweepAbandonedNamespaces(): void {
    const listing = run("ip", ["netns", "list"], { check: false }).stdout;
    for (const line of listing.split("\n")) {
        const name = line.split(" ")[0];
        const match = new RegExp(`^${NAMESPACE_PREFIX}(\\d+)-(${ROLES.join("|")})$`).exec(name);
        if (match && !isAlive(Number(match[1]))) {
            killNamespaceProcesses(name);
            run("ip", ["netns", "delete", name], { check: false });
            fs.rmSync(netnsEtc(name), { recursive: true, force: true });
        }
    }
}

/** Files here are bind-mounted over /etc by `ip netns exec` in that namespace (ip-netns(8)). */
function netnsEtc(namespace: string): string {
    return path.join("/etc/netns", namespace);
}

function killNamespaceProcesses(namespace: string): void {
    const pids = run("ip", ["netns", "pids", namespace], { check: false }).stdout.split(/\s+/).filter(Boolean).map(Number);
    for (const pid of pids) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
}

export interface Addresses {
    /** A VPN client, inside the P2S client address pool, and the pool's prefix length. */
    readonly client: string;
    readonly clientPrefixLength: number;
    /** Where the VPN gateway would hand pool traffic into the VNet (here: the proxy namespace). */
    readonly clientGateway: string;
    /** A host that is neither in the VPN pool nor in the proxy subnet. */
    readonly outsider: string;
    /** The proxy VM's private IP. */
    readonly proxy: string;
    /** The primary database server and its failover partner, in the database subnet. */
    readonly databases: readonly [string, string];
    readonly databaseSubnet: string;
}

/** Picks lab addresses the way Azure would assign them in the stack's address plan. */
export function addressesFor(plan: { clientAddressPool: Ipv4Cidr; databaseSubnet: Ipv4Cidr; proxyPrivateIp: string }): Addresses {
    return {
        client: intToIpv4(plan.clientAddressPool.first + 10),
        clientPrefixLength: plan.clientAddressPool.prefixLength,
        clientGateway: intToIpv4(plan.clientAddressPool.first + 1),
        outsider: "192.168.77.10",
        proxy: plan.proxyPrivateIp,
        databases: [intToIpv4(plan.databaseSubnet.first + 4), intToIpv4(plan.databaseSubnet.first + 5)],
        databaseSubnet: plan.databaseSubnet.text,
    };
}

interface Tracked {
    readonly label: string;
    readonly child: ChildProcess;
    readonly stop: NodeJS.Signals;
}

export interface Certificates {
    readonly caCert: string;
    /** A CA that did not sign the server certificate. */
    readonly otherCaCert: string;
    readonly serverCert: string;
    readonly serverKey: string;
}

/** What the program sets up on the Flexible Server, reproduced on the lab's servers. */
export interface ServerSettings {
    readonly login: string;
    readonly password: string;
    readonly database: string;
    /** `ssl_min_protocol_version`, e.g. "TLSv1.2". */
    readonly tlsMinVersion: string;
}

export interface PostgresServer {
    readonly address: string;
    readonly dataDir: string;
    readonly socketDir: string;
    pid: number;
}

export interface NginxInstance {
    readonly pid: number;
    readonly confPath: string;
    readonly logDir: string;
    readonly accessLog: string;
    readonly errorLog: string;
}

export class Lab {
    readonly root: string;
    readonly addresses: Addresses;
    private readonly tracked = new Map<number, Tracked>();
    private readonly namespaces: string[] = [];
    private cleaned = false;
    private readonly onExit = () => this.cleanupSync();
    private readonly onSignal = (signal: NodeJS.Signals) => {
        this.cleanupSync();
        process.exit(signal === "SIGINT" ? 130 : 143);
    };

    constructor(addresses: Addresses) {
        this.addresses = addresses;
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-lab-"));
        // The postgres user and dnsmasq's unprivileged user read files in here.
        fs.chmodSync(this.root, 0o755);
        process.on("exit", this.onExit);
        process.on("SIGINT", this.onSignal);
        process.on("SIGTERM", this.onSignal);
    }

    ns(role: Role): string {
        return `${NAMESPACE_PREFIX}${process.pid}-${role}`;
    }

    /** Runs a command inside one of the lab's namespaces. */
    exec(role: Role, command: string, args: string[], options: Parameters<typeof run>[2] = {}): RunResult {
        return run("ip", ["netns", "exec", this.ns(role), command, ...args], options);
    }

    /**
     * The hosts file programs in `role`'s namespace resolve with: `ip netns exec` mounts it over
     * /etc/hosts, so a client there sees exactly what a user's /etc/hosts would hold.
     */
    hostsFile(role: Role): string {
        const dir = netnsEtc(this.ns(role));
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, "hosts");
        if (!fs.existsSync(file)) {
            fs.writeFileSync(file, "127.0.0.1\tlocalhost\n");
        }
        return file;
    }

    path(...parts: string[]): string {
        return path.join(this.root, ...parts);
    }

    /**
     * client (VPN pool) ─┐
     * outsider ──────────┼─ proxy VM (routes for the VPN, like the gateway) ── database subnet
     * Forwarding in the proxy namespace stays off, as the database subnet's NSG admits only the
     * proxy: clients can reach the database only through nginx (the benchmark turns it on to
     * measure the direct path).
     */
    buildNetwork(options: { forwarding?: boolean; site?: { address: string; prefixLength: number } } = {}): void {
        sweepAbandonedNamespaces();
        const a = this.addresses;
        this.addNamespaces(options.site ? [...SINGLE_PROXY_ROLES, "site"] : SINGLE_PROXY_ROLES);
        const link = (role: Role, proxySide: string, proxyAddress: string, address: string, routes: string[][]) => {
            run("ip", ["-n", this.ns("prx"), "link", "add", proxySide, "type", "veth", "peer", "name", "eth0", "netns", this.ns(role)]);
            this.exec("prx", "ip", ["addr", "add", proxyAddress, "dev", proxySide]);
            this.exec("prx", "ip", ["link", "set", proxySide, "up"]);
            this.exec(role, "ip", ["addr", "add", address, "dev", "eth0"]);
            this.exec(role, "ip", ["link", "set", "eth0", "up"]);
            for (const route of routes) {
                this.exec(role, "ip", ["route", "add", ...route]);
            }
        };
        // The VPN side: the proxy plays the gateway's role of routing pool addresses into the VNet.
        link("cli", "vcli", `${a.clientGateway}/${a.clientPrefixLength}`, `${a.client}/${a.clientPrefixLength}`, [["default", "via", a.clientGateway]]);
        link("out", "vout", "192.168.77.1/24", `${a.outsider}/24`, [["default", "via", "192.168.77.1"]]);
        if (options.site) {
            // A site-to-site network: the gateway routes its prefixes into the VNet as it does the pool's.
            const site = options.site;
            const gatewayOnSite = intToIpv4((ipv4ToInt(site.address) & (~0 << (32 - site.prefixLength))) + 1);
            link("site", "vsite", `${gatewayOnSite}/${site.prefixLength}`, `${site.address}/${site.prefixLength}`, [["default", "via", gatewayOnSite]]);
        }
        // The VNet: the proxy's NIC address faces the database subnet on one link, as in Azure's flat VNet.
        const dbPrefix = a.databaseSubnet.split("/")[1];
        link("db", "vdb", `${a.proxy}/32`, `${a.databases[0]}/${dbPrefix}`, [["default", "via", a.proxy, "dev", "eth0", "onlink"]]);
        this.exec("db", "ip", ["addr", "add", `${a.databases[1]}/${dbPrefix}`, "dev", "eth0"]);
        this.exec("prx", "ip", ["route", "add", a.databaseSubnet, "dev", "vdb"]);
        // Azure DNS lives at a fixed virtual address in every VNet; here it is a local address of the proxy.
        this.exec("prx", "ip", ["addr", "add", `${AZURE_DNS_RESOLVER}/32`, "dev", "lo"]);
        this.exec("prx", "sysctl", ["-q", "-w", `net.ipv4.ip_forward=${options.forwarding ? 1 : 0}`]);
    }

    private addNamespaces(roles: readonly Role[]): void {
        for (const role of roles) {
            run("ip", ["netns", "add", this.ns(role)]);
            this.namespaces.push(this.ns(role));
            this.exec(role, "ip", ["link", "set", "lo", "up"]);
        }
    }

    /**
     * The proxy tier as Azure runs it: the VPN client and the outsider reach the VNet through the
     * load balancer's namespace, which owns the frontend address and spreads new connections over
     * the healthy proxies (nftables DNAT, pass-through: the proxies see the client's address). The
     * proxies, the load balancer and the database subnet share one bridge, Azure's flat VNet; the
     * proxies route everything else (VPN pool, Azure DNS) through the load balancer's namespace.
     */
    buildBalancedNetwork(frontend: string, proxySubnet: Ipv4Cidr, proxies: ReadonlyArray<{ role: Role; address: string }>): void {
        sweepAbandonedNamespaces();
        const a = this.addresses;
        this.addNamespaces(["cli", "out", "lb", "db", ...proxies.map((p) => p.role)]);
        const lb = (...args: string[]) => this.exec("lb", "ip", args);
        const veth = (role: Role, lbSide: string) => run("ip", ["-n", this.ns("lb"), "link", "add", lbSide, "type", "veth", "peer", "name", "eth0", "netns", this.ns(role)]);
        const up = (role: Role, address: string, routes: string[][]) => {
            this.exec(role, "ip", ["addr", "add", address, "dev", "eth0"]);
            this.exec(role, "ip", ["link", "set", "eth0", "up"]);
            for (const route of routes) {
                this.exec(role, "ip", ["route", "add", ...route]);
            }
        };
        veth("cli", "vcli");
        lb("addr", "add", `${a.clientGateway}/${a.clientPrefixLength}`, "dev", "vcli");
        lb("link", "set", "vcli", "up");
        up("cli", `${a.client}/${a.clientPrefixLength}`, [["default", "via", a.clientGateway]]);
        veth("out", "vout");
        lb("addr", "add", "192.168.77.1/24", "dev", "vout");
        lb("link", "set", "vout", "up");
        up("out", `${a.outsider}/24`, [["default", "via", "192.168.77.1"]]);
        lb("link", "add", "vnet", "type", "bridge");
        lb("addr", "add", `${frontend}/${proxySubnet.prefixLength}`, "dev", "vnet");
        lb("link", "set", "vnet", "up");
        const dbPrefix = a.databaseSubnet.split("/")[1];
        for (const [i, proxy] of proxies.entries()) {
            veth(proxy.role, `vp${i}`);
            lb("link", "set", `vp${i}`, "master", "vnet");
            lb("link", "set", `vp${i}`, "up");
            up(proxy.role, `${proxy.address}/${proxySubnet.prefixLength}`, [["default", "via", frontend], [a.databaseSubnet, "dev", "eth0"]]);
        }
        veth("db", "vdb");
        lb("link", "set", "vdb", "master", "vnet");
        lb("link", "set", "vdb", "up");
        up("db", `${a.databases[0]}/${dbPrefix}`, [[proxySubnet.text, "dev", "eth0"]]);
        this.exec("db", "ip", ["addr", "add", `${a.databases[1]}/${dbPrefix}`, "dev", "eth0"]);
        // Azure's platform address (DNS, and the source of health probes) lives in the load balancer's namespace.
        this.exec("lb", "ip", ["addr", "add", `${AZURE_DNS_RESOLVER}/32`, "dev", "lo"]);
        this.exec("lb", "sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);
    }

    /** A private CA, a certificate for `serverName` signed by it, and an unrelated second CA. */
    makeCertificates(serverName: string, alsoNames: readonly string[] = []): Certificates {
        const dir = this.path("certs");
        fs.mkdirSync(dir, { mode: 0o755 });
        const f = (name: string) => path.join(dir, name);
        const ca = (name: string) => run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", `/CN=${name}`, "-keyout", f(`${name}.key`), "-out", f(`${name}.pem`)]);
        ca("securepg-lab-ca");
        ca("unrelated-ca");
        run("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${serverName}`,
            "-keyout", f("server.key"), "-out", f("server.csr")]);
        fs.writeFileSync(f("server.ext"), `subjectAltName = ${[serverName, ...alsoNames].map((n) => `DNS:${n}`).join(",")}\nextendedKeyUsage = serverAuth\n`);
        run("openssl", ["x509", "-req", "-in", f("server.csr"), "-CA", f("securepg-lab-ca.pem"), "-CAkey", f("securepg-lab-ca.key"),
            "-CAcreateserial", "-days", "2", "-extfile", f("server.ext"), "-out", f("server.pem")]);
        for (const name of fs.readdirSync(dir)) {
            fs.chmodSync(f(name), 0o644);
        }
        // PostgreSQL refuses a key that others can read.
        run("chown", ["postgres:postgres", f("server.key")]);
        fs.chmodSync(f("server.key"), 0o600);
        return { caCert: f("securepg-lab-ca.pem"), otherCaCert: f("unrelated-ca.pem"), serverCert: f("server.pem"), serverKey: f("server.key") };
    }

    private spawnTracked(label: string, command: string, args: string[], stop: NodeJS.Signals, piped = false): ChildProcess {
        const log = piped ? undefined : fs.openSync(this.path(`${label}.log`), "a");
        const child = spawn(command, args, { stdio: log === undefined ? "pipe" : ["ignore", log, log], env: cleanClientEnv() });
        if (log !== undefined) {
            fs.closeSync(log);
        }
        if (child.pid === undefined) {
            throw new Error(`could not start ${label}: ${command}`);
        }
        this.tracked.set(child.pid, { label, child, stop });
        child.on("exit", () => this.tracked.delete(child.pid!));
        return child;
    }

    /** Starts a long-running process in a namespace, its output in `<label>.log`; stop it with `stop(pid)`. */
    startIn(role: Role, label: string, command: string, args: string[], stop: NodeJS.Signals = "SIGTERM"): number {
        return this.spawnTracked(label, "ip", ["netns", "exec", this.ns(role), command, ...args], stop).pid!;
    }

    /** Kills everything running in one namespace at once, like a VM that is deleted without a shutdown. */
    killAllIn(role: Role): void {
        killNamespaceProcesses(this.ns(role));
    }

    /** Starts a process in a namespace with pipes to its stdin/stdout/stderr (e.g. an interactive psql). */
    spawnInteractive(role: Role, label: string, command: string, args: string[]): ChildProcess {
        return this.spawnTracked(label, "ip", ["netns", "exec", this.ns(role), command, ...args], "SIGTERM", true);
    }

    /** Stops one process the lab started, by PID, and waits for it to exit. */
    async stop(pid: number, signal?: NodeJS.Signals): Promise<void> {
        const entry = this.tracked.get(pid);
        if (!entry) {
            return;
        }
        const exited = new Promise<void>((resolve) => {
            if (entry.child.exitCode !== null || entry.child.signalCode !== null) {
                resolve();
            } else {
                entry.child.once("exit", () => resolve());
            }
        });
        entry.child.kill(signal ?? entry.stop);
        const timer = setTimeout(() => entry.child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
    }

    logOf(label: string): string {
        return this.readIf(this.path(`${label}.log`));
    }

    /** Initialises a cluster once; `startPostgres` copies it for each server. */
    private async initCluster(certs: Certificates, settings: ServerSettings): Promise<string> {
        const { login, password, database } = settings;
        const template = this.path("pg-template");
        const bin = postgresBinDir()!;
        fs.mkdirSync(template, { mode: 0o700 });
        run("chown", ["postgres:postgres", template]);
        run("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", path.join(bin, "initdb"), "-D", template,
            "-U", "postgres", "--auth-local=trust", "--auth-host=reject", "-E", "UTF8", "--no-sync"], { timeoutMs: 120_000 });
        // As on Azure: plaintext sessions are refused outright; TLS sessions authenticate with SCRAM.
        fs.writeFileSync(path.join(template, "pg_hba.conf"), [
            "local all all trust",
            "hostnossl all all 0.0.0.0/0 reject",
            "hostssl all all 0.0.0.0/0 scram-sha-256",
            "",
        ].join("\n"));
        fs.appendFileSync(path.join(template, "postgresql.conf"), [
            "",
            "# securepg lab: what the program sets on the Flexible Server",
            "ssl = on",
            `ssl_cert_file = '${certs.serverCert}'`,
            `ssl_key_file = '${certs.serverKey}'`,
            `ssl_min_protocol_version = '${settings.tlsMinVersion}'`,
            "password_encryption = 'scram-sha-256'",
            "port = 5432",
            "max_connections = 60",
            "shared_buffers = 32MB",
            "fsync = off",
            "",
        ].join("\n"));
        run("chown", ["-R", "postgres:postgres", template]);
        // Create the application role and database the way the program does (admin login, databases).
        const socketDir = this.path("pg-template-sock");
        // No TCP listener: the template server is reached on its Unix socket only.
        const server = this.startPostgresProcess(template, socketDir, "", "pg-template", undefined);
        try {
            await this.waitForPostgres(server, socketDir, "pg-template");
            const sql = `CREATE ROLE "${login}" LOGIN CREATEDB PASSWORD '${password.replace(/'/g, "''")}';\nCREATE DATABASE "${database}" OWNER "${login}";\n`;
            run(path.join(bin, "psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", socketDir, "-U", "postgres", "-d", "postgres"], { input: sql, env: cleanClientEnv() });
        } finally {
            await this.stop(server.pid!, "SIGINT");
        }
        return template;
    }

    private startPostgresProcess(dataDir: string, socketDir: string, listen: string, label: string, role: Role | undefined): ChildProcess {
        fs.mkdirSync(socketDir, { recursive: true, mode: 0o755 });
        run("chown", ["postgres:postgres", socketDir]);
        const postgres = [
            "setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--",
            path.join(postgresBinDir()!, "postgres"), "-D", dataDir, "-c", `listen_addresses=${listen}`, "-c", `unix_socket_directories=${socketDir}`,
        ];
        return role
            ? this.spawnTracked(label, "ip", ["netns", "exec", this.ns(role), ...postgres], "SIGINT")
            : this.spawnTracked(label, postgres[0], postgres.slice(1), "SIGINT");
    }

    /** Waits until the server answers on its socket; fails early, with its log, if it exits. */
    private async waitForPostgres(child: ChildProcess, socketDir: string, label: string): Promise<void> {
        const deadline = Date.now() + 30_000;
        while (run(path.join(postgresBinDir()!, "pg_isready"), ["-q", "-h", socketDir], { check: false }).status !== 0) {
            if (child.exitCode !== null || Date.now() > deadline) {
                throw new Error(`PostgreSQL (${label}) did not start:\n${this.logOf(label)}`);
            }
            await sleep(100);
        }
    }

    private template: string | undefined;

    /** Prepares a cluster with TLS from `certs`, the admin role and the application database. */
    async initPostgres(certs: Certificates, server: ServerSettings): Promise<void> {
        this.template = await this.initCluster(certs, server);
    }

    /**
     * Starts a PostgreSQL server (a copy of the prepared cluster) in the database namespace on
     * `address`, or restarts a stopped one.
     */
    async startPostgres(address: string, existing?: PostgresServer): Promise<PostgresServer> {
        if (!this.template) {
            throw new Error("initPostgres first");
        }
        const label = `postgres-${address}`;
        const dataDir = existing?.dataDir ?? this.path(label);
        const socketDir = existing?.socketDir ?? this.path(`${label}-sock`);
        if (!existing) {
            run("cp", ["-a", this.template, dataDir]);
        }
        const child = this.startPostgresProcess(dataDir, socketDir, address, label, "db");
        await this.waitForPostgres(child, socketDir, label);
        if (existing) {
            existing.pid = child.pid!;
            return existing;
        }
        return { address, dataDir, socketDir, pid: child.pid! };
    }

    /**
     * A MariaDB server with TLS in the database subnet at `address`, standing in for an Azure
     * Database for MySQL Flexible Server: TLS 1.2+, `require_secure_transport`, the lab CA's
     * certificate, and one user that must use TLS.
     */
    async startMariaDb(address: string, certs: Certificates, user: { login: string; password: string }): Promise<{ pid: number; address: string; socket: string }> {
        const dir = this.path("mariadb");
        const tls = path.join(dir, "tls");
        fs.mkdirSync(tls, { recursive: true, mode: 0o755 });
        for (const [from, to] of [[certs.serverCert, "server.pem"], [certs.serverKey, "server.key"], [certs.caCert, "ca.pem"]]) {
            fs.copyFileSync(from, path.join(tls, to));
        }
        run("chown", ["-R", "mysql:mysql", dir]);
        fs.chmodSync(path.join(tls, "server.key"), 0o600);
        run("mariadb-install-db", ["--no-defaults", `--datadir=${dir}/data`, "--user=mysql", "--auth-root-authentication-method=socket", "--skip-test-db"], { timeoutMs: 120_000 });
        const prefix = this.addresses.databaseSubnet.split("/")[1];
        this.exec("db", "ip", ["addr", "add", `${address}/${prefix}`, "dev", "eth0"]);
        const socket = path.join(dir, "mysqld.sock");
        const pid = this.startIn("db", "mariadb", "mariadbd", [
            "--no-defaults", `--datadir=${dir}/data`, `--socket=${socket}`, `--pid-file=${dir}/mysqld.pid`, "--user=mysql",
            `--bind-address=${address}`, "--port=3306", "--skip-name-resolve", `--log-error=${dir}/error.log`, "--innodb-buffer-pool-size=16M",
            `--ssl-cert=${tls}/server.pem`, `--ssl-key=${tls}/server.key`, `--ssl-ca=${tls}/ca.pem`,
            "--require-secure-transport=ON", "--tls-version=TLSv1.2,TLSv1.3",
        ]);
        const admin = (sql: string) => run("mariadb", ["--no-defaults", `--socket=${socket}`, "-u", "root", "-N", "-e", sql], { check: false });
        const deadline = Date.now() + 30_000;
        while (admin("select 1").status !== 0) {
            if (!isAlive(pid) || Date.now() > deadline) {
                throw new Error(`MariaDB did not start:\n${this.readIf(path.join(dir, "error.log"))}`);
            }
            await sleep(200);
        }
        const created = admin(`CREATE USER '${user.login}'@'%' IDENTIFIED BY '${user.password.replace(/'/g, "''")}' REQUIRE SSL; GRANT ALL ON *.* TO '${user.login}'@'%';`);
        if (created.status !== 0) {
            throw new Error(`MariaDB user: ${created.stderr}`);
        }
        return { pid, address, socket };
    }

    /**
     * PgBouncer on `server`'s address and port 6432, standing in for the Flexible Server's built-in
     * one: TLS toward clients with the server's certificate, TLS toward PostgreSQL, the admin role.
     */
    async startPgBouncer(server: PostgresServer, certs: Certificates, user: { login: string; password: string }): Promise<{ pid: number }> {
        const dir = this.path("pgbouncer");
        fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        fs.writeFileSync(path.join(dir, "userlist.txt"), `"${user.login}" "${user.password.replace(/"/g, '""')}"\n`, { mode: 0o600 });
        fs.writeFileSync(path.join(dir, "pgbouncer.ini"), [
            "[databases]",
            `* = host=${server.address} port=5432`,
            "[pgbouncer]",
            `listen_addr = ${server.address}`,
            "listen_port = 6432",
            `unix_socket_dir = ${dir}`,
            "auth_type = scram-sha-256",
            `auth_file = ${dir}/userlist.txt`,
            "pool_mode = transaction",
            "client_tls_sslmode = require",
            `client_tls_cert_file = ${certs.serverCert}`,
            `client_tls_key_file = ${certs.serverKey}`,
            "client_tls_protocols = secure",
            "server_tls_sslmode = require",
            `logfile = ${dir}/pgbouncer.log`,
            `pidfile = ${dir}/pgbouncer.pid`,
            "",
        ].join("\n"));
        run("chown", ["-R", "postgres:postgres", dir]);
        const pid = this.startIn("db", "pgbouncer", "setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", "pgbouncer", path.join(dir, "pgbouncer.ini")]);
        const deadline = Date.now() + 15_000;
        while (!this.listening("db", 6432)) {
            if (!isAlive(pid) || Date.now() > deadline) {
                throw new Error(`PgBouncer did not start:\n${this.logOf("pgbouncer")}${this.readIf(path.join(dir, "pgbouncer.log"))}`);
            }
            await sleep(100);
        }
        return { pid };
    }

    async stopPostgres(server: PostgresServer): Promise<void> {
        await this.stop(server.pid, "SIGINT");
    }

    /**
     * Serves `name` → `address` as Azure DNS would, from 168.63.129.16 inside the proxy namespace.
     * Returns a function that moves the name to another address (picked up by dnsmasq without a signal).
     */
    startDns(name: string, address: string, role: Role = "prx", others: Record<string, string> = {}): { pid: number; point: (address: string, which?: string) => void } {
        const hostsDir = this.path("dns-hosts");
        fs.mkdirSync(hostsDir, { mode: 0o755 });
        const hostsFile = path.join(hostsDir, "azure-private-zone");
        const answers: Record<string, string> = { [name]: address, ...others };
        const point = (to: string, which = name) => {
            answers[which] = to;
            // Written beside and renamed in, so dnsmasq never reads a half-written file.
            const staging = this.path("dns-hosts.next");
            fs.writeFileSync(staging, Object.entries(answers).map(([n, a]) => `${a} ${n}\n`).join(""), { mode: 0o644 });
            fs.renameSync(staging, hostsFile);
        };
        point(address);
        const child = this.spawnTracked("dnsmasq", "ip", ["netns", "exec", this.ns(role), "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
            "--no-resolv", "--no-hosts", `--hostsdir=${hostsDir}`, `--listen-address=${AZURE_DNS_RESOLVER}`, "--bind-interfaces", "--port=53",
            "--local-ttl=1", `--pid-file=${this.path("dnsmasq.pid")}`, "--log-queries", `--log-facility=${this.path("dnsmasq-queries.log")}`], "SIGTERM");
        return { pid: child.pid!, point };
    }

    /** Queries dnsmasq has answered so far (it logs each one), e.g. to see nginx resolving. */
    dnsQueries(): string {
        return this.readIf(this.path("dnsmasq-queries.log"));
    }

    /** Applies a sysctl file (the one cloud-init writes) to the proxy namespace's network stack. */
    applySysctl(role: Role, content: string): void {
        const file = this.path(`sysctl-${role}.conf`);
        fs.writeFileSync(file, content);
        this.exec(role, "sysctl", ["-q", "-p", file]);
    }

    /**
     * Runs nginx with `conf` (the exact bytes) in the proxy namespace. It gets private /run and
     * /var/log/nginx through a mount namespace, so the config's absolute paths work unchanged
     * without touching the host's.
     */
    async startNginx(label: string, conf: string, expectPort: number, role: Role = "prx"): Promise<NginxInstance> {
        const dir = this.path(label);
        const runDir = path.join(dir, "run");
        const logDir = path.join(dir, "log");
        fs.mkdirSync(runDir, { recursive: true, mode: 0o755 });
        fs.mkdirSync(logDir, { recursive: true, mode: 0o755 });
        const confPath = path.join(dir, "nginx.conf");
        fs.writeFileSync(confPath, conf);
        // Started the way systemd starts nginx.service on the VM: a soft limit of 1024 open files.
        const script = 'mount --bind "$1" /run && mount --bind "$2" /var/log/nginx && exec prlimit --nofile="$4" nginx -c "$3" -g "daemon off;"';
        const child = this.spawnTracked(label, "ip", ["netns", "exec", this.ns(role), "unshare", "--mount", "--propagation", "private", "--",
            "sh", "-c", script, "sh", runDir, logDir, confPath, `${SYSTEMD_OPEN_FILES_SOFT_LIMIT}:${hardOpenFileLimit()}`], "SIGTERM");
        const deadline = Date.now() + 15_000;
        while (!this.listening(role, expectPort)) {
            if (child.exitCode !== null || Date.now() > deadline) {
                throw new Error(`nginx (${label}) did not start listening on ${expectPort}:\n${this.logOf(label)}${this.readIf(path.join(logDir, "error.log"))}`);
            }
            await sleep(50);
        }
        return { pid: child.pid!, confPath, logDir, accessLog: path.join(logDir, "securepg-stream.log"), errorLog: path.join(logDir, "error.log") };
    }

    readIf(file: string): string {
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    }

    listening(role: Role, port: number): boolean {
        return this.exec(role, "ss", ["-Htln", `sport = :${port}`], { check: false }).stdout.trim().length > 0;
    }

    isRunning(pid: number): boolean {
        return this.tracked.has(pid) && isAlive(pid);
    }

    /** PIDs of a process's children (nginx workers of a master). */
    childrenOf(pid: number): number[] {
        const file = `/proc/${pid}/task/${pid}/children`;
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b) : [];
    }

    /** Stops everything the lab started and removes its namespaces and files. */
    async cleanup(): Promise<void> {
        for (const pid of [...this.tracked.keys()].reverse()) {
            await this.stop(pid);
        }
        this.cleanupSync();
    }

    private cleanupSync(): void {
        if (this.cleaned) {
            return;
        }
        this.cleaned = true;
        for (const [pid, entry] of this.tracked) {
            try {
                process.kill(pid, entry.stop);
            } catch {
                // already gone
            }
        }
        // Anything still running inside the lab's namespaces (nginx workers, postgres backends) is ours.
        for (const namespace of this.namespaces) {
            killNamespaceProcesses(namespace);
        }
        for (const namespace of this.namespaces) {
            run("ip", ["netns", "delete", namespace], { check: false });
            fs.rmSync(netnsEtc(namespace), { recursive: true, force: true });
        }
        fs.rmSync(this.root, { recursive: true, force: true });
        process.off("exit", this.onExit);
        process.off("SIGINT", this.onSignal);
        process.off("SIGTERM", this.onSignal);
    }
}
