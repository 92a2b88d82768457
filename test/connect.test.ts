/**
 * `npm run connect`, run for real against the outputs the real program exports under mocks. A
 * stand-in `pulumi` prints them as `pulumi stack output --json --show-secrets` would; a stand-in
 * `az` answers `vpn-client generate` with the URL of a local server that serves a profile zip
 * rebuilt from test/fixtures/vpn-profile.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { MANIFEST_FILE } from "../lib/clientFiles";
import { WRITTEN_BY } from "../lib/clientConfig";
import { COMMENTED_LOG } from "../lib/vpnProfile";
import { runProgram } from "./harness/program";
import { loadStackFile, PROJECT_ROOT, withSections } from "./harness/stackFiles";
import { vpnProfileZip } from "./harness/vpnProfileZip";

const AZURE_BUNDLE = path.join(PROJECT_ROOT, "assets", "azure-postgres-roots.pem");

async function stackOutputs(overrides: Record<string, Record<string, unknown>>): Promise<Record<string, unknown>> {
    const file = loadStackFile("Pulumi.dev.yaml");
    const run = await runProgram({ stack: file.stack, config: withSections(file.config, overrides), secretKeys: file.secretKeys });
    if (run.error) {
        throw run.error;
    }
    return run.outputs;
}

interface Sandbox {
    readonly root: string;
    readonly home: string;
    readonly bin: string;
    readonly log: string;
    readonly outputsFile: string;
}

function sandbox(outputs: Record<string, unknown>): Sandbox {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-connect-"));
    const home = path.join(root, "home");
    const bin = path.join(root, "bin");
    fs.mkdirSync(home);
    fs.mkdirSync(bin);
    const log = path.join(root, "calls.log");
    const outputsFile = path.join(root, "outputs.json");
    fs.writeFileSync(outputsFile, JSON.stringify(outputs));
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh
echo "pulumi $*" >> "${log}"
case " $* " in
  *" --stack dev "*|*" --stack acme/securepg/dev "*|*" --stack other/securepg/dev "*) cat "${outputsFile}" ;;
  *) echo "error: no stack named '$(echo "$*" | sed 's/.*--stack //')' found" >&2; exit 255 ;;
esac
`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "az"), `#!/bin/sh
echo "az $*" >> "${log}"
if [ -n "$AZ_FAIL" ]; then echo "ERROR: $AZ_FAIL" >&2; exit 1; fi
echo "$PROFILE_URL"
`, { mode: 0o755 });
    return { root, home, bin, log, outputsFile };
}

interface CliRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

function runConnect(box: Sandbox, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "scripts", "connect.ts"), ...args], {
            cwd: PROJECT_ROOT,
            env: { PATH: `${box.bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: box.home, PROFILE_URL: profileUrl, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

let server: http.Server;
let profileUrl = "";
let served: Uint8Array = vpnProfileZip("certificate");
let certificateOutputs: Record<string, unknown>;
let entraOutputs: Record<string, unknown>;
let bothOutputs: Record<string, unknown>;

before(async () => {
    server = http.createServer((req, res) => {
        if (req.url === "/vpnprofile/vpnclientconfiguration.zip") {
            res.writeHead(200, { "content-type": "application/zip" }).end(Buffer.from(served));
        } else {
            res.writeHead(404).end();
        }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    profileUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/vpnprofile/vpnclientconfiguration.zip`;
    certificateOutputs = await stackOutputs({ vpn: { clients: ["dev-laptop", "ci-runner"] } });
    bothOutputs = await stackOutputs({ vpn: { authentication: "both", clients: ["dev-laptop"] } });
    entraOutputs = await stackOutputs({
        vpn: { authentication: "entra", clients: [] },
        database: { entraAdmin: { objectId: "11111111-2222-3333-4444-555555555555", principalName: "pg admins" }, passwordAuth: false },
    });
});

after(() => server.close());

const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);
const secretsOf = (outputs: Record<string, unknown>) => {
    const client = (outputs.vpnClientCertificates as Record<string, { privateKeyPem: string }>)["dev-laptop"];
    const keyBody = client.privateKeyPem.split("\n").filter((l) => l && !l.startsWith("-----"));
    return [String(outputs.adminPassword), ...keyBody];
};

describe("npm run connect: a certificate VPN and a password", () => {
    it("writes the credentials, the filled profile, the CA bundle, pgpass and the service; prints no secret", async () => {
        const box = sandbox(certificateOutputs);
        const run = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop"]);
        assert.equal(run.code, 0, run.stderr);
        const dir = path.join(box.home, ".securepg", "dev");
        const o = certificateOutputs;
        const credentials = (o.vpnClientCertificates as Record<string, { certificatePem: string; privateKeyPem: string }>)["dev-laptop"];
        assert.equal(fs.readFileSync(path.join(dir, "vpn-dev-laptop.crt"), "utf8"), credentials.certificatePem);
        assert.equal(fs.readFileSync(path.join(dir, "vpn-dev-laptop.key"), "utf8"), credentials.privateKeyPem);
        assert.equal(fs.readFileSync(path.join(dir, "root.crt"), "utf8"), fs.readFileSync(AZURE_BUNDLE, "utf8"));
        assert.equal(fs.readFileSync(path.join(dir, "pgpass"), "utf8"), `${o.serverFqdn}:5432:*:${o.adminLogin}:${o.adminPassword}\n`);
        for (const [file, expected] of [["vpn-dev-laptop.crt", "600"], ["vpn-dev-laptop.key", "600"], ["pgpass", "600"], ["dev-dev-laptop.ovpn", "600"], ["root.crt", "644"], ["azurevpnconfig.xml", "600"]]) {
            assert.equal(mode(path.join(dir, file)), expected, file);
        }
        assert.equal(mode(dir), "700");

        const profile = fs.readFileSync(path.join(dir, "dev-dev-laptop.ovpn"), "utf8");
        assert.doesNotMatch(profile, /\$CLIENTCERTIFICATE|\$PRIVATEKEY/);
        const between = (tag: string) => profile.split(`<${tag}>\r\n`)[1].split(`\r\n</${tag}>`)[0].replace(/\r\n/g, "\n");
        assert.equal(between("cert"), credentials.certificatePem.trim());
        assert.equal(between("key"), credentials.privateKeyPem.trim());
        const template = fs.readFileSync(path.join(__dirname, "fixtures", "vpn-profile", "certificate", "OpenVPN", "vpnconfig.ovpn"), "utf8");
        assert.equal(profile.split("# P2S client certificate\r\n")[0], template.split("# P2S client certificate\r\n")[0].replace("\r\nlog openvpn.log", `\r\n# log openvpn.log (${COMMENTED_LOG})`), "everything Azure wrote above the client's part is kept, but for the log file");
        assert.equal(fs.readFileSync(path.join(dir, "azurevpnconfig.xml"), "utf8"), fs.readFileSync(path.join(__dirname, "fixtures", "vpn-profile", "certificate", "AzureVPN", "azurevpnconfig.xml"), "utf8"));

        const service = fs.readFileSync(path.join(box.home, ".pg_service.conf"), "utf8");
        assert.equal(service, [
            "[securepg-dev]",
            `# ${WRITTEN_BY} for stack dev; run it again to update this section`,
            `host=${o.serverFqdn}`,
            `hostaddr=${o.proxyPrivateIp}`,
            "port=5432",
            "dbname=app",
            `user=${o.adminLogin}`,
            "sslmode=verify-full",
            `sslrootcert=${path.join(dir, "root.crt")}`,
            `passfile=${path.join(dir, "pgpass")}`,
            "",
        ].join("\n"));

        const calls = fs.readFileSync(box.log, "utf8");
        assert.match(calls, /^pulumi stack output --json --show-secrets --stack dev$/m);
        assert.match(calls, new RegExp(`^az network vnet-gateway vpn-client generate --ids ${String(o.vpnGatewayId).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} --authentication-method EAPTLS --processor-architecture Amd64 --output tsv$`, "m"));
        assert.match(run.stderr, /Asking Azure for vgw-securepg-dev's VPN profile/, "progress while it waits on Azure");
        assert.match(run.stdout, /`psql service=securepg-dev`/);
        assert.ok(run.stdout.includes(`echo '${o.proxyPrivateIp} ${o.serverFqdn}' | sudo tee -a /etc/hosts`), "prints the hosts line and how to add it");
        for (const secret of secretsOf(o)) {
            assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), "no secret is printed");
        }
    });

    it("reruns idempotently, keeps other service sections, and --json prints the same facts for scripts", async () => {
        const box = sandbox(certificateOutputs);
        const serviceFile = path.join(box.home, ".pg_service.conf");
        fs.writeFileSync(serviceFile, "[mine]\nhost=example.org\n");
        assert.equal((await runConnect(box, ["--stack", "dev", "--client", "dev-laptop"])).code, 0);
        const first = fs.readFileSync(serviceFile, "utf8");
        assert.match(first, /^\[mine\]\nhost=example\.org\n\n\[securepg-dev\]\n/);
        const key = path.join(box.home, ".securepg", "dev", "vpn-dev-laptop.key");
        fs.chmodSync(key, 0o644);
        const run = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--json"]);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(mode(key), "600", "a rerun puts a loosened key back to 0600");
        assert.equal(fs.readFileSync(serviceFile, "utf8"), first);
        const result = JSON.parse(run.stdout);
        assert.deepEqual(result.files.map((f: { action: string }) => f.action), result.files.map(() => "unchanged"));
        assert.equal(result.service.action, "unchanged");
        assert.equal(result.hosts.line, `${certificateOutputs.proxyPrivateIp} ${certificateOutputs.serverFqdn}`);
        assert.equal(result.drivers.jdbc, `jdbc:postgresql://${certificateOutputs.serverFqdn}:5432/app?user=${certificateOutputs.adminLogin}&sslmode=verify-full&sslrootcert=${path.join(box.home, ".securepg", "dev", "root.crt")}`);
        for (const secret of secretsOf(certificateOutputs)) {
            assert.ok(!run.stdout.includes(secret), "no secret in the JSON either");
        }
    });

    it("never overwrites a file it did not write, or one changed since, without --force; nothing is written then", async () => {
        const box = sandbox(certificateOutputs);
        const dir = path.join(box.home, "vpn");
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, "root.crt"), "my own bundle\n");
        const refused = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--dir", dir]);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /not overwriting root\.crt: it exists and was not written by `npm run connect`, or changed since; pass --force/);
        assert.deepEqual(fs.readdirSync(dir), ["root.crt"], "nothing else was written");
        assert.ok(!fs.existsSync(path.join(box.home, ".pg_service.conf")));
        assert.ok(!fs.readFileSync(box.log, "utf8").includes("az "), "refused before asking Azure");

        assert.equal((await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--dir", dir, "--force"])).code, 0);
        assert.equal(fs.readFileSync(path.join(dir, "root.crt"), "utf8"), fs.readFileSync(AZURE_BUNDLE, "utf8"));
        assert.ok(fs.existsSync(path.join(dir, MANIFEST_FILE)));

        // A symbolic link in the directory is replaced, never written through.
        const elsewhere = path.join(box.root, "elsewhere.txt");
        fs.writeFileSync(elsewhere, "not yours\n");
        fs.rmSync(path.join(dir, "pgpass"));
        fs.symlinkSync(elsewhere, path.join(dir, "pgpass"));
        assert.equal((await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--dir", dir, "--force"])).code, 0);
        assert.equal(fs.readFileSync(elsewhere, "utf8"), "not yours\n");
        assert.ok(fs.lstatSync(path.join(dir, "pgpass")).isFile());
        assert.equal(mode(path.join(dir, "pgpass")), "600");

        fs.appendFileSync(path.join(dir, "dev-dev-laptop.ovpn"), "route 10.99.0.0 255.255.0.0\n");
        const edited = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--dir", dir]);
        assert.equal(edited.code, 1);
        assert.match(edited.stderr, /not overwriting dev-dev-laptop\.ovpn/);
        assert.match(fs.readFileSync(path.join(dir, "dev-dev-laptop.ovpn"), "utf8"), /route 10\.99/, "the user's edit survives");
    });

    it("refuses a service section and a hosts entry it did not write", async () => {
        const box = sandbox(certificateOutputs);
        fs.writeFileSync(path.join(box.home, ".pg_service.conf"), "[securepg-dev]\nhost=elsewhere\n");
        const service = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop"]);
        assert.equal(service.code, 1);
        assert.match(service.stderr, /\.pg_service\.conf: it already has a \[securepg-dev\] section that `npm run connect` did not write; pass --force/);
        assert.ok(!fs.existsSync(path.join(box.home, ".securepg")), "nothing written");

        const hosts = path.join(box.root, "hosts");
        fs.writeFileSync(hosts, `127.0.0.1 localhost\n10.1.2.3 ${certificateOutputs.serverFqdn}\n`);
        fs.rmSync(path.join(box.home, ".pg_service.conf"));
        const conflict = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--hosts", "--hosts-file", hosts]);
        assert.equal(conflict.code, 1);
        assert.match(conflict.stderr, new RegExp(`it already maps ${String(certificateOutputs.serverFqdn).replace(/\./g, "\\.")}`));
        // The line the tool tells users to add with `sudo tee -a` is taken as its own.
        fs.writeFileSync(hosts, `127.0.0.1 localhost\n${certificateOutputs.proxyPrivateIp} ${certificateOutputs.serverFqdn}\n`);
        assert.equal((await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--hosts", "--hosts-file", hosts])).code, 0);
        assert.equal(fs.readFileSync(hosts, "utf8"), `127.0.0.1 localhost\n# BEGIN securepg-dev (${WRITTEN_BY} for stack dev)\n${certificateOutputs.proxyPrivateIp} ${certificateOutputs.serverFqdn}\n# END securepg-dev\n`);

        const other = sandbox(certificateOutputs);
        const unwritable = await runConnect(other, ["--stack", "dev", "--client", "dev-laptop", "--hosts", "--hosts-file", path.join(other.root, "missing", "hosts")]);
        assert.equal(unwritable.code, 1);
        assert.match(unwritable.stderr, /cannot write .*missing\/hosts \(it needs root or administrator rights\): run without --hosts, and add the entry with `echo '[\d.]+ psql-[^']+' \| sudo tee -a \/etc\/hosts`/);
        assert.ok(!fs.existsSync(path.join(other.home, ".securepg")) && !fs.existsSync(path.join(other.home, ".pg_service.conf")), "refused before anything was written");
    });

    it("gives a clear error for a missing stack, client name, output, or Azure CLI", async () => {
        const box = sandbox(certificateOutputs);
        const noStack = await runConnect(box, ["--stack", "staging", "--client", "dev-laptop"]);
        assert.equal(noStack.code, 1);
        assert.match(noStack.stderr, /stack staging not found \(error: no stack named 'staging' found\); `pulumi stack ls` lists/);

        const noClient = await runConnect(box, ["--stack", "dev", "--client", "bob"]);
        assert.equal(noClient.code, 1);
        assert.match(noClient.stderr, /no client certificate named bob: stack dev issues: ci-runner, dev-laptop; to issue one, add it to securepg:vpn\.clients/);
        const unnamed = await runConnect(box, ["--stack", "dev"]);
        assert.equal(unnamed.code, 2);
        assert.match(unnamed.stderr, /--client is required: the VPN signs in with a client certificate; stack dev issues: ci-runner, dev-laptop\nusage: npm run connect/);
        assert.equal((await runConnect(box, [])).code, 2);

        const older = { ...certificateOutputs };
        delete older.vpnGatewayId;
        delete older.proxyPort;
        fs.writeFileSync(box.outputsFile, JSON.stringify(older));
        const stale = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop"]);
        assert.equal(stale.code, 1);
        assert.match(stale.stderr, /output proxyPort is missing: the stack was last deployed by an older securepg; run `pulumi up --stack dev` once/);
        assert.match(stale.stderr, /output vpnGatewayId is missing/);
        fs.writeFileSync(box.outputsFile, JSON.stringify({ ...certificateOutputs, adminPassword: "[secret]", vpnClientCertificates: "[secret]" }));
        const hidden = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop"]);
        assert.match(hidden.stderr, /stack dev's outputs adminPassword, vpnClientCertificates are hidden \(\[secret\]\): `pulumi stack output` must run with --show-secrets/);

        fs.writeFileSync(box.outputsFile, JSON.stringify(certificateOutputs));
        const azDown = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop"], { AZ_FAIL: "Please run 'az login' to setup account." });
        assert.equal(azDown.code, 1);
        assert.match(azDown.stderr, /`az network vnet-gateway vpn-client generate` failed \(run `az login` and `az account set --subscription <id>`\): ERROR: Please run 'az login'/);
        fs.rmSync(path.join(box.bin, "az"));
        const noAz = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop"]);
        assert.equal(noAz.code, 1);
        assert.match(noAz.stderr, /needs the Azure CLI \(az\), logged in: .* pass --profile-zip <file>/);
        assert.ok(!fs.existsSync(path.join(box.home, ".securepg", "dev", "vpn-dev-laptop.key")), "a failed run writes nothing");
    });

    it("takes a downloaded profile zip without the Azure CLI, or none", async () => {
        const box = sandbox(certificateOutputs);
        fs.rmSync(path.join(box.bin, "az"));
        const zip = path.join(box.root, "profile.zip");
        fs.writeFileSync(zip, vpnProfileZip("certificate", { separator: "/" }));
        const run = await runConnect(box, ["--stack", "dev", "--client", "ci-runner", "--profile-zip", zip, "--json"]);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(JSON.parse(run.stdout).vpnProfile, path.join(box.home, ".securepg", "dev", "dev-ci-runner.ovpn"));
        const none = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--no-vpn-profile", "--dir", path.join(box.root, "plain")]);
        assert.equal(none.code, 0, none.stderr);
        assert.deepEqual(fs.readdirSync(path.join(box.root, "plain")).sort(), [MANIFEST_FILE, "pgpass", "root.crt", "vpn-dev-laptop.crt", "vpn-dev-laptop.key"]);
        fs.writeFileSync(zip, "not a zip");
        const broken = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--profile-zip", zip, "--force"]);
        assert.equal(broken.code, 1);
        assert.match(broken.stderr, /the VPN profile is not a readable zip/);
    });
});

describe("npm run connect: Entra ID for the VPN and the database", () => {
    it("needs no client certificate, writes the Azure VPN Client profile, no pgpass, and signs in as the group", async () => {
        const box = sandbox(entraOutputs);
        served = vpnProfileZip("entra");
        try {
            const run = await runConnect(box, ["--stack", "dev", "--json"]);
            assert.equal(run.code, 0, run.stderr);
            const dir = path.join(box.home, ".securepg", "dev");
            assert.deepEqual(fs.readdirSync(dir).sort(), [MANIFEST_FILE, "azurevpnconfig.xml", "root.crt"]);
            const result = JSON.parse(run.stdout);
            assert.equal(result.vpnProfile, path.join(dir, "azurevpnconfig.xml"));
            const service = fs.readFileSync(path.join(box.home, ".pg_service.conf"), "utf8");
            assert.match(service, /^user=pg admins$/m);
            assert.doesNotMatch(service, /passfile/);
            assert.match(result.nextSteps.join("\n"), /PGPASSWORD="\$\(az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv\)" psql "service=securepg-dev"/);
            assert.equal(result.drivers.npgsql, `Host=${entraOutputs.serverFqdn};Port=5432;Database=app;Username='pg admins';SSL Mode=VerifyFull;Root Certificate=${path.join(dir, "root.crt")}`);
        } finally {
            served = vpnProfileZip("certificate");
        }
    });
});

describe("npm run connect: other setups", () => {
    it("with certificates and Entra ID, writes both Azure VPN Client profiles, and the OpenVPN one only for a named client", async () => {
        const box = sandbox(bothOutputs);
        served = vpnProfileZip("both");
        try {
            const entraOnly = await runConnect(box, ["--stack", "dev", "--dir", path.join(box.root, "entra")]);
            assert.equal(entraOnly.code, 0, entraOnly.stderr);
            assert.deepEqual(fs.readdirSync(path.join(box.root, "entra")).sort(), [MANIFEST_FILE, "azurevpnconfig_aad.xml", "azurevpnconfig_cert.xml", "pgpass", "root.crt"]);
            const withCertificate = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--dir", path.join(box.root, "cert"), "--force"]);
            assert.equal(withCertificate.code, 0, withCertificate.stderr);
            assert.deepEqual(fs.readdirSync(path.join(box.root, "cert")).sort(), [MANIFEST_FILE, "azurevpnconfig_aad.xml", "azurevpnconfig_cert.xml", "dev-dev-laptop.ovpn", "pgpass", "root.crt", "vpn-dev-laptop.crt", "vpn-dev-laptop.key"]);
            served = vpnProfileZip("both", { rename: (e) => (e.startsWith("OpenVPN/") ? null : e) });
            const noOpenVpn = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--dir", path.join(box.root, "no-openvpn")]);
            assert.equal(noOpenVpn.code, 0, noOpenVpn.stderr);
            assert.match(noOpenVpn.stdout, /Warning: Azure's profile has no OpenVPN\/vpnconfig\.ovpn .*no \.ovpn was written/);
            assert.ok(fs.existsSync(path.join(box.root, "no-openvpn", "vpn-dev-laptop.key")), "the certificate is still written, for the Azure VPN Client");
        } finally {
            served = vpnProfileZip("certificate");
        }
    });

    it("tells stacks of the same name in different organizations apart, and follows PGSERVICEFILE", async () => {
        const box = sandbox(certificateOutputs);
        const serviceFile = path.join(box.root, "services.conf");
        const first = await runConnect(box, ["--stack", "acme/securepg/dev", "--client", "dev-laptop"], { PGSERVICEFILE: serviceFile });
        assert.equal(first.code, 0, first.stderr);
        assert.match(fs.readFileSync(serviceFile, "utf8"), new RegExp(`^\\[securepg-dev\\]\n# ${WRITTEN_BY} for stack acme/securepg/dev;`));
        assert.ok(fs.existsSync(path.join(box.home, ".securepg", "dev", "dev-dev-laptop.ovpn")), "the directory and profile take the stack's last part");
        assert.ok(!fs.existsSync(path.join(box.home, ".pg_service.conf")));
        const other = await runConnect(box, ["--stack", "other/securepg/dev", "--client", "dev-laptop"], { PGSERVICEFILE: serviceFile });
        assert.equal(other.code, 1);
        assert.match(other.stderr, /services\.conf: its \[securepg-dev\] section was written for another stack \("# written by `npm run connect` for stack acme\/securepg\/dev; run it again to update this section"\); pass --force/);
    });

    it("signs in to postgres when the stack creates no database, and refuses a foreign Azure VPN Client profile before asking Azure", async () => {
        const box = sandbox({ ...certificateOutputs, databaseNames: [] });
        const run = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--no-vpn-profile"]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(fs.readFileSync(path.join(box.home, ".pg_service.conf"), "utf8"), /^dbname=postgres$/m);
        const dir = path.join(box.root, "xml");
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, "azurevpnconfig.xml"), "<mine/>");
        const refused = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop", "--dir", dir]);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /not overwriting azurevpnconfig\.xml/);
        assert.ok(!fs.readFileSync(box.log, "utf8").includes("az "), "refused before asking Azure");
    });

    it("refuses to run under sudo, whose files and Pulumi login would be root's", async (t) => {
        if (process.getuid?.() !== 0) {
            t.skip("only root can be run under sudo");
            return;
        }
        const box = sandbox(certificateOutputs);
        const run = await runConnect(box, ["--stack", "dev", "--client", "dev-laptop"], { SUDO_USER: "ana" });
        assert.equal(run.code, 2);
        assert.match(run.stderr, /do not run npm run connect with sudo/);
        assert.ok(!fs.existsSync(box.log), "nothing was asked of Pulumi");
    });
});

describe("the shipped database CA bundle", () => {
    // SHA-256 of each root, and the SHA-1 thumbprints Microsoft Learn lists in "Azure Certificate
    // Authority details" (learn.microsoft.com/azure/security/fundamentals/azure-ca-details).
    const PINNED = [
        { subject: "CN=DigiCert Global Root G2", sha1: "DF:3C:24:F9:BF:D6:66:76:1B:26:80:73:FE:06:D1:CC:8D:4F:82:A4", sha256: "CB:3C:CB:B7:60:31:E5:E0:13:8F:8D:D3:9A:23:F9:DE:47:FF:C3:5E:43:C1:14:4C:EA:27:D4:6A:5A:B1:CB:5F" },
        { subject: "CN=Microsoft RSA Root Certificate Authority 2017", sha1: "73:A5:E6:4A:3B:FF:83:16:FF:0E:DC:CC:61:8A:90:6E:4E:AE:4D:74", sha256: "C7:41:F7:0F:4B:2A:8D:88:BF:2E:71:C1:41:22:EF:53:EF:10:EB:A0:CF:A5:E6:4C:FA:20:F4:18:85:30:73:E0" },
        { subject: "CN=DigiCert Global Root CA", sha1: "A8:98:5D:3A:65:E5:E5:C4:B2:D7:D6:6D:40:C6:DD:2F:B1:9C:54:36", sha256: "43:48:A0:E9:44:4C:78:CB:26:5E:05:8D:5E:89:44:B4:D8:4F:96:62:BD:26:DB:25:7F:89:34:A4:43:C7:01:61" },
    ];

    it("holds exactly the three roots Azure Database for PostgreSQL chains to, self-signed, and nothing else", () => {
        const text = fs.readFileSync(AZURE_BUNDLE, "utf8");
        const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g) ?? [];
        assert.equal(blocks.join(""), text, "only PEM certificates: every driver's parser reads it");
        const certificates = blocks.map((pem) => new crypto.X509Certificate(pem));
        assert.deepEqual(certificates.map((c) => ({ subject: c.subject.split("\n").pop(), sha1: c.fingerprint, sha256: c.fingerprint256 })), PINNED);
        for (const c of certificates) {
            assert.ok(c.ca && c.checkIssued(c) && c.verify(c.publicKey), `${c.subject} is a self-signed CA`);
            assert.ok(new Date(c.validTo) > new Date("2031-01-01"), `${c.subject} is valid for years`);
        }
    });
});
