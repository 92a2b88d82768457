/**
 * More databases through the same proxy, for real: the nginx config the program renders for a
 * stack with a site-to-site network and a second PostgreSQL target, run in the lab. Each target is
 * reached on its own listen port, with full verification, from a VPN client and from a client on
 * the site's network; an outsider is refused on every port; a target's failover is followed on its
 * port alone. MariaDB with TLS stands in for Azure Database for MySQL, Debian's PgBouncer for the
 * server's built-in one.
 */
import { describe, it } from "node:test";
import * as fs from "node:fs";
import * as assert from "node:assert/strict";
import { intToIpv4, parseCidr, type Ipv4Cidr } from "../../lib/cidr";
import { psql } from "./clients";
import { sleep } from "./lab";
import { renderProxyFromProgram } from "./program";
import { requireLab, startDataPlane } from "./setup";
import { requireCommands } from "../harness/tools";

const SITE = { name: "hq", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"] };
const REPORTS = { name: "reports", host: "psql-reports.postgres.database.azure.com", port: 5432, listenPort: 15432 };
const ORDERS = { name: "orders-mysql", host: "mysql-orders.mysql.database.azure.com", port: 3306, listenPort: 3306 };

describe("a second target through the proxy, from the VPN and from a site", () => {
    it("each port reaches its own server with verify-full, for both kinds of client; outsiders are refused; a target's failover is followed", async (t) => {
        if (!requireLab(t) || !requireCommands(t, ["mariadbd", "mariadb-install-db", "mariadb", "pgbouncer"])) {
            return;
        }
        const proxy = await renderProxyFromProgram("Pulumi.dev.yaml", {
            database: { skuName: "Standard_D2ds_v5", tier: "GeneralPurpose", pgbouncer: true },
            vpn: { sites: [SITE] },
            proxy: { targets: [REPORTS, ORDERS] },
        });
        const sitePrefix = parseCidr(SITE.addressPrefixes[0]) as Ipv4Cidr;
        const plane = await startDataPlane(proxy, { site: { address: intToIpv4(sitePrefix.first + 20), prefixLength: sitePrefix.prefixLength }, targetNames: [REPORTS.host, ORDERS.host] });
        const { lab } = plane;
        try {
            const [primary, second] = lab.addresses.databases;
            const conninfo = (host: string, port: number, extra = "") =>
                `host=${host} hostaddr=${lab.addresses.proxy} port=${port} dbname=${proxy.databaseName} user=${proxy.adminLogin} password=${proxy.adminPassword} sslmode=verify-full sslrootcert=${plane.certs.caCert}${extra}`;
            const reached = (role: "cli" | "site", host: string, port: number) => {
                const r = psql(lab, role, conninfo(host, port), "select host(inet_server_addr()) || ' ' || (select ssl from pg_stat_ssl where pid = pg_backend_pid())");
                assert.equal(r.status, 0, `${role} to ${host}:${port}: ${r.stderr}`);
                return r.stdout.trim();
            };
            for (const role of ["cli", "site"] as const) {
                assert.equal(reached(role, proxy.serverFqdn, proxy.proxyPort), `${primary} true`, `${role}: the stack's server on ${proxy.proxyPort}`);
                assert.equal(reached(role, REPORTS.host, REPORTS.listenPort), `${second} true`, `${role}: the reports target on ${REPORTS.listenPort}`);
            }
            // The built-in PgBouncer on 6432, same name and certificate: its backend session comes from
            // PgBouncer on the server, not from the proxy.
            await lab.startPgBouncer(plane.primary, plane.certs, { login: proxy.adminLogin, password: proxy.adminPassword });
            for (const role of ["cli", "site"] as const) {
                const viaBouncer = psql(lab, role, conninfo(proxy.serverFqdn, 6432), "select host(inet_client_addr())");
                assert.equal(viaBouncer.status, 0, `${role} through PgBouncer: ${viaBouncer.stderr}`);
                assert.equal(viaBouncer.stdout.trim(), primary, `${role}: the session came through PgBouncer`);
            }
            assert.equal(psql(lab, "cli", conninfo(proxy.serverFqdn, proxy.proxyPort), "select host(inet_client_addr())").stdout.trim(), lab.addresses.proxy, "while 5432 comes straight from the proxy");
            assert.match(psql(lab, "cli", `${conninfo(proxy.serverFqdn, 6432)} sslrootcert=${plane.certs.otherCaCert}`, "select 1").stderr, /certificate verify failed/);

            // Full verification per target: its own name passes, another name on the same port does not.
            const wrongName = psql(lab, "cli", conninfo(proxy.serverFqdn, REPORTS.listenPort).replace(`host=${proxy.serverFqdn}`, "host=psql-other.postgres.database.azure.com"), "select 1");
            assert.notEqual(wrongName.status, 0);
            assert.match(wrongName.stderr, /does not match host name/);
            const wrongCa = psql(lab, "site", `${conninfo(REPORTS.host, REPORTS.listenPort)} sslrootcert=${plane.certs.otherCaCert}`, "select 1");
            assert.match(wrongCa.stderr, /certificate verify failed/);
            // Outsiders are refused on every port (nginx's deny all; the NSG would drop them first).
            for (const port of [proxy.proxyPort, REPORTS.listenPort]) {
                const outsider = psql(lab, "out", conninfo(REPORTS.host, port), "select 1");
                assert.notEqual(outsider.status, 0, `outsider on ${port}`);
            }
            // The reports server fails over: its name moves, and only its port follows.
            plane.dns.point(primary, REPORTS.host);
            const deadline = Date.now() + (proxy.config.proxy.resolverValidSeconds + 10) * 1000;
            let now = reached("site", REPORTS.host, REPORTS.listenPort);
            while (now !== `${primary} true` && Date.now() < deadline) {
                await sleep(500);
                now = reached("site", REPORTS.host, REPORTS.listenPort);
            }
            assert.equal(now, `${primary} true`, "the reports port follows its name within valid=");
            assert.equal(reached("cli", proxy.serverFqdn, proxy.proxyPort), `${primary} true`, "the stack's port is untouched");

            // MySQL (MariaDB standing in for Azure Database for MySQL): the client verifies the name it
            // connects to, so the name must reach the proxy: the hosts entry the project offers.
            const mysqlAddress = intToIpv4((parseCidr(lab.addresses.databaseSubnet) as Ipv4Cidr).first + 6);
            await lab.startMariaDb(mysqlAddress, plane.certs, { login: proxy.adminLogin, password: proxy.adminPassword });
            plane.dns.point(mysqlAddress, ORDERS.host);
            for (const role of ["cli", "site", "out"] as const) {
                fs.appendFileSync(lab.hostsFile(role), `${lab.addresses.proxy} ${ORDERS.host}\n${lab.addresses.proxy} wrong-${ORDERS.host}\n`);
            }
            const mysql = (role: "cli" | "site" | "out", host: string, extra: string[] = []) => lab.exec(role, "mariadb", [
                "--no-defaults", "--protocol=TCP", "-h", host, "-P", String(ORDERS.listenPort), "-u", proxy.adminLogin, `-p${proxy.adminPassword}`,
                "--ssl", `--ssl-ca=${plane.certs.caCert}`, "--ssl-verify-server-cert", "--connect-timeout=5", "-N", "-e",
                "select @@bind_address, variable_value from information_schema.session_status where variable_name = 'Ssl_version'", ...extra,
            ], { check: false });
            for (const role of ["cli", "site"] as const) {
                const ok = mysql(role, ORDERS.host);
                assert.equal(ok.status, 0, `${role} to MySQL: ${ok.stderr}`);
                assert.match(ok.stdout.trim(), new RegExp(`^${mysqlAddress.replace(/\./g, "\\.")}\tTLSv1\.[23]$`), `${role}: the MySQL server, over TLS`);
            }
            const mysqlWrongName = mysql("cli", `wrong-${ORDERS.host}`);
            assert.notEqual(mysqlWrongName.status, 0, "a name not on the certificate is refused");
            assert.match(mysqlWrongName.stderr, /Validation of SSL server certificate failed/);
            const mysqlWrongCa = lab.exec("cli", "mariadb", ["--no-defaults", "--protocol=TCP", "-h", ORDERS.host, "-P", "3306", "-u", proxy.adminLogin, `-p${proxy.adminPassword}`,
                "--ssl", `--ssl-ca=${plane.certs.otherCaCert}`, "--ssl-verify-server-cert", "--connect-timeout=5", "-e", "select 1"], { check: false });
            assert.match(mysqlWrongCa.stderr, /TLS\/SSL error: self-signed certificate in certificate chain/, "another CA is refused");
            const plaintext = lab.exec("cli", "mariadb", ["--no-defaults", "--protocol=TCP", "-h", ORDERS.host, "-P", "3306", "-u", proxy.adminLogin, `-p${proxy.adminPassword}`,
                "--skip-ssl", "--connect-timeout=5", "-e", "select 1"], { check: false });
            // The user must use TLS, and the server requires secure transport: either refuses it.
            assert.match(plaintext.stderr, /Access denied for user|insecure transport are prohibited/, "plaintext is refused by the server");
            assert.match(mysql("out", ORDERS.host).stderr, /Lost connection to server at 'handshake: reading initial communication packet'/, "nginx refuses an outsider on the MySQL port");

            const log = lab.readIf(plane.nginx.accessLog);
            assert.match(log, new RegExp(`^${lab.addresses.client.replace(/\./g, "\\.")}:\\d+ .* proxy=${lab.addresses.proxy.replace(/\./g, "\\.")}:${REPORTS.listenPort}$`, "m"), "sessions are logged per port");
        } finally {
            await lab.cleanup();
        }
    });
});
