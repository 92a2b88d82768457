/** `npm run cost` run for real: both output modes carry the table's region and date; clear errors. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "./harness/stackFiles";

const TABLE = "lib/prices/eastus-2026-12.json";

function runCost(args: string[]) {
    const result = spawnSync(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "scripts", "cost.ts"), ...args], { cwd: PROJECT_ROOT, encoding: "utf8" });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run cost", () => {
    for (const stack of ["dev", "prod"]) {
        it(`--stack ${stack}: the table's region and date, the total and the location warning`, () => {
            const run = runCost(["--stack", stack]);
            assert.equal(run.code, 0, run.stderr);
            const lines = run.stdout.split("\n");
            assert.equal(lines[0], `securepg cost: stack ${stack}`);
            assert.match(lines[1], new RegExp(`^Prices: USD pay-as-you-go list prices for eastus, table of 2026-12-05 \\(sources dated \\d{4}-\\d\\d-\\d\\d to \\d{4}-\\d\\d-\\d\\d\\), from ${TABLE.replace(/[.]/g, "\\.")} \\(730 hours a month\\)$`));
            assert.match(run.stdout, /^VPN gateway +VpnGw1AZ +1 +153\.30 USD +153\.30 USD$/m);
            assert.match(run.stdout, /^Total: \d+\.\d\d USD per month/m);
            assert.match(run.stdout, /^  the stack is in westeurope, the price table covers eastus: prices in westeurope may differ$/m);
        });

        it(`--stack ${stack} --json: the same, for scripts`, () => {
            const run = runCost(["--stack", stack, "--json"]);
            assert.equal(run.code, 0, run.stderr);
            const estimate = JSON.parse(run.stdout);
            assert.deepEqual({ ...estimate.table, sourceDates: undefined }, { file: TABLE, region: "eastus", currency: "USD", retrieved: "2026-12-05", hoursPerMonth: 730, sourceDates: undefined });
            assert.match(estimate.table.sourceDates.oldest, /^\d{4}-\d\d-\d\d$/);
            assert.equal(estimate.stack, stack);
            assert.equal(estimate.total, Math.round(estimate.lineItems.reduce((s: number, i: { monthly: number | null }) => s + (i.monthly ?? 0), 0) * 100) / 100);
            assert.ok(estimate.warnings.includes("the stack is in westeurope, the price table covers eastus: prices in westeurope may differ"));
        });
    }

    it("an unknown stack", () => {
        const run = runCost(["--stack", "nosuch", "--json"]);
        assert.equal(run.code, 1);
        assert.deepEqual(JSON.parse(run.stdout), { error: `no stack file Pulumi.nosuch.yaml in ${PROJECT_ROOT}` });
        assert.equal(run.stderr, `securepg cost: no stack file Pulumi.nosuch.yaml in ${PROJECT_ROOT}\n`);
    });

    it("a stack file the program would refuse: its own validation errors", () => {
        // Not beside the project's stack files: other tests read every Pulumi.<stack>.yaml there.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-cost-"));
        fs.writeFileSync(path.join(dir, "Pulumi.costclitest.yaml"), "config:\n  azure-native:location: westeurope\n  securepg:environment: dev\n  securepg:database:\n    tier: Burstable\n    highAvailability: true\n");
        try {
            const run = runCost(["--stack", "costclitest", "--dir", dir]);
            assert.equal(run.code, 1);
            assert.equal(run.stdout, "");
            assert.match(run.stderr, /^securepg cost: invalid stack configuration \(1 problem\); nothing was deployed:\n  - securepg:database\.highAvailability is not available on the Burstable tier; use GeneralPurpose or MemoryOptimized\n$/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a SKU missing from the table, with --table naming another file", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-cost-"));
        const table = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, TABLE), "utf8"));
        delete table.meters.vpnGatewayHour.VpnGw1AZ;
        const other = path.join(dir, "no-gateway.json");
        fs.writeFileSync(other, JSON.stringify(table));
        try {
            const run = runCost(["--stack", "dev", "--table", other]);
            assert.equal(run.code, 1);
            assert.equal(run.stderr, `securepg cost: VPN gateway SKU VpnGw1AZ is not in the price table ${other}; add it with its source (docs/cost.md, "Updating the table")\n`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("usage errors", () => {
        const run = runCost([]);
        assert.equal(run.code, 2);
        assert.equal(run.stderr, "securepg cost: --stack is required\nusage: npm run cost -- --stack <stack> [--json] [--table <file>] [--dir <dir with Pulumi.<stack>.yaml>]\n");
    });
});
