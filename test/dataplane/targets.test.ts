/**
 * More databases through the same proxy, for real: the nginx config the program renders for a
 * stack with a site-to-site network and a second PostgreSQL target, run in the lab. Each target is
 * reached on its own listen port, with full verification, from a VPN client and from a client on
 * the site's network; an outsider is refused on every port; a target's failover is followed on its
 * port alone. (Issue 13, work in progress: MariaDB and PgBouncer stand-ins to come.)
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { intToIpv4, parseCidr, type Ipv4Cidr } from "../../lib/cidr";
import { psql } from "./clients";
import { sleep } from "./lab";
import { renderProxyFromProgram } from "./program";
import { requireLab, startDataPlane } from "./setup";

const SITE = { name: "hq", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"] };
const REPORTS = { name: "reports", host: "psql-reports.postgres.database.azure.com", port: 5432, listenPort: 15432 };

describe("a second target through the proxy, from the VPN and from a site", () => {
    it("each port reaches its own server with verify-full, for both kinds of client; outsiders are refused; a target's failover is followed", async (t) => {
        if (!requireLab(t)) {
            return;
        }
        const proxy = await renderProxyFromProgram("Pulumi.dev.yaml", { vpn: { sites: [SITE] }, proxy: { targets: [REPORTS] } });
        const sitePrefix = parseCidr(SITE.addressPrefixes[0]) as Ipv4Cidr;
        const plane = await startDataPlane(proxy, { site: { address: intToIpv4(sitePrefix.first + 20), prefixLength: sitePrefix.prefixLength }, targetNames: [REPORTS.host] });
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
            const log = lab.readIf(plane.nginx.accessLog);
            assert.match(log, new RegExp(`^${lab.addresses.client.replace(/\./g, "\\.")}:\\d+ .* proxy=${lab.addresses.proxy.replace(/\./g, "\\.")}:${REPORTS.listenPort}$`, "m"), "sessions are logged per port");
        } finally {
            await lab.cleanup();
        }
    });
});
