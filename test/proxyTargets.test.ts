/** What the proxy forwards to the targets it does not own. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { targetConnectionString, targetKind } from "../lib/proxyTargets";

describe("targets", () => {
    it("tell MySQL from PostgreSQL by domain, then port, and give each its verified connection line", () => {
        assert.equal(targetKind({ host: "a.mysql.database.azure.com", port: 5432 }), "mysql");
        assert.equal(targetKind({ host: "a.postgres.database.azure.com", port: 3306 }), "postgres");
        assert.equal(targetKind({ host: "db.corp.example", port: 3306 }), "mysql");
        assert.equal(targetKind({ host: "db.corp.example", port: 5433 }), "postgres");
        assert.equal(targetConnectionString({ host: "db.corp.example", port: 5433, listenPort: 15433 }, "10.40.1.254"), "host=db.corp.example hostaddr=10.40.1.254 port=15433 sslmode=verify-full");
    });
});
