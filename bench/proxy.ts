/**
 * `npm run bench`: what the NGINX proxy costs compared with connecting to PostgreSQL directly.
 *
 * Runs the data-plane lab (network namespaces, PostgreSQL with TLS, nginx with the exact config
 * cloud-init writes), then pgbench select-only from the VPN client namespace, alternating the proxy
 * path and the direct path round by round so both see the same machine load. Prints TPS and mean
 * latency per path, the proxy/direct ratio, and connection-setup cost (`pgbench -C`). Variants of the
 * generated config (workers, buffers, keepalive, a static upstream) show which settings move the
 * proxy closer to direct.
 *
 *   npm run bench -- [--rounds 3] [--seconds 5] [--clients 4] [--variants generated,one-worker,...] [--json file]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { withParams } from "../test/dataplane/clients";
import { postgresBinDir, missingPrerequisites, sleep } from "../test/dataplane/lab";
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
const VARIANTS: Record<string, { describe: string; withConnect: boolean; apply: (conf: string, primary: string) => string }> = {
    "generated": { describe: "the config cloud-init writes", withConnect: true, apply: (conf) => conf },
    "one-worker": { describe: "worker_processes 1", withConnect: false, apply: (conf) => conf.replace(/^worker_processes .*;$/m, "worker_processes 1;") },
    "big-buffers": { describe: "proxy_buffer_size 64k (default 16k)", withConnect: false, apply: (conf) => conf.replace(/^(\s*)proxy_pass (.*);$/m, "$1proxy_pass $2;\n$1proxy_buffer_size 64k;") },
    "no-keepalive": { describe: "without so_keepalive and proxy_socket_keepalive", withConnect: false,
        apply: (conf) => conf.replace(/ so_keepalive=\S+;/, ";").replace(/^\s*proxy_socket_keepalive on;$/m, "") },
    "static-upstream": { describe: "proxy_pass to the server's IP, no per-connection name lookup (loses failover)", withConnect: true,
        apply: (conf, primary) => conf.replace(/^(\s*)proxy_pass \$securepg_upstream;$/m, `$1proxy_pass ${primary}:5432;`) },
};

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

interface PgbenchResult {
    readonly tps: number;
    readonly latencyMs: number;
    readonly connectionMs: number | undefined;
}

function pgbench(dp: DataPlane, conninfo: string, o: Options, args: string[]): PgbenchResult {
    const bin = path.join(postgresBinDir()!, "pgbench");
    const result = dp.lab.exec("cli", bin, ["-n", "-S", "-c", String(o.clients), "-j", String(Math.min(2, o.clients)), "-T", String(o.seconds), ...args, conninfo],
        { check: false, timeoutMs: (o.seconds + 60) * 1000 });
    const out = result.stdout + result.stderr;
    const tps = /^tps = ([\d.]+)/m.exec(out);
    const latency = /^latency average = ([\d.]+) ms/m.exec(out);
    const connection = /^average connection time = ([\d.]+) ms/m.exec(out);
    if (result.status !== 0 || !tps || !latency) {
        throw new Error(`pgbench failed (${result.status}):\n${out}`);
    }
    return { tps: Number(tps[1]), latencyMs: Number(latency[1]), connectionMs: connection ? Number(connection[1]) : undefined };
}

const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

interface Comparison {
    readonly variant: string;
    readonly mode: "select-only" | "select-only, new connection per transaction (-C)";
    readonly direct: PgbenchResult[];
    readonly proxy: PgbenchResult[];
}

/** Alternates direct and proxy runs so drifting machine load hits both alike. */
function compare(dp: DataPlane, variant: string, mode: Comparison["mode"], direct: string, proxied: string, o: Options, args: string[]): Comparison {
    const result: Comparison = { variant, mode, direct: [], proxy: [] };
    for (let round = 1; round <= o.rounds; round++) {
        const [first, second] = round % 2 ? (["direct", "proxy"] as const) : (["proxy", "direct"] as const);
        for (const which of [first, second]) {
            const r = pgbench(dp, which === "direct" ? direct : proxied, o, args);
            result[which].push(r);
            process.stderr.write(`  ${variant} ${mode} round ${round} ${which}: ${r.tps.toFixed(0)} tps, ${r.latencyMs.toFixed(3)} ms${r.connectionMs ? `, connect ${r.connectionMs.toFixed(2)} ms` : ""}\n`);
        }
    }
    return result;
}

function summarise(c: Comparison): Record<string, string | number> {
    const d = { tps: median(c.direct.map((r) => r.tps)), latency: median(c.direct.map((r) => r.latencyMs)), connect: median(c.direct.map((r) => r.connectionMs ?? NaN)) };
    const p = { tps: median(c.proxy.map((r) => r.tps)), latency: median(c.proxy.map((r) => r.latencyMs)), connect: median(c.proxy.map((r) => r.connectionMs ?? NaN)) };
    const ratios = c.proxy.map((r, i) => r.tps / c.direct[i].tps);
    return {
        "variant": c.variant,
        "mode": c.mode,
        "direct tps": Math.round(d.tps),
        "proxy tps": Math.round(p.tps),
        // Paired by round (same moment, same load): steadier than a ratio of two medians.
        "proxy/direct": Number(median(ratios).toFixed(2)),
        "ratio range": `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
        "direct latency ms": Number(d.latency.toFixed(3)),
        "proxy latency ms": Number(p.latency.toFixed(3)),
        "added latency ms": Number((p.latency - d.latency).toFixed(3)),
        ...(Number.isNaN(d.connect) ? {} : { "direct connect ms": Number(d.connect.toFixed(2)), "proxy connect ms": Number(p.connect.toFixed(2)) }),
    };
}

async function main(): Promise<void> {
    const o = parseArgs(process.argv.slice(2));
    const missing = missingPrerequisites();
    if (missing.length > 0) {
        throw new Error(`the benchmark needs ${missing.join(", ")} (see .ci/run)`);
    }
    const proxy = await renderProxyFromProgram("Pulumi.dev.yaml");
    // Forwarding on: the direct path goes client → (routed) → database, one kernel hop, no nginx.
    const dp = await startDataPlane(proxy, { standby: false, forwarding: true });
    const summaries: Array<Record<string, string | number>> = [];
    try {
        const proxied = dp.conninfo;
        const direct = withParams(dp.conninfo, { hostaddr: dp.primary.address });
        const init = dp.lab.exec("cli", path.join(postgresBinDir()!, "pgbench"), ["-i", "-q", "-s", "10", direct], { check: false, timeoutMs: 300_000 });
        if (init.status !== 0) {
            throw new Error(`pgbench -i failed: ${init.stderr}`);
        }
        process.stderr.write(`machine: ${os.cpus().length} cores; ${o.rounds} rounds of ${o.seconds} s, ${o.clients} clients, TLS verify-full on both paths\n`);
        let nginx = dp.nginx;
        for (const variant of o.variants) {
            if (variant !== "generated") {
                await dp.lab.stop(nginx.pid);
                await sleep(200);
                const conf = VARIANTS[variant].apply(proxy.nginxConf, dp.primary.address);
                if (conf === proxy.nginxConf) {
                    throw new Error(`variant ${variant} no longer changes the generated config; update bench/proxy.ts`);
                }
                nginx = await dp.lab.startNginx(`nginx-${variant}`, conf, proxy.proxyPort);
            }
            summaries.push(summarise(compare(dp, variant, "select-only", direct, proxied, o, [])));
            if (VARIANTS[variant].withConnect) {
                summaries.push(summarise(compare(dp, variant, "select-only, new connection per transaction (-C)", direct, proxied, o, ["-C"])));
            }
        }
    } finally {
        await dp.lab.cleanup();
    }
    console.log(`\nsecurepg proxy benchmark (medians of ${o.rounds} rounds; variants: ${o.variants.map((v) => `${v} = ${VARIANTS[v].describe}`).join("; ")})`);
    console.table(summaries);
    if (o.json) {
        fs.writeFileSync(o.json, `${JSON.stringify({ date: new Date().toISOString(), options: o, results: summaries }, null, 2)}\n`);
    }
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
});
