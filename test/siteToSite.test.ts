/** The site-to-site rules: IPsec/IKE policies, ASNs, pre-shared keys and strongSwan's names. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { asnProblem, DEFAULT_IPSEC_POLICY, ipsecPolicyProblems, siteKeyProblem, strongSwanProposals, weakerThanDefault, type IpsecPolicy } from "../lib/siteToSite";

const policy = (changes: Partial<Record<keyof IpsecPolicy, string | number>>): IpsecPolicy => ({ ...DEFAULT_IPSEC_POLICY, ...changes }) as IpsecPolicy;

describe("ipsecPolicyProblems", () => {
    it("accepts the default and the strong alternatives", () => {
        assert.deepEqual(ipsecPolicyProblems(DEFAULT_IPSEC_POLICY), []);
        assert.deepEqual(ipsecPolicyProblems(policy({ ikeEncryption: "GCMAES256", ikeIntegrity: "SHA384", dhGroup: "ECP384", pfsGroup: "ECP384" })), []);
        assert.deepEqual(ipsecPolicyProblems(policy({ ipsecEncryption: "AES256", ipsecIntegrity: "SHA256", saLifeTimeSeconds: 300, saDataSizeKilobytes: 1024 })), []);
    });

    it("refuses each weak algorithm by name, with what to use instead", () => {
        assert.deepEqual(ipsecPolicyProblems(policy({ ikeEncryption: "DES3", ikeIntegrity: "SHA1", dhGroup: "DHGroup2", pfsGroup: "PFS1" })), [
            "ikeEncryption DES3 is weak; use one of GCMAES256, GCMAES128, AES256, AES192, AES128",
            "ikeIntegrity SHA1 is weak; use one of SHA384, SHA256",
            "dhGroup DHGroup2 is weak; use one of DHGroup24, ECP384, ECP256, DHGroup14, DHGroup2048",
            "pfsGroup PFS1 is weak; use one of PFS24, ECP384, ECP256, PFS2048",
        ]);
        assert.deepEqual(ipsecPolicyProblems(policy({ ipsecEncryption: "None", ipsecIntegrity: "MD5" })).slice(0, 2), [
            "ipsecEncryption None is weak; use one of GCMAES256, GCMAES192, GCMAES128, AES256, AES192, AES128",
            "ipsecIntegrity MD5 is weak; use one of GCMAES256, GCMAES192, GCMAES128, SHA256",
        ]);
        assert.deepEqual(ipsecPolicyProblems(policy({ pfsGroup: "PFS14" })), ["pfsGroup \"PFS14\" is not one of PFS24, ECP384, ECP256, PFS2048"], "in the API, not in Learn");
    });

    it("pairs GCM encryption with the same GCM integrity, and refuses lifetimes below Azure's minimums", () => {
        const pairing = /does not go with/;
        assert.match(ipsecPolicyProblems(policy({ ipsecIntegrity: "GCMAES128" })).join(), pairing);
        assert.match(ipsecPolicyProblems(policy({ ipsecIntegrity: "SHA256" })).join(), pairing);
        assert.match(ipsecPolicyProblems(policy({ ipsecEncryption: "AES256", ipsecIntegrity: "GCMAES256" })).join(), pairing);
        assert.deepEqual(ipsecPolicyProblems(policy({ saLifeTimeSeconds: 299, saDataSizeKilobytes: 1023 })), [
            "saLifeTimeSeconds must be a whole number of at least 300",
            "saDataSizeKilobytes must be a whole number of at least 1024",
        ]);
        assert.equal(ipsecPolicyProblems(policy({ saLifeTimeSeconds: 300.5 })).length, 1);
    });
});

describe("weakerThanDefault", () => {
    it("names the fields weaker than the default, and none for equal or stronger ones", () => {
        assert.deepEqual(weakerThanDefault(DEFAULT_IPSEC_POLICY), []);
        assert.deepEqual(weakerThanDefault(policy({ ikeEncryption: "GCMAES256", ikeIntegrity: "SHA384", dhGroup: "ECP384", ipsecEncryption: "AES256", ipsecIntegrity: "SHA256", pfsGroup: "ECP256" })), []);
        assert.deepEqual(weakerThanDefault(policy({ ikeEncryption: "AES128", ipsecEncryption: "GCMAES128", ipsecIntegrity: "GCMAES128" })), ["ikeEncryption", "ipsecEncryption", "ipsecIntegrity"]);
        assert.deepEqual(weakerThanDefault(policy({ dhGroup: "DHGroup2", pfsGroup: "None", ikeIntegrity: "SHA1" })), ["ikeIntegrity", "dhGroup", "pfsGroup"]);
    });
});

describe("asnProblem", () => {
    it("refuses Azure's and IANA's reserved numbers at each edge, and accepts private and public ones", () => {
        for (const asn of [8074, 8075, 12076, 65515, 65517, 65520]) {
            assert.match(asnProblem(asn) ?? "", /reserved by Azure/, String(asn));
        }
        for (const asn of [23456, 64496, 64511, 65535, 65551]) {
            assert.match(asnProblem(asn) ?? "", /reserved by IANA/, String(asn));
        }
        for (const asn of [0, -1, 1.5, 4_294_967_295]) {
            assert.equal(asnProblem(asn), "must be a whole number from 1 to 4294967294", String(asn));
        }
        for (const asn of [1, 64512, 65514, 65516, 65521, 65534, 65552, 4_200_000_000, 4_294_967_294]) {
            assert.equal(asnProblem(asn), undefined, String(asn));
        }
    });
});

describe("siteKeyProblem", () => {
    it("takes 32 to 128 printable ASCII characters without space, - or ~, and never repeats the key", () => {
        assert.equal(siteKeyProblem("a".repeat(32)), undefined);
        assert.equal(siteKeyProblem(`!#$%&'()*+,./:;<=>?@[\\]^_\`{|}${"A".repeat(20)}`), undefined);
        assert.equal(siteKeyProblem("a".repeat(128)), undefined);
        assert.equal(siteKeyProblem("a".repeat(129)), "must be 1 to 128 characters long");
        assert.equal(siteKeyProblem(""), "must be 1 to 128 characters long");
        for (const bad of [`${"a".repeat(32)} `, `${"a".repeat(32)}-`, `${"a".repeat(32)}~`, `${"a".repeat(32)}é`, `${"a".repeat(32)}\n`]) {
            assert.equal(siteKeyProblem(bad), "may hold only printable ASCII characters other than space, - and ~", JSON.stringify(bad));
        }
        assert.match(siteKeyProblem("a".repeat(31)) ?? "", /shorter than 32/);
        assert.match(siteKeyProblem("a") ?? "", /shorter than 32/, "one character is Azure's minimum, not securepg's");
        assert.equal(siteKeyProblem(` ${"a".repeat(32)}`), "may hold only printable ASCII characters other than space, - and ~", "a leading space");
    });
});

describe("strongSwanProposals", () => {
    it("names the default and the alternatives as swanctl.conf does", () => {
        assert.deepEqual(strongSwanProposals(DEFAULT_IPSEC_POLICY), { ike: "aes256-sha256-modp2048", esp: "aes256gcm16-modp2048" });
        assert.deepEqual(strongSwanProposals(policy({ ikeEncryption: "GCMAES256", ikeIntegrity: "SHA384", dhGroup: "ECP384", ipsecEncryption: "AES256", ipsecIntegrity: "SHA256", pfsGroup: "ECP384" })),
            { ike: "aes256gcm16-prfsha384-ecp384", esp: "aes256-sha256-ecp384" });
        assert.deepEqual(strongSwanProposals(policy({ dhGroup: "DHGroup24", pfsGroup: "PFS24" })), { ike: "aes256-sha256-modp2048s256", esp: "aes256gcm16-modp2048s256" });
        assert.throws(() => strongSwanProposals(policy({ dhGroup: "DHGroup2" })), /DHGroup2 has no strongSwan name/);
        // Every strong value by its strongSwan name (strongSwan's IKEv2 cipher suites list).
        const names: Array<[Partial<IpsecPolicy>, string, string]> = [
            [{ ikeEncryption: "AES128", ipsecEncryption: "AES128", ipsecIntegrity: "SHA256" }, "aes128-sha256-modp2048", "aes128-sha256-modp2048"],
            [{ ikeEncryption: "AES192", ipsecEncryption: "AES192", ipsecIntegrity: "SHA256" }, "aes192-sha256-modp2048", "aes192-sha256-modp2048"],
            [{ ikeEncryption: "GCMAES128", ipsecEncryption: "GCMAES128", ipsecIntegrity: "GCMAES128" }, "aes128gcm16-prfsha256-modp2048", "aes128gcm16-modp2048"],
            [{ ipsecEncryption: "GCMAES192", ipsecIntegrity: "GCMAES192", dhGroup: "DHGroup2048", pfsGroup: "ECP256" }, "aes256-sha256-modp2048", "aes192gcm16-ecp256"],
            [{ dhGroup: "ECP256" }, "aes256-sha256-ecp256", "aes256gcm16-modp2048"],
        ];
        for (const [changes, ike, esp] of names) {
            assert.deepEqual(strongSwanProposals(policy(changes)), { ike, esp }, JSON.stringify(changes));
        }
    });
});
