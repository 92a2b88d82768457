/** What the proxy forwards to the targets it does not own. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { parseCidr, type Ipv4Cidr } from "../lib/cidr";
import { proxyListenPorts, sitePrefixes, targetConnectionString, targetKind, upstreamSpecs } from "../lib/proxyTargets";

describe("targets", () => {
    it("tell MySQL from PostgreSQL by domain, then port, and give each its verified connection line", () => {
        assert.equal(targetKind({ host: "a.mysql.database.azure.com", port: 5432 }), "mysql");
        assert.equal(targetKind({ host: "a.postgres.database.azure.com", port: 3306 }), "postgres");
        assert.equal(targetKind({ host: "db.corp.example", port: 3306 }), "mysql");
        assert.equal(targetKind({ host: "db.corp.example", port: 5433 }), "postgres");
        assert.equal(targetConnectionString({ host: "db.corp.example", port: 5433, listenPort: 15433 }, "10.40.1.254"), "host=db.corp.example hostaddr=10.40.1.254 port=15433 sslmode=verify-full");
        assert.equal(targetConnectionString({ host: "m.mysql.database.azure.com", port: 3306, listenPort: 13306 }, "10.40.1.254"),
            "mysql --host=m.mysql.database.azure.com --port=13306 --ssl-mode=VERIFY_IDENTITY --ssl-ca=<root.crt>   # m.mysql.database.azure.com must resolve to 10.40.1.254");
        assert.equal(targetKind({ host: "a.mysql.database.azure.com.example", port: 5432 }), "postgres", "the domain must end the name");
        assert.equal(targetKind({ host: "a.postgres.database.azure.com.example", port: 3306 }), "mysql");
    });

    it("list the stack's server first, PgBouncer only when on, then the targets; and the site networks", () => {
        const target = { name: "reports", host: "r.postgres.database.azure.com", port: 5432, listenPort: 15432 };
        const config = (pgbouncer: boolean | undefined) => ({ database: { pgbouncer }, proxy: { port: 5432, targets: [target] } }) as never;
        assert.deepEqual(upstreamSpecs(config(true)), [
            { name: "postgres", listenPort: 5432, host: undefined, port: 5432 },
            { name: "pgbouncer", listenPort: 6432, host: undefined, port: 6432 },
            { name: "reports", listenPort: 15432, host: "r.postgres.database.azure.com", port: 5432 },
        ]);
        assert.deepEqual(proxyListenPorts(config(false)), [5432, 15432]);
        assert.deepEqual(proxyListenPorts(config(undefined)), [5432, 15432]);
        const block = (text: string) => parseCidr(text) as Ipv4Cidr;
        assert.deepEqual(sitePrefixes({ vpn: { sites: [{ addressPrefixes: [block("192.168.10.0/24"), block("10.8.0.0/16")] }, { addressPrefixes: [block("192.168.20.0/24")] }] } } as never),
            ["192.168.10.0/24", "10.8.0.0/16", "192.168.20.0/24"]);
    });
});
