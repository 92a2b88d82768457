/** The proxy's cloud-init: its content, `cloud-init schema` on every stack, and the apply script run for real. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { APPLY_SCRIPT, CANDIDATE_NGINX_CONF, KEEPALIVE_SYSCTL_FILE, renderApplyScript, writtenFiles } from "../lib/cloudInit";
import { proxyNginxOptions, proxyUserData } from "../lib/proxyUserData";
import { renderNginxConfig } from "../lib/nginx";
import { DRAIN_SCRIPT, renderDrainScript } from "../lib/drain";
import { PROXY_PROBE } from "../lib/proxyTier";
import { parseStackConfig, type StackConfig } from "../stacks";
import { loadAllStackFiles } from "./harness/stackFiles";
import { requireCommands, runOnTempFile } from "./harness/tools";

const FQDN = "psql-securepg-dev-a1b2c3.postgres.database.azure.com";
const stacks = loadAllStackFiles().map((s) => ({ ...s, parsed: parseStackConfig({ project: "securepg", stack: s.stack, values: s.config }) }));
const devConfig: StackConfig = stacks.find((s) => s.stack === "dev")!.parsed;

describe("proxyUserData", () => {
    const userData = proxyUserData(devConfig, FQDN);
    const doc = YAML.parse(userData);

    it("is a #cloud-config that installs nginx with its stream module", () => {
        assert.ok(userData.startsWith("#cloud-config\n"));
        // nftables: the drain script (lib/drain.ts) refuses the load balancer's probe with it.
        assert.deepEqual(doc.packages, ["nginx", "libnginx-mod-stream", "nftables"]);
        assert.equal(doc.package_update, true);
        // Patching is Azure's (AutomaticByPlatform); a full upgrade at first boot only delays nginx.
        assert.equal(doc.package_upgrade, false);
    });

    it("writes the whole nginx config, byte for byte what the renderer produced", () => {
        const files = writtenFiles(userData);
        // Literal blocks, never folded: an operator reading the VM's custom data sees the config as nginx does.
        const shown = new Set(userData.split("\n").map((line) => line.trim()));
        for (const line of files.get(CANDIDATE_NGINX_CONF)!.split("\n").map((l) => l.trim()).filter(Boolean)) {
            assert.ok(shown.has(line), `not shown as written: ${line}`);
        }
        assert.equal(files.get(CANDIDATE_NGINX_CONF), renderNginxConfig(proxyNginxOptions(devConfig, FQDN)));
        // Outside /etc/nginx: nginx never loads a candidate that has not passed `nginx -t`.
        assert.match(CANDIDATE_NGINX_CONF, /^\/etc\/securepg\/[\w.-]+\.conf$/);
    });

    it("lowers the kernel's keepalive timers below Azure's idle timeout", () => {
        // `sysctl --system` reads only *.conf files in /etc/sysctl.d.
        assert.match(KEEPALIVE_SYSCTL_FILE, /^\/etc\/sysctl\.d\/[\w.-]+\.conf$/);
        const sysctl = writtenFiles(userData).get(KEEPALIVE_SYSCTL_FILE)!;
        assert.match(sysctl, /^# securepg: .+\n/, "an operator on the VM can tell what wrote the file and why");
        assert.ok(sysctl.endsWith("\n"));
        for (const line of sysctl.split("\n").filter((l) => l !== "" && !l.startsWith("#"))) {
            assert.match(line, /^net\.ipv4\.tcp_keepalive_(time|intvl|probes) = \d+$/, "sysctl --system refuses anything else");
        }
        const time = Number(/net\.ipv4\.tcp_keepalive_time = (\d+)/.exec(sysctl)?.[1]);
        assert.ok(time > 0 && time < 240, sysctl);
        assert.match(sysctl, /net\.ipv4\.tcp_keepalive_intvl = \d+/);
        assert.match(sysctl, /net\.ipv4\.tcp_keepalive_probes = \d+/);
    });

    it("writes the drain script as rendered for the proxy's port and the probe, executable by root only", () => {
        const p = devConfig.proxy;
        assert.equal(writtenFiles(userData).get(DRAIN_SCRIPT),
            renderDrainScript({ port: p.port, probeIntervalSeconds: PROXY_PROBE.intervalSeconds, probeThreshold: PROXY_PROBE.threshold }));
        assert.equal(doc.write_files.find((f: { path: string }) => f.path === DRAIN_SCRIPT).permissions, "0755");
        // Written, never run by cloud-init: only the drain before a delete runs it.
        assert.ok(!JSON.stringify(doc.runcmd).includes(DRAIN_SCRIPT));
    });

    it("applies sysctl, then installs the config only through the nginx -t gate", () => {
        assert.deepEqual(doc.runcmd, [["sysctl", "--system"], [APPLY_SCRIPT]]);
        assert.match(APPLY_SCRIPT, /^\/usr\/local\/sbin\/[\w.-]+$/, "runcmd runs it by absolute path");
        const script = writtenFiles(userData).get(APPLY_SCRIPT)!;
        const gate = script.indexOf('if ! nginx -t -q -c "$candidate"; then');
        const install = script.indexOf('install -m 0644 "$candidate" "$live"');
        assert.ok(gate >= 0, "the nginx -t gate is missing");
        assert.ok(install >= 0, "the install step is missing");
        assert.ok(gate < install, "nginx -t must run before the config is installed");
        assert.match(script.slice(gate, install), /exit 1/, "a failing nginx -t must stop the script before install");
        assert.equal(doc.write_files.find((f: { path: string }) => f.path === APPLY_SCRIPT).permissions, "0755");
        for (const file of doc.write_files as Array<{ path: string; owner: string; permissions: string }>) {
            assert.equal(file.owner, "root:root", file.path);
            assert.match(file.permissions, /^0[67]55$|^0644$/, `${file.path}: writable by root only`);
        }
    });
});

describe("cloud-init schema", () => {
    for (const s of stacks) {
        it(`validates the user data of stack ${s.stack}`, (t) => {
            if (!requireCommands(t, ["cloud-init"])) return;
            const result = schemaCheck(proxyUserData(s.parsed, `psql-securepg-${s.stack}-a1b2c3.postgres.database.azure.com`));
            assert.equal(result.status, 0, result.output);
            assert.match(result.output, /Valid schema|Valid cloud-config/);
        });
    }

    it("flags a schema error (the check is real)", (t) => {
        if (!requireCommands(t, ["cloud-init"])) return;
        const broken = proxyUserData(devConfig, FQDN).replace("package_update: true", "package_update: sometimes");
        const result = schemaCheck(broken);
        assert.notEqual(result.status, 0, result.output);
    });
});

function schemaCheck(userData: string): { status: number | null; output: string } {
    return runOnTempFile("user-data", userData, "cloud-init", (file) => ["schema", "--config-file", file]);
}

describe("the apply script, run with the real nginx -t", () => {
    function runApply(candidate: string): { status: number | null; live: string; previous: string | undefined; systemctl: string[]; stderr: string } {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-apply-"));
        try {
            const bin = path.join(dir, "bin");
            fs.mkdirSync(bin);
            // systemctl is stubbed (no systemd here); it records what it was asked and reports nginx inactive.
            fs.writeFileSync(path.join(bin, "systemctl"), `#!/bin/sh\necho "$*" >> ${dir}/systemctl.log\n[ "$1" = "is-active" ] && exit 3\nexit 0\n`, { mode: 0o755 });
            fs.writeFileSync(path.join(dir, "live.conf"), "# the working config\n");
            fs.writeFileSync(path.join(dir, "candidate.conf"), candidate);
            fs.writeFileSync(path.join(dir, "apply.sh"), renderApplyScript(), { mode: 0o755 });
            const r = spawnSync("sh", [path.join(dir, "apply.sh")], {
                encoding: "utf8",
                env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SECUREPG_NGINX_CANDIDATE: path.join(dir, "candidate.conf"), SECUREPG_NGINX_LIVE: path.join(dir, "live.conf") },
            });
            const log = path.join(dir, "systemctl.log");
            const previous = path.join(dir, "live.conf.securepg-previous");
            return {
                status: r.status,
                live: fs.readFileSync(path.join(dir, "live.conf"), "utf8"),
                previous: fs.existsSync(previous) ? fs.readFileSync(previous, "utf8") : undefined,
                systemctl: fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [],
                stderr: r.stderr,
            };
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    it("installs a valid config, keeps the old one, and starts nginx", (t) => {
        if (!requireCommands(t, ["nginx"])) return;
        const good = writtenFiles(proxyUserData(devConfig, FQDN)).get(CANDIDATE_NGINX_CONF)!;
        const r = runApply(good);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.live, good);
        assert.equal(r.previous, "# the working config\n");
        assert.deepEqual(r.systemctl, ["enable nginx", "is-active --quiet nginx", "start nginx"]);
    });

    it("never replaces a working config with one that fails nginx -t", (t) => {
        if (!requireCommands(t, ["nginx"])) return;
        const bad = writtenFiles(proxyUserData(devConfig, FQDN)).get(CANDIDATE_NGINX_CONF)!.replace("deny all;", "deny everyone;");
        const r = runApply(bad);
        assert.equal(r.status, 1);
        assert.equal(r.live, "# the working config\n");
        assert.deepEqual(r.systemctl, [], "nginx must not be touched");
        assert.match(r.stderr, /fails nginx -t; keeping the current/);
    });
});
