/**
 * `npm run bench`: what the NGINX proxy costs, in CPU and in throughput, and what that means for
 * sizing the proxy tier.
 *
 * Runs the data-plane lab (network namespaces, PostgreSQL with TLS, nginx with the exact config
 * cloud-init writes) and pgbench select-only from the VPN client's namespace over three paths, round
 * by round so all see the same machine load:
 * - direct: routed by the proxy namespace's kernel to PostgreSQL (no proxy at all);
 * - dnat: a kernel DNAT in the proxy namespace (the floor for any proxy: Azure's load balancer works so);
 * - nginx: the generated config (and variants of it).
 * For each it reports TPS, the ratio to direct (paired per round), mean latency and the added
 * latency, and the CPU time per transaction of nginx, of PostgreSQL and of the whole machine.
 * Each is measured unpinned (everything shares both cores) and pinned (nginx alone on one core,
 * client and server on the other: the proxy on a VM of its own). Finally it sizes the tier: what
 * each proxy VM size sustains from the measured nginx cost, against what the default prod server
 * sustains from PostgreSQL's.
 *
 *   npm run bench -- [--rounds 3] [--seconds 5] [--clients 4] [--variants generated,reuseport,...] [--json file]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROXY_VM_SIZES, tierCapacity, transactionsPerSecond } from "../lib/sizing";
import { ENVIRONMENT_DEFAULTS } from "../stacks/defaults";
import { withParams } from "../test/dataplane/clients";
import { postgresBinDir, missingPrerequisites, run, sleep } from "../test/dataplane/lab";
import { renderProxyFromProgram } from "../test/dataplane/program";
import { startDataPlane, type DataPlane } from "../test/dataplane/setup";

interface Options {
    rounds: number;
    seconds: number;
    clients: number;
    variants: string[];
    json: string | undefined;
}

/** Experimental changes to the generated nginx.conf; "generated" is what the VM runs. */
const VARIANTS: Record<string, { describe: string; apply: (conf: string) => string }> = {
    "generated": { describe: "the config cloud-init writes", apply: (conf) => conf },
    "reuseport": { describe: "listen … reuseport (one accept queue per worker)", apply: (conf) => conf.replace(/^(\s*listen \d+) /m, "$1 reuseport ") },
    "one-worker": { describe: "worker_processes 1", apply: (conf) => conf.replace(/^worker_processes .*;$/m, "worker_processes 1;") },
    "big-buffers": { describe: "proxy_buffer_size 64k (default 16k)", apply: (conf) => conf.replace(/^(\s*)proxy_pass (.*);$/m, "$1proxy_pass $2;\n$1proxy_buffer_size 64k;") },
};

/** The port of the benchmark's kernel DNAT path in the proxy namespace. */
const DNAT_PORT = 15432;
const CLOCK_TICKS = Number(run("getconf", ["CLK_TCK"]).stdout.trim());

function parseArgs(argv: string[]): Options {
    const options: Options = { rounds: 3, seconds: 5, clients: 4, variants: Object.keys(VARIANTS), json: undefined };
    for (let i = 0; i < argv.length; i += 2) {
        const [flag, value] = [argv[i], argv[i + 1]];
        const number = () => {
            const n = Number(value);
            if (!Number.isInteger(n) || n < 1) {
                throw new Error(`${flag} needs a whole number, got ${value}`);
            }
            return n;
        };
        switch (flag) {
            case "--rounds": options.rounds = number(); break;
            case "--seconds": options.seconds = number(); break;
            case "--clients": options.clients = number(); break;
            case "--json": options.json = value; break;
            case "--variants":
                options.variants = value.split(",");
                for (const v of options.variants) {
                    if (!VARIANTS[v]) {
                        throw new Error(`unknown variant ${v}; known: ${Object.keys(VARIANTS).join(", ")}`);
                    }
                }
                break;
            default: throw new Error(`unknown option ${flag}`);
        }
    }
    return options;
}

// ------------------------------------------------------------------------------------------------
// CPU accounting
// ------------------------------------------------------------------------------------------------

/** utime+stime of a process, and cutime+cstime of the children it has reaped, in clock ticks. */
function processTicks(pid: number): { own: number; reaped: number } {
    try {
        // Fields after the command name (which may contain spaces) start at field 3.
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return { own: Number(fields[11]) + Number(fields[12]), reaped: Number(fields[13]) + Number(fields[14]) };
    } catch {
        return { own: 0, reaped: 0 };
    }
}

function children(pid: number): number[] {
    try {
        return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number);
    } catch {
        return [];
    }
}

/**
 * CPU ticks a server (nginx master, PostgreSQL postmaster) and its children used so far: the live
 * children's own time plus everything the parent reaped (a finished backend's whole life).
 */
function serverTicks(root: number): number {
    const self = processTicks(root);
    return self.own + self.reaped + children(root).reduce((sum, child) => sum + processTicks(child).own, 0);
}

/** Busy ticks of the whole machine (every CPU, everything but idle and iowait). */
function machineBusyTicks(): number {
    const [, ...values] = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = values.map(Number);
    return user + nice + system + irq + softirq + steal;
}

const microsPerTransaction = (ticks: number, transactions: number) => (ticks * 1_000_000) / CLOCK_TICKS / transactions;

// ------------------------------------------------------------------------------------------------
// Runs
// ------------------------------------------------------------------------------------------------

interface Measurement {
    readonly tps: number;
    readonly latencyMs: number;
    readonly transactions: number;
    readonly nginxMicros: number;
    readonly postgresMicros: number;
    readonly machineMicros: number;
    /** How busy the machine's CPUs were, 0–1: a TPS ratio measures CPU cost only near 1. */
    readonly machineBusy: number;
}

interface Bench {
    readonly dp: DataPlane;
    nginxPid: number;
    readonly o: Options;
}

function pgbench(b: Bench, conninfo: string, pinned: boolean): Measurement {
    const bin = path.join(postgresBinDir()!, "pgbench");
    const command = pinned ? ["taskset", "-c", "0", bin] : [bin];
    const before = { nginx: serverTicks(b.nginxPid), postgres: serverTicks(b.dp.primary.pid), machine: machineBusyTicks(), at: process.hrtime.bigint() };
    const result = b.dp.lab.exec("cli", command[0], [...command.slice(1), "-n", "-S", "-c", String(b.o.clients), "-j", String(Math.min(2, b.o.clients)),
        "-T", String(b.o.seconds), conninfo], { check: false, timeoutMs: (b.o.seconds + 60) * 1000 });
    const after = { nginx: serverTicks(b.nginxPid), postgres: serverTicks(b.dp.primary.pid), machine: machineBusyTicks(), at: process.hrtime.bigint() };
    const out = result.stdout + result.stderr;
    const tps = /^tps = ([\d.]+)/m.exec(out);
    const latency = /^latency average = ([\d.]+) ms/m.exec(out);
    const transactions = /^number of transactions actually processed: (\d+)/m.exec(out);
    if (result.status !== 0 || !tps || !latency || !transactions) {
        throw new Error(`pgbench failed (${result.status}):\n${out}`);
    }
    const n = Number(transactions[1]);
    return {
        tps: Number(tps[1]), latencyMs: Number(latency[1]), transactions: n,
        nginxMicros: microsPerTransaction(after.nginx - before.nginx, n),
        postgresMicros: microsPerTransaction(after.postgres - before.postgres, n),
        machineMicros: microsPerTransaction(after.machine - before.machine, n),
        machineBusy: (after.machine - before.machine) / CLOCK_TICKS / (Number(after.at - before.at) / 1e9) / os.cpus().length,
    };
}

/** nginx alone on CPU 1; PostgreSQL (and its future backends) and the client on CPU 0. */
function pin(b: Bench, pinned: boolean): void {
    const cpus = (all: string, one: string) => (pinned ? one : all);
    for (const pid of [b.nginxPid, ...children(b.nginxPid)]) {
        run("taskset", ["-a", "-p", "-c", cpus("0,1", "1"), String(pid)]);
    }
    for (const pid of [b.dp.primary.pid, ...children(b.dp.primary.pid)]) {
        run("taskset", ["-a", "-p", "-c", cpus("0,1", "0"), String(pid)]);
    }
}

const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

type PathName = "direct" | "dnat" | "nginx";

/** Runs every path once per round, in an order that rotates so drifting load hits each alike. */
function compare(b: Bench, paths: Record<PathName, string>, which: PathName[], pinned: boolean, label: string): Record<PathName, Measurement[]> {
    pin(b, pinned);
    const results = Object.fromEntries(which.map((p) => [p, [] as Measurement[]])) as Record<PathName, Measurement[]>;
    for (let round = 0; round < b.o.rounds; round++) {
        const order = which.map((_, i) => which[(i + round) % which.length]);
        for (const p of order) {
            const m = pgbench(b, paths[p], pinned);
            results[p].push(m);
            process.stderr.write(`  ${label} ${pinned ? "pinned" : "unpinned"} round ${round + 1} ${p}: ${m.tps.toFixed(0)} tps, ${m.latencyMs.toFixed(3)} ms, ` +
                `nginx ${m.nginxMicros.toFixed(1)} µs, postgres ${m.postgresMicros.toFixed(1)} µs, machine ${m.machineMicros.toFixed(1)} µs per transaction, CPUs ${(100 * m.machineBusy).toFixed(0)}% busy\n`);
        }
    }
    return results;
}

interface Row {
    readonly variant: string;
    readonly path: PathName;
    readonly pinned: boolean;
    readonly tps: number;
    readonly ratio: number;
    readonly ratioRange: string;
    readonly latencyMs: number;
    readonly addedLatencyMs: number;
    readonly nginxMicros: number;
    readonly postgresMicros: number;
    readonly machineMicros: number;
    readonly busyPercent: number;
}

function rows(variant: string, results: Record<PathName, Measurement[]>, pinned: boolean): Row[] {
    const direct = results.direct;
    return (Object.keys(results) as PathName[]).map((p) => {
        const ratios = results[p].map((m, i) => m.tps / direct[i].tps);
        const m = (f: (x: Measurement) => number) => median(results[p].map(f));
        return {
            variant, path: p, pinned,
            tps: Math.round(m((x) => x.tps)),
            // Paired by round (same moment, same load): steadier than a ratio of two medians.
            ratio: Number(median(ratios).toFixed(2)),
            ratioRange: `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
            latencyMs: Number(m((x) => x.latencyMs).toFixed(3)),
            addedLatencyMs: Number((m((x) => x.latencyMs) - median(direct.map((x) => x.latencyMs))).toFixed(3)),
            nginxMicros: Number(m((x) => x.nginxMicros).toFixed(1)),
            postgresMicros: Number(m((x) => x.postgresMicros).toFixed(1)),
            machineMicros: Number(m((x) => x.machineMicros).toFixed(1)),
            busyPercent: Math.round(100 * m((x) => x.machineBusy)),
        };
    });
}

/**
 * The sizing table and the prod check, from the generated config's measured costs. Conservative on
 * both sides: nginx's cost is the higher of its pinned and shared medians (sharing cores costs it
 * context switches and cache), PostgreSQL's the lower (a cheaper server transaction means a server
 * that serves more, which the proxies must outrun). The hop's whole cost on the machine (CPU per
 * transaction through nginx minus direct: nginx, the kernel's second connection, the wake-ups it
 * causes elsewhere) is reported beside it as an upper bound.
 */
function sizing(rows: Row[]) {
    const generated = (p: PathName) => rows.filter((r) => r.variant === "generated" && r.path === p);
    const nginx = Math.max(...generated("nginx").map((r) => r.nginxMicros));
    const postgres = Math.min(...generated("direct").map((r) => r.postgresMicros));
    const hop = Math.max(...generated("nginx").map((r) => r.machineMicros - generated("direct").find((d) => d.pinned === r.pinned)!.machineMicros));
    const prod = ENVIRONMENT_DEFAULTS.prod;
    const against = (proxyMicros: number) => tierCapacity({
        instances: Number(prod.proxy.instances), proxySize: String(prod.proxy.vmSize), serverSku: String(prod.database.skuName),
        nginxMicrosPerTransaction: proxyMicros, postgresMicrosPerTransaction: postgres,
    });
    const table = PROXY_VM_SIZES.map((size) => ({
        "VM size": size.name, "vCPUs": size.vCpus,
        "sustained (baseline) TPS": Math.round(transactionsPerSecond(size.vCpus * size.sustainedFraction, nginx)),
        "full-CPU TPS": Math.round(transactionsPerSecond(size.vCpus, nginx)),
    }));
    return {
        nginxMicros: nginx, postgresMicros: postgres, hopMicros: Number(hop.toFixed(1)), table,
        prod: { instances: prod.proxy.instances, proxySize: prod.proxy.vmSize, serverSku: prod.database.skuName, ...against(nginx), ratioAtHopCost: Number(against(hop).ratio.toFixed(2)) },
    };
}

async function main(): Promise<void> {
    const o = parseArgs(process.argv.slice(2));
    const missing = missingPrerequisites();
    if (missing.length > 0) {
        throw new Error(`the benchmark needs ${missing.join(", ")} (see .ci/run)`);
    }
    if (os.cpus().length < 2) {
        throw new Error("the benchmark pins nginx and PostgreSQL to different CPUs: it needs 2");
    }
    const proxy = await renderProxyFromProgram("Pulumi.dev.yaml");
    // Forwarding on: the direct and DNAT paths are routed by the proxy namespace's kernel.
    const dp = await startDataPlane(proxy, { standby: false, forwarding: true });
    const all: Row[] = [];
    try {
        const a = dp.lab.addresses;
        dp.lab.exec("prx", "nft", ["-f", "-"], { input: `table ip bench {\n chain prerouting {\n  type nat hook prerouting priority dstnat; policy accept;\n  ip daddr ${a.proxy} tcp dport ${DNAT_PORT} dnat to ${dp.primary.address}:5432\n }\n}\n` });
        const paths: Record<PathName, string> = {
            direct: withParams(dp.conninfo, { hostaddr: dp.primary.address }),
            dnat: withParams(dp.conninfo, { port: DNAT_PORT }),
            nginx: dp.conninfo,
        };
        const init = dp.lab.exec("cli", path.join(postgresBinDir()!, "pgbench"), ["-i", "-q", "-s", "10", paths.direct], { check: false, timeoutMs: 300_000 });
        if (init.status !== 0) {
            throw new Error(`pgbench -i failed: ${init.stderr}`);
        }
        process.stderr.write(`machine: ${os.cpus().length} cores; ${o.rounds} rounds of ${o.seconds} s, ${o.clients} clients, TLS verify-full on every path\n`);
        const b: Bench = { dp, nginxPid: dp.nginx.pid, o };
        for (const variant of o.variants) {
            if (variant !== "generated") {
                await dp.lab.stop(b.nginxPid);
                await sleep(200);
                const conf = VARIANTS[variant].apply(proxy.nginxConf);
                if (conf === proxy.nginxConf) {
                    throw new Error(`variant ${variant} no longer changes the generated config; update bench/proxy.ts`);
                }
                b.nginxPid = (await dp.lab.startNginx(`nginx-${variant}`, conf, proxy.proxyPort)).pid;
            }
            const which: PathName[] = variant === "generated" ? ["direct", "dnat", "nginx"] : ["direct", "nginx"];
            for (const pinned of [false, true]) {
                all.push(...rows(variant, compare(b, paths, which, pinned, variant), pinned));
            }
        }
    } finally {
        await dp.lab.cleanup();
    }
    const sized = sizing(all);
    console.log(`\nsecurepg proxy benchmark: medians of ${o.rounds} rounds of ${o.seconds} s, ${o.clients} clients (variants: ${o.variants.map((v) => `${v} = ${VARIANTS[v].describe}`).join("; ")})`);
    console.table(all.map((r) => ({ ...r, path: r.path, pinned: r.pinned ? "pinned" : "shared" })));
    console.log(`\nSizing from the generated config: nginx ${sized.nginxMicros} µs (the higher of pinned and shared) and PostgreSQL ${sized.postgresMicros} µs (the lower) ` +
        `of CPU per select-only transaction; the whole hop, on the machine, at most ${sized.hopMicros} µs`);
    console.table(sized.table);
    const p = sized.prod;
    console.log(`prod defaults: ${p.instances} × ${p.proxySize} sustain ${Math.round(p.proxyTps)} TPS against ${Math.round(p.serverTps)} for ${p.serverSku}: ` +
        `${p.ratio.toFixed(1)}× (${p.ratio >= 2 ? "at least twice: OK" : "LESS THAN TWICE: raise the prod proxy size or count"}); ${p.ratioAtHopCost}× at the whole hop's cost`);
    if (o.json) {
        fs.writeFileSync(o.json, `${JSON.stringify({ date: new Date().toISOString(), machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}`, options: o, results: all, sizing: sized }, null, 2)}\n`);
    }
}

main().catch((error) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    process.exitCode = 1;
});
