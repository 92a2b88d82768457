/** docs/drivers.md shows, for its example stack, exactly what `npm run connect` renders for each driver. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { driverSettings, hostsLine, pgServiceSection } from "../lib/clientConfig";
import { EXAMPLE_TARGET } from "./harness/clientTarget";
import { PROJECT_ROOT } from "./harness/stackFiles";

const DOC = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "drivers.md"), "utf8");
const EXAMPLE = EXAMPLE_TARGET;

/** The doc's fenced blocks, each as its exact text. */
const blocks = [...DOC.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]);

describe("docs/drivers.md", () => {
    it("has each driver's settings exactly as rendered, in a block of its own", () => {
        const d = driverSettings(EXAMPLE);
        for (const [name, text] of Object.entries({ libpqService: `psql ${d.libpqService}`, libpq: d.libpq, jdbc: d.jdbc, npgsql: d.npgsql, pgx: d.pgx, hosts: hostsLine(EXAMPLE) })) {
            assert.ok(blocks.includes(`${text}\n`), `${name}: ${text}`);
        }
        assert.ok(blocks.includes(pgServiceSection(EXAMPLE)), "the service section");
        assert.ok(blocks.some((b) => b.includes(`conn = psycopg.connect("${d.libpqService}")`)), "psycopg");
        const node = blocks.find((b) => b.includes('require("pg")'));
        assert.ok(node, "node-postgres");
        const n = d.nodePostgres;
        for (const line of [`host: "${n.host}",`, `port: ${n.port},`, `database: "${n.database}",`, `user: "${n.user}",`, `ssl: { ca: fs.readFileSync("${n.ssl.caFile}", "utf8"), rejectUnauthorized: ${n.ssl.rejectUnauthorized} },`]) {
            assert.ok(node.includes(`    ${line}\n`), line);
        }
        assert.match(DOC, new RegExp(`export PGPASSFILE=${d.environment.PGPASSFILE}`), "the environment pgjdbc reads");
    });

    it("has a section per driver", () => {
        for (const heading of ["## psql and libpq", "## psycopg", "## JDBC (pgjdbc)", "## Npgsql", "## node-postgres", "## pgx"]) {
            assert.ok(DOC.includes(`\n${heading}`), heading);
        }
    });
});
