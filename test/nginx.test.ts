/** The nginx stream config renderer, and a real `nginx -t` on the exact config of every stack. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { NGINX_DEFAULTS, renderNginxConfig, type NginxProxyOptions, type NginxUpstream } from "../lib/nginx";
import { CANDIDATE_NGINX_CONF, writtenFiles } from "../lib/cloudInit";
import { proxyUserData } from "../lib/proxyUserData";
import { parseStackConfig } from "../stacks";
import { loadAllStackFiles, withSections } from "./harness/stackFiles";
import { hardOpenFileLimit, requireCommands, runOnTempFile } from "./harness/tools";

const options: NginxProxyOptions = {
    ...NGINX_DEFAULTS,
    upstreams: [{ name: "postgres", listenPort: 5432, upstreamHost: "psql-securepg-dev-a1b2c3.postgres.database.azure.com", upstreamPort: 5432 }],
    allowedSources: ["172.16.201.0/24", "10.40.1.0/24"],
    resolverValidSeconds: 10,
    connectTimeoutSeconds: 5,
    idleTimeoutSeconds: 28800,
    clientKeepalive: { idleSeconds: 120, intervalSeconds: 30, probes: 4 },
};

/** `options` with its one upstream changed. */
const up = (changes: Partial<NginxUpstream>): NginxProxyOptions => ({ ...options, upstreams: [{ ...options.upstreams[0], ...changes }] });

/** The value of a directive inside `stream { server { ... } }`, e.g. directive(conf, "proxy_timeout"). */
function directives(conf: string, name: string): string[] {
    return [...conf.matchAll(new RegExp(`^\\s*${name}\\s+([^;]+);`, "gm"))].map((m) => m[1]);
}

describe("renderNginxConfig", () => {
    const conf = renderNginxConfig(options);

    it("forwards the listen port to the server name through a variable, so the name is re-resolved", () => {
        assert.deepEqual(directives(conf, "set"), ["$securepg_upstream psql-securepg-dev-a1b2c3.postgres.database.azure.com:5432"]);
        assert.deepEqual(directives(conf, "proxy_pass"), ["$securepg_upstream"]);
        assert.deepEqual(directives(conf, "resolver"), ["168.63.129.16 valid=10s ipv6=off"]);
        assert.ok(!/upstream\s+\S+\s*\{/.test(conf), "a static upstream block would resolve only once");
        assert.match(conf, /^stream \{$/m);
        assert.ok(!/^\s*http\s*\{/m.test(conf));
    });

    it("allows the VPN pool and the proxy subnet, then denies everyone else", () => {
        assert.deepEqual(directives(conf, "allow"), ["172.16.201.0/24", "10.40.1.0/24"]);
        assert.deepEqual(directives(conf, "deny"), ["all"]);
        assert.ok(conf.indexOf("deny all;") > conf.lastIndexOf("allow "), "deny all must come after the allows");
    });

    it("keeps idle pooled sessions far beyond nginx's 10-minute default and probes before Azure's 4 minutes", () => {
        const timeout = Number(/^(\d+)s$/.exec(directives(conf, "proxy_timeout")[0])?.[1]);
        assert.ok(timeout > 600, `proxy_timeout ${timeout}`);
        assert.deepEqual(directives(conf, "proxy_connect_timeout"), ["5s"]);
        assert.deepEqual(directives(conf, "proxy_socket_keepalive"), ["on"]);
        const listen = directives(conf, "listen")[0];
        const ka = /so_keepalive=(\d+)s:(\d+)s:(\d+)/.exec(listen);
        assert.ok(ka, listen);
        assert.ok(Number(ka[1]) < 240);
    });

    it("logs client, upstream, bytes and session time", () => {
        const format = conf.slice(conf.indexOf("log_format"), conf.indexOf("access_log"));
        for (const variable of ["$remote_addr", "$upstream_addr", "$bytes_sent", "$bytes_received", "$session_time"]) {
            assert.ok(format.includes(variable), variable);
        }
        assert.deepEqual(directives(conf, "access_log"), ["/var/log/nginx/securepg-stream.log securepg if=$securepg_logged"]);
        // The load balancer's probe (from Azure's platform address, every 5 s) is not logged.
        assert.match(conf, /map \$remote_addr \$securepg_logged \{\n\s+168\.63\.129\.16 0;\n\s+default 1;\n\s+\}/);
    });

    it("loads the stream module the Debian/Ubuntu way", () => {
        assert.deepEqual(directives(conf, "include"), ["/etc/nginx/modules-enabled/*.conf"]);
    });

    it("refuses values that could inject directives", () => {
        assert.throws(() => renderNginxConfig(up({ upstreamHost: "db.example.com; include /etc/passwd" })), /upstreamHost/);
        assert.throws(() => renderNginxConfig({ ...options, allowedSources: ["all"] }), /allowed source/);
        assert.throws(() => renderNginxConfig({ ...options, allowedSources: [] }), /refuse everyone/);
        assert.throws(() => renderNginxConfig({ ...options, idleTimeoutSeconds: 0 }), /idleTimeoutSeconds/);
        assert.throws(() => renderNginxConfig(up({ listenPort: 70000 })), /listenPort/);
        assert.throws(() => renderNginxConfig({ ...options, accessLogPath: "/tmp/x log" }), /accessLogPath/);
        assert.throws(() => renderNginxConfig({ ...options, resolver: "168.63.129.16 ipv6=on; include /x" }), /nginx config: resolver "168\.63\.129\.16 ipv6=on; include \/x" is not an IPv4 address/);
        assert.throws(() => renderNginxConfig({ ...options, workerProcesses: 0 }), /workerProcesses/);
        // Every pattern is anchored at both ends: nothing may ride along before or after a value.
        for (const upstreamHost of [`${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.example.com`, "db.example.com;", ";db.example.com", "-db.example.com"]) {
            assert.throws(() => renderNginxConfig(up({ upstreamHost })), /upstreamHost/, upstreamHost);
        }
        for (const upstreamHost of ["a.example.com", "db.a.b", "x"]) {
            assert.doesNotThrow(() => renderNginxConfig(up({ upstreamHost })), upstreamHost);
        }
        for (const source of ["10.0.0.0/8;", "allow 10.0.0.0/8"]) {
            assert.throws(() => renderNginxConfig({ ...options, allowedSources: [source] }), /allowed source/, source);
        }
        for (const resolver of ["168.63.129.16;", "x168.63.129.16"]) {
            assert.throws(() => renderNginxConfig({ ...options, resolver }), /resolver/, resolver);
        }
        assert.throws(() => renderNginxConfig({ ...options, errorLogPath: "/tmp/e log" }), /nginx config: errorLogPath "\/tmp\/e log" is not an absolute path/);
        assert.throws(() => renderNginxConfig({ ...options, pidPath: "run/nginx.pid" }), /nginx config: pidPath "run\/nginx\.pid" is not an absolute path/);
        for (const accessLogPath of ["var/log/x.log", "x/var/log/x.log", "/var/log/x.log;"]) {
            assert.throws(() => renderNginxConfig({ ...options, accessLogPath }), /accessLogPath/, accessLogPath);
        }
        assert.throws(() => renderNginxConfig({ ...options, user: "www-data; daemon off" }), /nginx config: user "www-data; daemon off" is not a user name/);
        assert.throws(() => renderNginxConfig({ ...options, workerProcesses: 1025 }), /workerProcesses/);
    });

    it("takes whole numbers from 1 to each setting's limit, and names the setting it refuses", () => {
        const numeric = {
            listenPort: 65535, upstreamPort: 65535, resolverValidSeconds: 2 ** 31 - 1, connectTimeoutSeconds: 2 ** 31 - 1,
            idleTimeoutSeconds: 2 ** 31 - 1, workerConnections: 1_000_000,
        } as const;
        const withValue = (key: string, value: number) => (key === "listenPort" || key === "upstreamPort" ? up({ [key]: value }) : { ...options, [key]: value });
        for (const [key, max] of Object.entries(numeric)) {
            assert.doesNotThrow(() => renderNginxConfig(withValue(key, 1)), `${key} 1`);
            assert.doesNotThrow(() => renderNginxConfig(withValue(key, max)), `${key} ${max}`);
            assert.throws(() => renderNginxConfig(withValue(key, max + 1)), new RegExp(`^Error: nginx config: ${key} must be a whole number from 1 to ${max}, got ${max + 1}$`));
            assert.throws(() => renderNginxConfig(withValue(key, 0)), new RegExp(`nginx config: ${key} must be`));
            assert.throws(() => renderNginxConfig(withValue(key, 1.5)), new RegExp(`nginx config: ${key} must be`));
        }
        for (const key of ["idleSeconds", "intervalSeconds", "probes"] as const) {
            assert.throws(() => renderNginxConfig({ ...options, clientKeepalive: { ...options.clientKeepalive, [key]: 0 } }), new RegExp(`nginx config: clientKeepalive\\.${key} must be`));
        }
    });

    it("gives each further upstream a server of its own, and leaves the single-server config as it was", () => {
        const single = renderNginxConfig(options);
        const several = renderNginxConfig({ ...options, upstreams: [...options.upstreams, { name: "pgbouncer", listenPort: 6432, upstreamHost: options.upstreams[0].upstreamHost, upstreamPort: 6432 }, { name: "orders-mysql", listenPort: 3306, upstreamHost: "mysql-orders.mysql.database.azure.com", upstreamPort: 3306 }] });
        assert.equal(several.split("\n    # pgbouncer\n")[0], single.slice(0, -2), "the stack's own server block first, unchanged");
        assert.deepEqual(directives(several, "listen").map((l) => l.split(" ")[0]), ["5432", "6432", "3306"]);
        assert.deepEqual(directives(several, "set"), [`$securepg_upstream ${options.upstreams[0].upstreamHost}:5432`, `$securepg_upstream ${options.upstreams[0].upstreamHost}:6432`, "$securepg_upstream mysql-orders.mysql.database.azure.com:3306"]);
        assert.equal(directives(several, "deny").length, 3, "every server denies all but the allowed sources");
        assert.equal(directives(several, "proxy_timeout").length, 3);
        assert.throws(() => renderNginxConfig({ ...options, upstreams: [] }), /no upstreams/);
        assert.throws(() => renderNginxConfig({ ...options, upstreams: [options.upstreams[0], { ...options.upstreams[0], name: "again" }] }), /two upstreams listen on 5432/);
        assert.throws(() => renderNginxConfig(up({ name: "x; include /etc/passwd" })), /upstream name/);
    });

    it("runs a fixed number of workers when asked, and one per core by default", () => {
        assert.deepEqual(directives(conf, "worker_processes"), ["auto"]);
        assert.deepEqual(directives(renderNginxConfig({ ...options, workerProcesses: 2 }), "worker_processes"), ["2"]);
    });
});

describe("nginx -t on the rendered config", () => {
    const stacks = loadAllStackFiles();
    for (const stackFile of stacks) {
        it(`accepts the exact config cloud-init writes for stack ${stackFile.stack}`, (t) => {
            if (!requireCommands(t, ["nginx"])) return;
            const config = parseStackConfig({ project: "securepg", stack: stackFile.stack, values: stackFile.config });
            const conf = writtenFiles(proxyUserData(config, `psql-securepg-${stackFile.stack}-a1b2c3.postgres.database.azure.com`)).get(CANDIDATE_NGINX_CONF);
            assert.ok(conf);
            const result = nginxTest(conf);
            assert.equal(result.status, 0, result.output);
            assert.match(result.output, /test is successful/);
        });
    }

    it("accepts a config with PgBouncer, two more targets and site networks", (t) => {
        if (!requireCommands(t, ["nginx"])) return;
        const dev = stacks.find((f) => f.stack === "dev")!;
        const config = parseStackConfig({ project: "securepg", stack: "dev", values: withSections(dev.config, {
            database: { skuName: "Standard_D2ds_v5", tier: "GeneralPurpose", pgbouncer: true },
            vpn: { sites: [{ name: "hq", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"] }] },
            proxy: { targets: [{ name: "reports", host: "psql-reports.postgres.database.azure.com", port: 5432, listenPort: 15432 }, { name: "orders-mysql", host: "mysql-orders.mysql.database.azure.com", port: 3306, listenPort: 3306 }] },
        }) });
        const conf = writtenFiles(proxyUserData(config, "psql-securepg-dev-a1b2c3.postgres.database.azure.com")).get(CANDIDATE_NGINX_CONF)!;
        assert.deepEqual(directives(conf, "listen").map((l) => l.split(" ")[0]), ["5432", "6432", "15432", "3306"]);
        assert.equal(directives(conf, "allow").filter((a) => a === "192.168.10.0/24").length, 4, "the site is admitted on every port");
        const result = nginxTest(conf);
        assert.equal(result.status, 0, result.output);
        assert.match(result.output, /test is successful/);
    });

    it("raises the workers' open-file limit above worker_connections, so systemd's 1024 does not cap sessions", (t) => {
        if (!requireCommands(t, ["nginx", "prlimit"])) return;
        const conf = renderNginxConfig(options);
        const connections = Number(directives(conf, "worker_connections")[0]);
        const limit = Number(directives(conf, "worker_rlimit_nofile")[0]);
        assert.ok(connections >= 1024, `worker_connections ${connections}`);
        assert.ok(limit >= connections, `worker_rlimit_nofile ${limit} < worker_connections ${connections}`);
        // What systemd gives a service: a soft limit of 1024 (the hard limit stays as this machine allows).
        const underSystemd = (text: string) => runOnTempFile("nginx.conf", text, "prlimit", (file) => [`--nofile=1024:${hardOpenFileLimit()}`, "nginx", "-t", "-c", file]);
        const generated = underSystemd(conf);
        assert.equal(generated.status, 0, generated.output);
        assert.doesNotMatch(generated.output, /exceed open file resource limit/);
        // The same config without the directive: nginx itself warns, so the check above is real.
        const without = underSystemd(conf.replace(/^worker_rlimit_nofile .*$/m, ""));
        assert.match(without.output, /worker_connections exceed open file resource limit: 1024/);
    });

    it("rejects a broken config (the check is real)", (t) => {
        if (!requireCommands(t, ["nginx"])) return;
        const broken = renderNginxConfig(options).replace("proxy_socket_keepalive on;", "proxy_socket_keepalive maybe;");
        const result = nginxTest(broken);
        assert.notEqual(result.status, 0);
        assert.match(result.output, /proxy_socket_keepalive/);
    });
});

function nginxTest(conf: string): { status: number | null; output: string } {
    return runOnTempFile("nginx.conf", conf, "nginx", (file) => ["-t", "-c", file]);
}
