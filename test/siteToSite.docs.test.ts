/** docs/site-to-site.md shows exactly what the program gives the site's team, and the swanctl.conf securepg renders for it. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCidr, type Ipv4Cidr } from "../lib/cidr";
import { DEFAULT_IPSEC_POLICY, siteDeviceConfig, swanctlConf } from "../lib/siteToSite";
import { PROJECT_ROOT } from "./harness/stackFiles";

const DOC = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "site-to-site.md"), "utf8");
const blocks = [...DOC.matchAll(/```([a-z]*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
const device = siteDeviceConfig({ addressPrefixes: [parseCidr("192.168.10.0/24") as Ipv4Cidr], ipsecPolicy: DEFAULT_IPSEC_POLICY, bgp: undefined },
    { gatewayAddresses: ["20.50.10.5"], networks: ["10.40.0.0/16"], dpdTimeoutSeconds: 45, bgpPeering: undefined });

describe("docs/site-to-site.md", () => {
    it("shows the site's device settings as the output gives them", () => {
        const json = blocks.find((b) => b.lang === "json");
        assert.ok(json);
        assert.deepEqual(JSON.parse(json.text), JSON.parse(JSON.stringify(device)));
    });

    it("shows exactly the swanctl.conf swanctlConf renders, rekeying before Azure's lifetimes", () => {
        assert.ok(blocks.some((b) => b.text === swanctlConf("hq", device, "203.0.113.10")));
        const conf = swanctlConf("hq", { ...device, azureGatewayAddresses: ["20.50.10.5", "20.50.10.6"] }, "203.0.113.10");
        assert.deepEqual([...conf.matchAll(/remote_addrs = (\S+)/g)].map((m) => m[1]), ["20.50.10.5", "20.50.10.6"], "a tunnel per active-active instance");
        assert.deepEqual([...conf.matchAll(/if_id_in = (\d+)/g)].map((m) => m[1]), ["42", "43"]);
        assert.deepEqual([...conf.matchAll(/if_id_out = (\d+)/g)].map((m) => m[1]), ["42", "43"]);
        assert.ok(conf.includes("        }\n    }\n    azure-hq-2 {\n"), "each connection on its own lines");
        assert.match(conf, /secrets \{\n {4}ike-azure-hq-1 \{\n {8}id = 20\.50\.10\.5\n {8}secret = "<siteSharedKeys\.hq>"\n {4}\}\n {4}ike-azure-hq-2 \{\n {8}id = 20\.50\.10\.6\n/);
        assert.match(conf, /rekey_time = 21600s/, "80% of 27,000 s");
        assert.match(swanctlConf("hq", { ...device, policy: { ...DEFAULT_IPSEC_POLICY, saLifeTimeSeconds: 300 } }, "x"), /rekey_time = 240s/);
    });
});
