/**
 * The scripts the proxy tier runs on and for its VMs, run for real with stand-ins for what only a VM
 * or Azure has (cloud-init, systemd, nft, the Azure CLI): the health gate (lib/healthCheck.ts), the
 * drain on the VM and the delete command that invokes it (lib/drain.ts).
 */
import { describe, it, after } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { AZURE_PLATFORM_ADDRESS } from "../lib/nginx";
import { RUN_COMMAND_MARGIN_SECONDS, renderProxyHealthCheck } from "../lib/healthCheck";
import { DRAIN_SCRIPT, drainWaitSeconds, renderDrainInvocation, renderDrainScript } from "../lib/drain";
import { PROXY_PROBE } from "../lib/proxyTier";
import { requireCommands } from "./harness/tools";

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A directory of stand-in commands: each records its arguments and stdin, then runs its body. */
function stubs(commands: Record<string, string>): { bin: string; calls: (name: string) => string[]; input: (name: string) => string } {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-stubs-"));
    dirs.push(bin);
    for (const [name, body] of Object.entries(commands)) {
        fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "$*" >> "${bin}/${name}.calls"\n[ -t 0 ] || cat >> "${bin}/${name}.stdin"\n${body}\n`, { mode: 0o755 });
    }
    const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
    return { bin, calls: (name) => read(path.join(bin, `${name}.calls`)).split("\n").filter(Boolean), input: (name) => read(path.join(bin, `${name}.stdin`)) };
}

function run(interpreter: string[], script: string, bin: string, env: Record<string, string> = {}) {
    const r = spawnSync(interpreter[0], [...interpreter.slice(1), script], {
        encoding: "utf8", input: "", timeout: 30_000,
        env: { PATH: `${bin}:/usr/bin:/bin`, ...env },
    });
    return { status: r.status, out: r.stdout, err: r.stderr };
}

describe("the health gate", () => {
    const listening = async (): Promise<{ port: number; close: () => void }> => {
        const server = net.createServer((socket) => socket.destroy());
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
    };
    const vm = (cloudInitStatus: number, nginxActive: boolean) => stubs({
        "cloud-init": `[ "$1 $2" = "status --wait" ] && exit ${cloudInitStatus}\necho "status: error"`,
        "systemctl": `[ "$1" = "is-active" ] && exit ${nginxActive ? 0 : 3}\necho "nginx.service: inactive"`,
    });

    it("passes once cloud-init is done and nginx accepts connections on the port", async () => {
        const server = await listening();
        try {
            for (const status of [0, 2]) {
                const s = vm(status, true);
                const r = run(["bash", "-c"], renderProxyHealthCheck({ port: server.port, timeoutSeconds: 5 }), s.bin);
                assert.equal(r.status, 0, r.out + r.err);
                assert.equal(r.out, `securepg: nginx accepts connections on port ${server.port}\n`);
            }
        } finally {
            server.close();
        }
    });

    it("fails at once, with cloud-init's report, when cloud-init failed", async () => {
        const server = await listening();
        try {
            const s = vm(1, true);
            const r = run(["bash", "-c"], renderProxyHealthCheck({ port: server.port, timeoutSeconds: 5 }), s.bin);
            assert.equal(r.status, 1);
            assert.match(r.out, /^securepg: cloud-init failed \(exit 1\):\nstatus: error\n$/);
            assert.deepEqual(s.calls("cloud-init"), ["status --wait", "status --long"]);
        } finally {
            server.close();
        }
    });

    it("fails after its deadline, with nginx's status, when nothing listens or nginx is not active", async () => {
        const server = await listening();
        const closed = await listening();
        closed.close();
        try {
            for (const [port, active] of [[closed.port, true], [server.port, false]] as const) {
                const s = vm(0, active);
                const r = run(["bash", "-c"], renderProxyHealthCheck({ port, timeoutSeconds: 1 }), s.bin);
                assert.equal(r.status, 1, r.out);
                assert.match(r.out, new RegExp(`securepg: nginx is not accepting connections on port ${port} after 1 s\\n`));
                assert.ok(s.calls("systemctl").includes("status nginx --no-pager --lines=20"), "nginx's status is shown");
            }
        } finally {
            server.close();
        }
    });

    it("refuses a bad port or deadline, and leaves Azure's Run Command time to report", () => {
        for (const port of [0, 65536, 1.5]) {
            assert.throws(() => renderProxyHealthCheck({ port, timeoutSeconds: 5 }), new RegExp(`^Error: health check: port must be 1-65535, got ${port}$`));
        }
        for (const port of [1, 65535]) {
            assert.match(renderProxyHealthCheck({ port, timeoutSeconds: 5 }), new RegExp(`/dev/tcp/127\\.0\\.0\\.1/${port}\\)`));
        }
        for (const timeoutSeconds of [0, -1, 2.5]) {
            assert.throws(() => renderProxyHealthCheck({ port: 5432, timeoutSeconds }), /^Error: health check: timeoutSeconds must be a positive whole number/);
        }
        assert.ok(RUN_COMMAND_MARGIN_SECONDS >= 60);
    });
});

describe("the drain on the VM", () => {
    const options = { port: 6432, probeIntervalSeconds: PROXY_PROBE.intervalSeconds, probeThreshold: PROXY_PROBE.threshold };

    it("waits for the probe to miss its threshold, whatever its phase, and one interval more", () => {
        assert.equal(drainWaitSeconds({ probeIntervalSeconds: 5, probeThreshold: 2 }), 20);
        assert.equal(drainWaitSeconds({ probeIntervalSeconds: 15, probeThreshold: 3 }), 75);
    });

    it("drops the probe's handshakes on the proxy port only, then waits, then reports drained", () => {
        const s = stubs({ nft: "exit 0", sleep: "exit 0" });
        const r = run(["sh", "-c"], renderDrainScript(options), s.bin);
        assert.equal(r.status, 0, r.err);
        assert.deepEqual(s.calls("nft"), ["-f -"]);
        assert.match(s.input("nft"), new RegExp(`^\\s*ip saddr ${AZURE_PLATFORM_ADDRESS.replace(/\./g, "\\.")} tcp dport 6432 drop$`, "m"));
        assert.equal(s.input("nft").match(/drop/g)?.length, 1, "nothing else is dropped");
        assert.deepEqual(s.calls("sleep"), [String(drainWaitSeconds(options))]);
        assert.match(r.out, /securepg: drained\n$/);
    });

    it("stops, without claiming a drain, when nft fails", () => {
        const s = stubs({ nft: "exit 1", sleep: "exit 0" });
        const r = run(["sh", "-c"], renderDrainScript(options), s.bin);
        assert.notEqual(r.status, 0);
        assert.doesNotMatch(r.out, /drained/);
        assert.deepEqual(s.calls("sleep"), []);
    });

    it("its ruleset is one nft accepts", (t) => {
        if (!requireCommands(t, ["nft"])) return;
        const s = stubs({ sleep: "exit 0" });
        const ruleset = /<<'RULES'\n([\s\S]*?)\nRULES\n/.exec(renderDrainScript(options))?.[1];
        assert.ok(ruleset);
        const checked = spawnSync("nft", ["-c", "-f", "-"], { input: ruleset, encoding: "utf8" });
        assert.equal(checked.status, 0, checked.stderr);
        assert.equal(s.calls("sleep").length, 0);
    });

    it("refuses a bad port", () => {
        for (const port of [0, 70000, 2.5]) {
            assert.throws(() => renderDrainScript({ ...options, port }), new RegExp(`^Error: drain: port must be 1-65535, got ${port}$`));
        }
        for (const port of [1, 65535]) {
            assert.match(renderDrainScript({ ...options, port }), new RegExp(`tcp dport ${port} drop`));
        }
    });
});

describe("the delete command that drains a proxy through the Azure CLI", () => {
    const vmId = "/subscriptions/0000/resourceGroups/rg-securepg-prod/providers/Microsoft.Compute/virtualMachines/vm-securepg-prod-proxy1-g0a1b2c";
    const env = { SECUREPG_VM_ID: vmId, SECUREPG_DRAIN_SCRIPT: DRAIN_SCRIPT };
    const az = (show: string, invoke: string) => stubs({
        az: `case "$1 $2" in\n"vm show") ${show} ;;\n"vm run-command") ${invoke} ;;\n*) exit 9 ;;\nesac`,
    });
    const drain = (bin: string, extra: Record<string, string> = {}) => run(["/bin/bash", "-c"], renderDrainInvocation(), bin, { ...env, ...extra });

    it("runs the drain script on the VM and succeeds when it reports drained", () => {
        const s = az(`echo "${vmId}"`, `echo "securepg: refusing the probe"; echo "securepg: drained"`);
        const r = drain(s.bin);
        assert.equal(r.status, 0, r.err);
        assert.deepEqual(s.calls("az"), [
            `vm show --ids ${vmId} --query id --output tsv`,
            `vm run-command invoke --ids ${vmId} --command-id RunShellScript --scripts ${DRAIN_SCRIPT} --query value[0].message --output tsv`,
        ]);
        assert.match(r.out, /securepg: drained/);
    });

    it("fails the delete when the drain did not report drained", () => {
        const s = az(`echo "${vmId}"`, `echo "nft: command not found"`);
        const r = drain(s.bin);
        assert.equal(r.status, 1);
        assert.match(r.err, /securepg: draining vm-securepg-prod-proxy1-g0a1b2c failed \(see above\); set SECUREPG_SKIP_DRAIN=1 to delete it anyway/);
    });

    it("a VM that is gone needs no drain; any other failure to reach it stops the delete", () => {
        for (const message of ["(ResourceNotFound) The Resource 'x' was not found.", "ERROR: (NotFound) gone"]) {
            const s = az(`echo "${message}" >&2; exit 3`, "exit 9");
            const r = drain(s.bin);
            assert.equal(r.status, 0, r.err);
            assert.match(r.out, /vm-securepg-prod-proxy1-g0a1b2c is gone already; nothing to drain/);
            assert.equal(s.calls("az").length, 1, "no run-command on a missing VM");
        }
        const s = az(`echo "(AuthorizationFailed) no access" >&2; exit 1`, "exit 9");
        const r = drain(s.bin);
        assert.equal(r.status, 1);
        assert.match(r.err, /securepg: cannot reach vm-securepg-prod-proxy1-g0a1b2c to drain it: \(AuthorizationFailed\) no access/);
    });

    it("without the Azure CLI it stops with the way out, and SECUREPG_SKIP_DRAIN=1 deletes without draining", () => {
        const empty = stubs({});
        const missing = drain(empty.bin, { PATH: empty.bin });
        assert.equal(missing.status, 1);
        assert.match(missing.err, /needs the Azure CLI \(az\), logged in; or set SECUREPG_SKIP_DRAIN=1/);
        const s = az("exit 9", "exit 9");
        const skipped = drain(s.bin, { SECUREPG_SKIP_DRAIN: "1" });
        assert.equal(skipped.status, 0);
        assert.match(skipped.out, /SECUREPG_SKIP_DRAIN=1: deleting vm-securepg-prod-proxy1-g0a1b2c without draining it/);
        assert.deepEqual(s.calls("az"), []);
        assert.equal(drain(s.bin, { SECUREPG_SKIP_DRAIN: "yes" }).status, 1, "only 1 skips");
        assert.equal(s.calls("az").length, 1, "any other value drains");
    });
});
