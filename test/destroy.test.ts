/**
 * `npm run destroy`: retries what Azure clears by itself, stops at once with advice for the rest.
 * A stand-in `pulumi` on PATH plays the CLI: it logs its arguments and fails the way it is told.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { classifyDestroyFailure } from "../lib/destroyFailures";
import { PROJECT_ROOT } from "./harness/stackFiles";

const SUBNET_IN_USE = "error: azure-native:network:Subnet (database-subnet): Code=\"InUseSubnetCannotBeDeleted\" Message=\"Subnet snet-securepg-dev-psql is in use by /subscriptions/x/.../serviceAssociationLinks/sal and cannot be deleted.\"";

describe("classifyDestroyFailure", () => {
    it("retries a subnet Azure still holds and a busy resource", () => {
        const subnet = classifyDestroyFailure(SUBNET_IN_USE, "dev");
        assert.equal(subnet.kind, "subnet-in-use");
        assert.equal(subnet.retry, true);
        assert.match(subnet.advice, /service association link/);
        assert.match(subnet.advice, /npm run destroy -- --stack dev/);
        assert.match(subnet.advice, /Nothing is wrong with the stack: wait, then run `npm run destroy -- --stack dev` again; it resumes where it stopped\. To see whether Azure has let go: `az network vnet subnet show .* --query serviceAssociationLinks`\.$/);
        assert.equal(classifyDestroyFailure("Subnet is in use by .../serviceAssociationLinks/sal", "dev").kind, "subnet-in-use", "the link alone names it too");
        assert.equal(classifyDestroyFailure("Code=\"AnotherOperationInProgress\"", "dev").retry, true);
        const busy = classifyDestroyFailure("Code=\"OperationNotAllowed\" Message=\"An operation on server psql-x is in progress\"", "dev");
        assert.deepEqual(busy, { kind: "busy", retry: true, advice: "Azure was busy with another operation on the same resource. Run `npm run destroy -- --stack dev` again in a few minutes." });
        assert.equal(classifyDestroyFailure("Code=\"OperationNotAllowed\" Message=\"quota exceeded\"", "dev").kind, "unknown", "not every OperationNotAllowed is a busy resource");
    });

    it("does not retry a lock or protect, and says how to lift them", () => {
        const locked = classifyDestroyFailure(`${SUBNET_IN_USE}\nCode="ScopeLocked" Message="The scope ... cannot perform delete operation because following scope(s) are locked"`, "prod");
        assert.equal(locked.kind, "locked", "the lock explains the failure better than the subnet");
        assert.equal(locked.retry, false);
        assert.match(locked.advice, /securepg:database\.deleteLock.*pulumi up --stack prod/);
        const protectedOne = classifyDestroyFailure("error: resource urn:pulumi:prod::securepg::...::server cannot be deleted because it is protected", "prod");
        assert.equal(protectedOne.kind, "protected");
        assert.equal(protectedOne.retry, false, "waiting never lifts protect");
        assert.match(protectedOne.advice, /securepg:protect.*update of its own/);
        assert.match(protectedOne.advice, /^Pulumi refuses to delete protected resources\. Set `securepg:protect` to false \(and `securepg:database\.deleteLock` to false\) and run `pulumi up --stack prod` first: protection is lifted by an update of its own, then destroy\.$/);
        assert.deepEqual(classifyDestroyFailure("boom", "dev"),
            { kind: "unknown", retry: false, advice: "Read the error above; `pulumi destroy --stack dev` resumes where it stopped once it is fixed." });
    });
});

interface Scenario {
    /** How many calls fail before one succeeds (Infinity: all fail). */
    readonly failures: number;
    readonly error: string;
}

function runDestroy(args: string[], scenario: Scenario): { status: number | null; output: string; calls: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-destroy-"));
    try {
        const log = path.join(dir, "calls.log");
        fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh
echo "$*" >> "${log}"
calls=$(wc -l < "${log}")
echo "Destroying (stand-in pulumi)"
if [ "$calls" -le "$FAILURES" ]; then echo "$ERROR" >&2; exit 255; fi
echo "The resources in the stack have been deleted"
`, { mode: 0o755 });
        const result = spawnSync(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "scripts", "destroy.ts"), ...args], {
            cwd: PROJECT_ROOT, encoding: "utf8", input: "",
            env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, FAILURES: String(Number.isFinite(scenario.failures) ? scenario.failures : 1000), ERROR: scenario.error },
        });
        const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : [];
        return { status: result.status, output: `${result.stdout}${result.stderr}`, calls };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("npm run destroy", () => {
    it("waits out a subnet Azure still holds and destroys again until it is gone", () => {
        const r = runDestroy(["--stack", "dev", "--yes", "--wait-seconds", "0"], { failures: 2, error: SUBNET_IN_USE });
        assert.equal(r.status, 0, r.output);
        assert.deepEqual(r.calls, Array(3).fill("destroy --stack dev --yes --non-interactive"));
        assert.match(r.output, /Azure still holds the database subnet/);
        assert.match(r.output, /attempt 3 of 4/);
        assert.match(r.output, /stack dev is destroyed \(after 3 attempts\)/);
    });

    it("gives up after --attempts with what to do next, and pulumi's exit code", () => {
        const r = runDestroy(["--stack", "dev", "--yes", "--wait-seconds", "0", "--attempts", "2"], { failures: Infinity, error: SUBNET_IN_USE });
        assert.equal(r.status, 255);
        assert.equal(r.calls.length, 2);
        assert.match(r.output, /still failed after 2 attempts/);
        assert.match(r.output, /az network vnet subnet show .* --query serviceAssociationLinks/);
    });

    it("stops at once on a lock, with the update that lifts it", () => {
        const r = runDestroy(["--stack", "prod", "--yes", "--wait-seconds", "0"], { failures: Infinity, error: "Code=\"ScopeLocked\"" });
        assert.equal(r.status, 255);
        assert.equal(r.calls.length, 1);
        assert.match(r.output, /deleteLock.*pulumi up --stack prod/);
    });

    it("asks for confirmation, and without a terminal refuses unless --yes", () => {
        const r = runDestroy(["--stack", "dev"], { failures: 0, error: "" });
        assert.equal(r.status, 2);
        assert.equal(r.calls.length, 0);
        assert.match(r.output, /pass --yes/);
    });

    it("refuses bad arguments before calling pulumi", () => {
        for (const args of [[], ["--stack", "dev;rm -rf /", "--yes"], ["--stack", "dev", "--yes", "--attempts", "0"], ["--stack", "dev", "--yes", "--wait-seconds", "-1"], ["--stack", "dev", "--force"]]) {
            const r = runDestroy(args, { failures: 0, error: "" });
            assert.equal(r.status, 2, `${args.join(" ")}: ${r.output}`);
            assert.equal(r.calls.length, 0);
        }
    });
});
