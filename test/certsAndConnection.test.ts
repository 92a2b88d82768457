import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fc from "fast-check";
import { pemToAzureCertData } from "../lib/certs";
import { libpqConnectionString, quoteLibpqValue } from "../lib/connection";
import { MOCK_CERT_PEM } from "./harness/program";

describe("pemToAzureCertData", () => {
    it("is the base64 of the DER certificate: no armour, no line breaks", () => {
        const data = pemToAzureCertData(MOCK_CERT_PEM);
        assert.equal(data, new crypto.X509Certificate(MOCK_CERT_PEM).raw.toString("base64"));
        assert.doesNotMatch(data, /\s|-----/);
    });

    it("accepts CRLF line endings and surrounding text, takes the first certificate", () => {
        const messy = `subject=whatever\r\n${MOCK_CERT_PEM.replace(/\n/g, "\r\n")}\r\n${MOCK_CERT_PEM}`;
        assert.equal(pemToAzureCertData(messy), pemToAzureCertData(MOCK_CERT_PEM));
    });

    it("refuses what is not a certificate", () => {
        assert.throws(() => pemToAzureCertData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"), /PEM certificate/);
        const body = (text: string) => `-----BEGIN CERTIFICATE-----\n${text}\n-----END CERTIFICATE-----`;
        assert.throws(() => pemToAzureCertData(body("!!!")), /not base64/);
        for (const bad of ["!!!!", "", "AAA", "AAAAA==", "!!AA", "AA!!"]) {
            assert.throws(() => pemToAzureCertData(body(bad)), /the PEM certificate body is not base64/, JSON.stringify(bad));
        }
        assert.equal(pemToAzureCertData(body("AAAA\nAA==")), "AAAAAA==");
    });
});

/** A libpq keyword/value parser, as documented in "Connection Strings" (PostgreSQL docs 34.1.1). */
function parseConninfo(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    const re = /\s*([a-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S+))/gy;
    let m: RegExpExecArray | null;
    let consumed = 0;
    while ((m = re.exec(text)) !== null) {
        out[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
        consumed = re.lastIndex;
    }
    assert.equal(text.slice(consumed).trim(), "", `unparsed rest: ${text.slice(consumed)}`);
    return out;
}

describe("libpqConnectionString", () => {
    const base = { serverFqdn: "psql-x.postgres.database.azure.com", proxyAddress: "10.40.1.4", port: 5432, database: "app", user: "pgadmin" };

    it("connects to the proxy while verifying the server's name", () => {
        const parsed = parseConninfo(libpqConnectionString({ ...base, password: "s3cret" }));
        assert.deepEqual(parsed, { host: base.serverFqdn, hostaddr: "10.40.1.4", port: "5432", dbname: "app", user: "pgadmin", password: "s3cret", sslmode: "verify-full" });
    });

    it("round-trips any password through libpq's quoting", () => {
        fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }), (password) => {
            const parsed = parseConninfo(libpqConnectionString({ ...base, password }));
            assert.equal(parsed.password, password);
        }));
        assert.equal(quoteLibpqValue("it's"), "'it\\'s'");
        assert.equal(quoteLibpqValue("a b"), "'a b'");
    });

    it("quotes only what needs it, so the string users paste stays readable", () => {
        assert.equal(libpqConnectionString({ ...base, password: "Pa55-word_.~" }),
            "host=psql-x.postgres.database.azure.com hostaddr=10.40.1.4 port=5432 dbname=app user=pgadmin password=Pa55-word_.~ sslmode=verify-full");
        assert.equal(quoteLibpqValue("/home/me/.postgresql/root.crt"), "/home/me/.postgresql/root.crt");
        assert.equal(quoteLibpqValue("me@example.com:x+y"), "me@example.com:x+y");
    });

    it("leaves the password out when none is given", () => {
        assert.ok(!("password" in parseConninfo(libpqConnectionString(base))));
    });
});
