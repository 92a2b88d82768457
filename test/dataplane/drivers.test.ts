/**
 * From `npm run connect` to a connected client, for real, with every kind of driver. The real
 * program's outputs (under mocks) feed the real CLI; it writes the service file, pgpass, the CA
 * bundle and, with --hosts, the hosts entry into the VPN client's namespace (`ip netns exec`
 * mounts it over /etc/hosts). Then psql (service), psycopg2 (libpq, by name), node-postgres and
 * pgjdbc connect through the nginx config cloud-init writes, each with the settings the CLI
 * printed, with full verification; each is also shown to refuse a wrong CA and a wrong host name.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { hasCommand, skipLoudly } from "../harness/tools";
import { PROJECT_ROOT, stackFileNames } from "../harness/stackFiles";
import { vpnProfileZip } from "../harness/vpnProfileZip";
import { cleanClientEnv, run, type Lab } from "./lab";
import { renderProxyFromProgram } from "./program";
import { requireLab, startDataPlane } from "./setup";

const PROBES = path.join(__dirname, "drivers");
const PGJDBC_JAR = "/usr/share/java/postgresql.jar";
/** Azure's real roots: they did not sign the lab's server certificate, so they are a wrong CA here. */
const AZURE_BUNDLE = path.join(PROJECT_ROOT, "assets", "azure-postgres-roots.pem");
const CLIENT = "lab-laptop";
/** Debian's interpreter, which python3-psycopg2 installs into (a pyenv or venv python3 first on PATH would not see it). */
const DEBIAN_PYTHON = "/usr/bin/python3";

interface Probe {
    readonly ok: boolean;
    readonly user?: string;
    readonly via?: string;
    readonly ssl?: boolean;
    readonly error?: string;
}

function requireDrivers(t: Parameters<typeof requireLab>[0]): boolean {
    const missing = ["java"].filter((c) => !hasCommand(c));
    if (!fs.existsSync(PGJDBC_JAR)) {
        missing.push("libpostgresql-jdbc-java");
    }
    if (run(DEBIAN_PYTHON, ["-c", "import psycopg2"], { check: false }).status !== 0) {
        missing.push("python3-psycopg2");
    }
    return missing.length === 0 || skipLoudly(t, `MISSING ${missing.join(", ")}: the driver tests need them (see .ci/run)`);
}

/** Runs a probe in the VPN client's namespace and reads the one JSON line it prints. */
function probe(lab: Lab, command: string, args: string[], env: Record<string, string>): Probe {
    const result = lab.exec("cli", command, args, { check: false, env: cleanClientEnv({ HOME: lab.path("home"), ...env }), timeoutMs: 120_000 });
    const line = result.stdout.trim().split("\n").pop() ?? "";
    try {
        return JSON.parse(line) as Probe;
    } catch {
        throw new Error(`${command} printed no result (exit ${result.status}): ${result.stdout}${result.stderr}`);
    }
}

describe("every driver connects with what `npm run connect` wrote, and verifies the server", () => {
    for (const stackFile of stackFileNames()) {
        it(`${stackFile}: psql service, psycopg2, node-postgres and pgjdbc; each refuses a wrong CA and a wrong host name`, async (t) => {
            if (!requireLab(t) || !requireDrivers(t)) {
                return;
            }
            const proxy = await renderProxyFromProgram(stackFile, { vpn: { clients: [CLIENT] } });
            const plane = await startDataPlane(proxy, { standby: false });
            const { lab } = plane;
            try {
                const stack = stackFile.replace(/^Pulumi\.|\.yaml$/g, "");
                const bin = lab.path("bin");
                fs.mkdirSync(bin);
                fs.mkdirSync(lab.path("home"));
                fs.writeFileSync(lab.path("outputs.json"), JSON.stringify(proxy.outputs));
                fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\ncat "${lab.path("outputs.json")}"\n`, { mode: 0o755 });
                fs.writeFileSync(lab.path("profile.zip"), vpnProfileZip("certificate"));
                const hostsFile = lab.hostsFile("cli");
                const cli = run(process.execPath, [
                    "--import", "tsx", path.join(PROJECT_ROOT, "scripts", "connect.ts"),
                    "--stack", stack, "--client", CLIENT, "--profile-zip", lab.path("profile.zip"),
                    "--ca-bundle", plane.certs.caCert, "--hosts", "--hosts-file", hostsFile, "--json",
                ], { check: false, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: lab.path("home") } });
                assert.equal(cli.status, 0, cli.stderr);
                const { drivers, service } = JSON.parse(cli.stdout);
                assert.equal(service.file, lab.path("home", ".pg_service.conf"));
                assert.match(fs.readFileSync(hostsFile, "utf8"), new RegExp(`^${proxy.proxyPrivateIp.replace(/\./g, "\\.")} ${proxy.serverFqdn.replace(/\./g, "\\.")}$`, "m"));

                // A name that reaches the same proxy but is not on the certificate.
                const wrongHost = `wrong-${proxy.serverFqdn}`;
                fs.appendFileSync(hostsFile, `${proxy.proxyPrivateIp} ${wrongHost}\n`);
                const caFile: string = drivers.nodePostgres.ssl.caFile;
                const fqdn = proxy.serverFqdn;
                const expectConnected = (name: string, result: Probe) => {
                    assert.ok(result.ok, `${name}: ${result.error}`);
                    assert.equal(result.user, proxy.adminLogin, name);
                    assert.equal(result.ssl, true, `${name} uses TLS end to end`);
                    assert.equal(result.via, lab.addresses.proxy, `${name} came through the proxy`);
                };
                const expectRefused = (name: string, result: Probe, reason: RegExp) => {
                    assert.equal(result.ok, false, `${name} must not connect`);
                    assert.match(result.error ?? "", reason, name);
                };

                // psql and psycopg2, on libpq: the service (hostaddr, no name resolution), and by name.
                const psql = (conninfo: string): Probe => {
                    const r = lab.exec("cli", "psql", ["-X", "-A", "-t", "-F", " ", "-d", conninfo, "-c",
                        "select current_user, host(inet_client_addr()), (select ssl from pg_stat_ssl where pid = pg_backend_pid())"], { check: false, env: cleanClientEnv({ HOME: lab.path("home") }) });
                    const [user, via, ssl] = r.stdout.trim().split(" ");
                    return r.status === 0 ? { ok: true, user, via, ssl: ssl === "t" } : { ok: false, error: r.stderr };
                };
                expectConnected("psql service", psql(drivers.libpqService));
                expectRefused("psql service, wrong CA", psql(`${drivers.libpqService} sslrootcert=${AZURE_BUNDLE}`), /certificate verify failed/);
                expectRefused("psql service, wrong host", psql(`${drivers.libpqService} host=${wrongHost}`), /server certificate for "[^"]+" does not match host name/);
                const psycopg = (conninfo: string) => probe(lab, DEBIAN_PYTHON, [path.join(PROBES, "psycopg_probe.py"), conninfo], {});
                expectConnected("psycopg2", psycopg(drivers.libpq));
                expectConnected("psycopg2 service", psycopg(drivers.libpqService));
                expectRefused("psycopg2, wrong CA", psycopg(drivers.libpq.replace(caFile, AZURE_BUNDLE)), /certificate verify failed/);
                expectRefused("psycopg2, wrong host", psycopg(drivers.libpq.replace(fqdn, wrongHost)), /does not match host name/);

                // node-postgres: the password from PGPASSWORD (its pgpass support is deprecated).
                const nodePg = (settings: unknown) => probe(lab, process.execPath, [path.join(PROBES, "pg-probe.mjs"), JSON.stringify(settings)], { PGPASSWORD: proxy.adminPassword });
                expectConnected("node-postgres", nodePg(drivers.nodePostgres));
                expectRefused("node-postgres, wrong CA", nodePg({ ...drivers.nodePostgres, ssl: { ...drivers.nodePostgres.ssl, caFile: AZURE_BUNDLE } }), /^UNABLE_TO_VERIFY_LEAF_SIGNATURE /);
                expectRefused("node-postgres, wrong host", nodePg({ ...drivers.nodePostgres, host: wrongHost }), /ERR_TLS_CERT_ALTNAME_INVALID/);

                // pgjdbc on the JRE: the password from the pgpass file the CLI wrote.
                const jdbc = (url: string) => probe(lab, "java", ["-cp", PGJDBC_JAR, path.join(PROBES, "JdbcProbe.java"), url], drivers.environment);
                expectConnected("pgjdbc", jdbc(drivers.jdbc));
                expectRefused("pgjdbc, wrong CA", jdbc(drivers.jdbc.replace(caFile, AZURE_BUNDLE)), /PKIX path building failed/);
                expectRefused("pgjdbc, wrong host", jdbc(drivers.jdbc.replace(fqdn, wrongHost)), /could not be verified by hostnameverifier/i);
            } finally {
                await lab.cleanup();
            }
        });
    }
});
