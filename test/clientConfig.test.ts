/** What `npm run connect` writes, as pure functions: service sections, pgpass, hosts, driver settings, its file rules. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { driverSettings, ForeignEntryError, hostsLine, mergeHostsFile, mergeServiceFile, pgpassLine, pgServiceSection, serviceName, WRITTEN_BY } from "../lib/clientConfig";
import { ForeignFileError, MANIFEST_FILE, planWrites, sha256 } from "../lib/clientFiles";
import { parseConnectOutputs } from "../lib/connectOutputs";
import { EXAMPLE_TARGET } from "./harness/clientTarget";
import { propertyRuns } from "./harness/tools";

const TARGET = EXAMPLE_TARGET;

describe("pg_service.conf", () => {
    it("names the FQDN for verification and the proxy as hostaddr, with verify-full, the bundle and the pgpass file", () => {
        assert.equal(pgServiceSection(TARGET), [
            "[securepg-dev]",
            `# ${WRITTEN_BY} for stack dev; run it again to update this section`,
            "host=psql-securepg-dev-a1b2c3.postgres.database.azure.com",
            "hostaddr=10.40.1.254",
            "port=5432",
            "dbname=app",
            "user=pgadmin",
            "sslmode=verify-full",
            "sslrootcert=/home/ana/.securepg/dev/root.crt",
            "passfile=/home/ana/.securepg/dev/pgpass",
            "",
        ].join("\n"));
        assert.doesNotMatch(pgServiceSection({ ...TARGET, passFile: undefined }), /passfile/, "no pgpass when tokens sign in");
        assert.match(pgServiceSection({ ...TARGET, user: "pg admins", caFile: "C:\\Users\\Ana Li\\root.crt" }), /^user=pg admins\nsslmode=verify-full\nsslrootcert=C:\\Users\\Ana Li\\root\.crt$/m, "libpq takes the rest of the line, unquoted");
        assert.throws(() => pgServiceSection({ ...TARGET, user: "a\nhost=evil" }), /user "a\\nhost=evil" contains a line break/);
        assert.equal(serviceName("prod"), "securepg-prod");
        assert.equal(serviceName("acme/securepg/prod"), "securepg-prod");
        assert.match(pgServiceSection({ ...TARGET, stack: "acme/securepg/dev" }), /^\[securepg-dev\]\n# written by `npm run connect` for stack acme\/securepg\/dev;/);
    });

    it("adds the section, replaces only its own, and refuses a foreign one of the same name unless forced", () => {
        const section = pgServiceSection(TARGET);
        assert.deepEqual(mergeServiceFile(undefined, section), { text: section, action: "added" });
        assert.deepEqual(mergeServiceFile("", section), { text: section, action: "added" });
        assert.equal(mergeServiceFile("[a]\nhost=x", section).text, `[a]\nhost=x\n\n${section}`);
        assert.equal(mergeServiceFile("[a]\nhost=x\n", section).text, `[a]\nhost=x\n\n${section}`);
        assert.equal(mergeServiceFile("[a]\nhost=x\n\n", section).text, `[a]\nhost=x\n\n${section}`);
        const older = pgServiceSection({ ...TARGET, proxyAddress: "10.40.1.200" });
        const file = `[a]\nhost=x\n\n${older}\n[b]\nhost=y\n`;
        const updated = mergeServiceFile(file, section);
        assert.deepEqual(updated, { text: `[a]\nhost=x\n\n${section}\n[b]\nhost=y\n`, action: "updated" });
        assert.deepEqual(mergeServiceFile(updated.text, section), { text: updated.text, action: "unchanged" });
        assert.equal(mergeServiceFile(older, section).text, section, "the section alone in the file");
        assert.equal(mergeServiceFile(older.trimEnd(), section).text, section, "a last line without a line break is the section's");
        assert.equal(mergeServiceFile(`${older}   \n[b]\nhost=y\n`, section).text, `${section}\n[b]\nhost=y\n`, "a blank line of spaces still separates");
        const lookalikes = "[a]\nsslkey=[securepg-dev]\nx[securepg-dev]\n[securepg-dev]x\n";
        assert.equal(mergeServiceFile(lookalikes, section).text, `${lookalikes}\n${section}`, "only a line that is all header starts a section");
        const foreign = "[securepg-dev]\nhost=mine\n[b]\nhost=y\n";
        assert.throws(() => mergeServiceFile(foreign, section), (e: Error) => e instanceof ForeignEntryError && /already has a \[securepg-dev\] section that `npm run connect` did not write/.test(e.message));
        assert.equal(mergeServiceFile(foreign, section, { force: true }).text, `${section}[b]\nhost=y\n`);
        assert.throws(() => mergeServiceFile("", "host=x\n"), /no \[name\] header/);
        const otherOrg = pgServiceSection({ ...TARGET, stack: "acme/securepg/dev" });
        assert.throws(() => mergeServiceFile(otherOrg, section), (e: Error) => e instanceof ForeignEntryError && /its \[securepg-dev\] section was written for another stack \("# written by `npm run connect` for stack acme\/securepg\/dev; run it again/.test(e.message));
        assert.equal(mergeServiceFile(otherOrg, section, { force: true }).text, section);
        const spaced = section.replace("this section\n", "this section   \n");
        assert.equal(mergeServiceFile(spaced, section).action, "updated", "a marker with trailing spaces is still this stack's");
    });

    it("leaves every other section byte for byte, and a rerun changes nothing (property)", () => {
        const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/).filter((n) => n !== "securepg-dev");
        const other = fc.tuple(name, fc.stringMatching(/^[a-z]{1,6}=[a-z0-9.]{0,10}$/)).map(([n, line]) => `[${n}]\n${line}\n`);
        fc.assert(fc.property(fc.array(other, { maxLength: 4 }), fc.array(other, { maxLength: 4 }), fc.boolean(), (before, after, present) => {
            const ours = present ? [`${pgServiceSection({ ...TARGET, port: 6432 })}`] : [];
            const file = [...before, ...ours, ...after].join("\n");
            const merged = mergeServiceFile(file, pgServiceSection(TARGET));
            for (const s of [...before, ...after]) {
                assert.ok(merged.text.includes(s));
            }
            assert.equal(merged.text.split("[securepg-dev]").length, 2, "exactly one section of ours");
            assert.equal(mergeServiceFile(merged.text, pgServiceSection(TARGET)).action, "unchanged");
        }), { numRuns: propertyRuns(200) });
    });
});

describe("pgpass", () => {
    it("matches the FQDN (what libpq and drivers compare), any database, and escapes : and \\", () => {
        assert.equal(pgpassLine(TARGET, "s3cret"), "psql-securepg-dev-a1b2c3.postgres.database.azure.com:5432:*:pgadmin:s3cret\n");
        assert.equal(pgpassLine(TARGET, "a:b\\c"), "psql-securepg-dev-a1b2c3.postgres.database.azure.com:5432:*:pgadmin:a\\:b\\\\c\n");
        assert.throws(() => pgpassLine(TARGET, "s3cret\nhost"), (e: Error) => e.message === "the password contains a line break", "without the secret in the message");
        assert.throws(() => pgpassLine({ ...TARGET, user: "a\rb" }, "pw"), /user "a\\rb" contains a line break/);
        assert.equal(pgpassLine({ ...TARGET, user: "a:b", port: 6432 }, "*"), "psql-securepg-dev-a1b2c3.postgres.database.azure.com:6432:*:a\\:b:*\n", "only the database field is a wildcard");
    });
});

describe("the hosts entry", () => {
    it("adds a marked block, replaces it on a rerun, keeps the rest and the file's line endings", () => {
        assert.equal(hostsLine(TARGET), "10.40.1.254 psql-securepg-dev-a1b2c3.postgres.database.azure.com");
        assert.throws(() => hostsLine({ ...TARGET, serverFqdn: "x\n1.2.3.4 bank.example" }), /serverFqdn .* contains a line break/);
        const block = `# BEGIN securepg-dev (${WRITTEN_BY} for stack dev)\n10.40.1.254 psql-securepg-dev-a1b2c3.postgres.database.azure.com\n# END securepg-dev\n`;
        const added = mergeHostsFile("127.0.0.1 localhost\n\n", TARGET);
        assert.deepEqual(added, { text: `127.0.0.1 localhost\n${block}`, action: "added" });
        const moved = mergeHostsFile(`${added.text}10.0.0.9 other\n`, { ...TARGET, proxyAddress: "10.40.1.200" });
        assert.equal(moved.action, "updated");
        assert.equal(moved.text, `127.0.0.1 localhost\n10.0.0.9 other\n${block.replace("10.40.1.254", "10.40.1.200")}`);
        assert.equal(mergeHostsFile(moved.text, { ...TARGET, proxyAddress: "10.40.1.200" }).action, "unchanged");
        const windows = mergeHostsFile("127.0.0.1 localhost\r\n", TARGET);
        assert.equal(windows.text, `127.0.0.1 localhost\r\n${block.replace(/\n/g, "\r\n")}`);
        assert.equal(mergeHostsFile("", { ...TARGET, stack: "acme/app/prod" }).text.split("\n")[0], `# BEGIN securepg-prod (${WRITTEN_BY} for stack acme/app/prod)`);
        const handAdded = mergeHostsFile(`127.0.0.1 localhost\n10.40.1.254   PSQL-securepg-dev-a1b2c3.postgres.database.azure.com # by hand\n`, TARGET);
        assert.deepEqual(handAdded, { text: `127.0.0.1 localhost\n${block}`, action: "updated" }, "the exact entry, added by hand, is taken into the block");
        const grown = `# x\n${block.replace("# END", "10.40.1.254 alias.example\n# END").replace(/\n# END securepg-dev/, "  \n# END securepg-dev  ").replace("azure.com)", "azure.com) ")}`;
        assert.equal(mergeHostsFile(`${grown.replace(`(${WRITTEN_BY} for stack dev)`, `(${WRITTEN_BY} for stack dev)  `)}10.0.0.9 after\n`, TARGET).text, `# x\n10.0.0.9 after\n${block}`, "the whole block is ours, markers with trailing spaces included, and what follows it stays");
    });

    it("refuses another line for the same name (the first match wins), and with force comments it out", () => {
        const file = "127.0.0.1 localhost\n10.1.2.3   other PSQL-securepg-dev-a1b2c3.postgres.database.azure.com # old\n";
        assert.throws(() => mergeHostsFile(file, TARGET), (e: Error) => e instanceof ForeignEntryError && /already maps psql-securepg-dev-a1b2c3\.postgres\.database\.azure\.com \("10\.1\.2\.3 {3}other/.test(e.message));
        assert.throws(() => mergeHostsFile(`  10.0.0.1 ${TARGET.serverFqdn}\n10.0.0.2 ${TARGET.serverFqdn}\n`, TARGET),
            (e: Error) => e.message === `it already maps ${TARGET.serverFqdn} ("10.0.0.1 ${TARGET.serverFqdn}", "10.0.0.2 ${TARGET.serverFqdn}")`);
        const forced = mergeHostsFile(file, TARGET, { force: true }).text;
        assert.match(forced, /^# disabled by securepg-dev: 10\.1\.2\.3 {3}other PSQL/m);
        assert.doesNotThrow(() => mergeHostsFile("# 10.1.2.3 psql-securepg-dev-a1b2c3.postgres.database.azure.com\n10.1.2.3 psql-securepg-dev-a1b2c3.postgres.database.azure.com.example\n", TARGET), "comments and longer names are not the same name");
    });
});

describe("driver settings", () => {
    it("are exact for each driver, with no secret in them", () => {
        const d = driverSettings(TARGET);
        assert.equal(d.libpqService, "service=securepg-dev");
        assert.equal(d.libpq, "host=psql-securepg-dev-a1b2c3.postgres.database.azure.com port=5432 dbname=app user=pgadmin sslmode=verify-full sslrootcert=/home/ana/.securepg/dev/root.crt passfile=/home/ana/.securepg/dev/pgpass");
        assert.equal(d.jdbc, "jdbc:postgresql://psql-securepg-dev-a1b2c3.postgres.database.azure.com:5432/app?user=pgadmin&sslmode=verify-full&sslrootcert=/home/ana/.securepg/dev/root.crt");
        assert.equal(d.npgsql, "Host=psql-securepg-dev-a1b2c3.postgres.database.azure.com;Port=5432;Database=app;Username=pgadmin;SSL Mode=VerifyFull;Root Certificate=/home/ana/.securepg/dev/root.crt;Passfile=/home/ana/.securepg/dev/pgpass");
        assert.deepEqual(d.nodePostgres, { host: TARGET.serverFqdn, port: 5432, database: "app", user: "pgadmin", ssl: { caFile: TARGET.caFile, rejectUnauthorized: true } });
        assert.equal(d.pgx, "postgres://pgadmin@psql-securepg-dev-a1b2c3.postgres.database.azure.com:5432/app?sslmode=verify-full&sslrootcert=/home/ana/.securepg/dev/root.crt&passfile=/home/ana/.securepg/dev/pgpass");
        assert.deepEqual(d.environment, { PGPASSFILE: TARGET.passFile });
        assert.ok(!JSON.stringify(d).includes("hostaddr"), "drivers without hostaddr reach the proxy through the hosts entry");
    });

    it("quote or encode names with spaces and quotes per driver, and leave out the pgpass file for tokens", () => {
        const d = driverSettings({ ...TARGET, user: "pg admins", database: "my db", caFile: "/Users/Ana Li/root.crt", passFile: undefined });
        assert.equal(d.libpq, "host=psql-securepg-dev-a1b2c3.postgres.database.azure.com port=5432 dbname='my db' user='pg admins' sslmode=verify-full sslrootcert='/Users/Ana Li/root.crt'");
        assert.equal(d.jdbc, "jdbc:postgresql://psql-securepg-dev-a1b2c3.postgres.database.azure.com:5432/my%20db?user=pg%20admins&sslmode=verify-full&sslrootcert=/Users/Ana%20Li/root.crt");
        assert.equal(d.npgsql, "Host=psql-securepg-dev-a1b2c3.postgres.database.azure.com;Port=5432;Database='my db';Username='pg admins';SSL Mode=VerifyFull;Root Certificate='/Users/Ana Li/root.crt'");
        assert.equal(d.pgx, "postgres://pg%20admins@psql-securepg-dev-a1b2c3.postgres.database.azure.com:5432/my%20db?sslmode=verify-full&sslrootcert=/Users/Ana%20Li/root.crt");
        assert.deepEqual(d.environment, {});
        assert.match(driverSettings({ ...TARGET, user: "o'neil;x" }).npgsql, /;Username='o''neil;x';/);
        assert.match(driverSettings({ ...TARGET, caFile: "C:\\certs\\root.crt" }).jdbc, /sslrootcert=C:%5Ccerts%5Croot\.crt$/);
    });
});

describe("which files npm run connect may write", () => {
    const write = (name: string, content: string) => ({ name, content, mode: 0o600, what: name });

    it("adds new files, keeps identical ones, replaces its own, and refuses every other at once", () => {
        const files: Record<string, string> = { "same.crt": "A", "ours.key": "old", "mine.crt": "hand-made", "edited.ovpn": "edited" };
        const manifest = { files: { "ours.key": sha256("old"), "edited.ovpn": sha256("as written") } };
        const writes = [write("new.crt", "N"), write("same.crt", "A"), write("ours.key", "new")];
        assert.deepEqual(planWrites(writes, manifest, (n) => files[n]).map((p) => [p.name, p.action, p.sha256]), [
            ["new.crt", "added", sha256("N")],
            ["same.crt", "unchanged", sha256("A")],
            ["ours.key", "updated", sha256("new")],
        ]);
        const refused = [...writes, write("mine.crt", "X"), write("edited.ovpn", "Y")];
        assert.throws(() => planWrites(refused, manifest, (n) => files[n]), (e: Error) => e instanceof ForeignFileError && /^not overwriting mine\.crt, edited\.ovpn: they exist and were not written by/.test(e.message));
        assert.throws(() => planWrites([write("mine.crt", "X")], manifest, (n) => files[n]), (e: Error) => /^not overwriting mine\.crt: it exists and was not written/.test(e.message));
        assert.equal(planWrites(refused, manifest, (n) => files[n], { force: true }).length, 5);
        assert.deepEqual(planWrites([], manifest, (n) => files[n], { pending: ["ours.key", "new.ovpn"] }), [], "pending files of ours or new pass");
        assert.throws(() => planWrites([write("same.crt", "A")], manifest, (n) => files[n], { pending: ["edited.ovpn"] }), (e: Error) => e instanceof ForeignFileError && /^not overwriting edited\.ovpn:/.test(e.message), "a pending file is checked for ownership alone");
        assert.throws(() => planWrites([write("a", "")], manifest, () => undefined, { pending: ["a"] }), /written twice/);
        assert.throws(() => planWrites([write("../x", "")], manifest, () => undefined), /not a file name/);
        assert.throws(() => planWrites([write("a/b", "")], manifest, () => undefined), /"a\/b" is not a file name/);
        assert.deepEqual(planWrites([], manifest, () => "anything"), [], "no pending files: nothing to refuse");
        assert.equal(MANIFEST_FILE, ".securepg-connect.json", "users see it in the directory; renaming it would orphan every earlier manifest");
        assert.throws(() => planWrites([write("a", ""), write("a", "")], manifest, () => undefined), /written twice/);
    });
});

describe("the stack outputs npm run connect reads", () => {
    const outputs = {
        resourceGroupName: "rg-securepg-dev",
        serverFqdn: TARGET.serverFqdn,
        proxyPrivateIp: "10.40.1.254",
        proxyPort: 5432,
        adminLogin: "pgadmin",
        adminPassword: "pw",
        databaseNames: ["app"],
        vpnGatewayId: "/subscriptions/0000/resourceGroups/rg-securepg-dev/providers/Microsoft.Network/virtualNetworkGateways/vgw-securepg-dev",
    };

    it("fills what older stacks did not export with what they had: passwords and certificates", () => {
        const parsed = parseConnectOutputs("dev", outputs);
        assert.equal(parsed.passwordAuthentication, true);
        assert.equal(parsed.vpnAuthentication, "certificate");
        assert.deepEqual(parsed.vpnClientCertificates, {});
    });

    it("names every missing, hidden or malformed output", () => {
        assert.throws(() => parseConnectOutputs("dev", { ...outputs, proxyPrivateIp: "10.40.1", serverFqdn: "not a name", databaseNames: [""], vpnGatewayId: "/subscriptions/0/resourceGroups/r/providers/azure-native:network:VirtualNetworkGateway/x" }),
            /stack dev does not have what `npm run connect` needs:\n {2}- output serverFqdn is not a host name\n {2}- output proxyPrivateIp is not an IPv4 address\n {2}- output databaseNames\.0 .*\n {2}- output vpnGatewayId is not a virtual network gateway's resource id$/);
        assert.throws(() => parseConnectOutputs("dev", { ...outputs, proxyPrivateIp: "010.40.1.254" }), /proxyPrivateIp is not an IPv4 address/);
        assert.throws(() => parseConnectOutputs("dev", { ...outputs, vpnGatewayId: `${outputs.vpnGatewayId.replace("rg-securepg-dev", "rg x")}` }), /vpnGatewayId is not a virtual network gateway's resource id/, "nothing a shell would split");
        assert.deepEqual(parseConnectOutputs("dev", { ...outputs, databaseNames: [] }).databaseNames, []);
        for (const fqdn of ["-psql.postgres.database.azure.com", "psql.postgres.database.azure.com:5432", `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.ee.azure.com`]) {
            assert.throws(() => parseConnectOutputs("dev", { ...outputs, serverFqdn: fqdn }), /serverFqdn is not a host name/, fqdn);
        }
        assert.throws(() => parseConnectOutputs("dev", { ...outputs, vpnGatewayId: `x${outputs.vpnGatewayId}` }), /vpnGatewayId is not/);
        assert.throws(() => parseConnectOutputs("dev", { ...outputs, vpnGatewayId: `${outputs.vpnGatewayId}/x` }), /vpnGatewayId is not/);
        for (const mode of ["certificate", "entra", "both"] as const) {
            assert.equal(parseConnectOutputs("dev", { ...outputs, vpnAuthentication: mode }).vpnAuthentication, mode);
        }
        assert.equal(parseConnectOutputs("dev", { ...outputs, entraAdmin: "pg admins" }).entraAdmin, "pg admins");
        assert.throws(() => parseConnectOutputs("dev", { ...outputs, entraAdmin: "" }), /output entraAdmin/);
        assert.throws(() => parseConnectOutputs("dev", { ...outputs, adminPassword: undefined }), /no adminPassword output, though passwords sign in/);
        assert.doesNotThrow(() => parseConnectOutputs("dev", { ...outputs, adminPassword: undefined, passwordAuthentication: false }));
        assert.throws(() => parseConnectOutputs("dev", { ...outputs, adminPassword: "[secret]" }), (e: Error) => e.message === "stack dev's output adminPassword is hidden ([secret]): `pulumi stack output` must run with --show-secrets");
        assert.throws(() => parseConnectOutputs("dev", { ...outputs, adminPassword: "[secret]", vpnClientCertificates: "[secret]" }), /stack dev's outputs adminPassword, vpnClientCertificates are hidden/);
        assert.equal(parseConnectOutputs("dev", { ...outputs, serverFqdn: "a.postgres.database.azure.com" }).serverFqdn, "a.postgres.database.azure.com", "one-letter labels are names");
        const { proxyPort: _port, vpnGatewayId: _id, serverFqdn: _fqdn, ...older } = outputs;
        assert.throws(() => parseConnectOutputs("dev", older), (e: Error) => e.message === [
            "stack dev does not have what `npm run connect` needs:",
            "  - output serverFqdn is missing",
            "  - output proxyPort is missing: the stack was last deployed by an older securepg; run `pulumi up --stack dev` once",
            "  - output vpnGatewayId is missing: the stack was last deployed by an older securepg; run `pulumi up --stack dev` once",
        ].join("\n"));
        assert.throws(() => parseConnectOutputs("dev", { ...outputs, vpnClientCertificates: { a: { certificatePem: "x", privateKeyPem: "-----BEGIN PRIVATE KEY-----" } } }), /- output vpnClientCertificates\.a\.certificatePem [^\n]*$/);
        assert.throws(() => parseConnectOutputs("dev", { ...outputs, vpnClientCertificates: { a: { certificatePem: "-----BEGIN CERTIFICATE-----", privateKeyPem: "y" } } }), /- output vpnClientCertificates\.a\.privateKeyPem [^\n]*$/);
        assert.throws(() => parseConnectOutputs("dev", { ...outputs, vpnClientCertificates: { a: { certificatePem: "-----BEGIN CERTIFICATE-----" } } }), /- output vpnClientCertificates\.a\.privateKeyPem is missing$/);
    });
});
