/** docs/architecture.md must be what `npm run diagram` renders from the program today. */
import { it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { DIAGRAM_FILE, diagramFor } from "../scripts/diagram";

it("the committed architecture diagram is current (run `npm run diagram` after changing resources)", async () => {
    const fresh = await diagramFor("dev");
    assert.equal(fs.readFileSync(DIAGRAM_FILE, "utf8"), fresh);
    for (const node of ["VirtualNetworkGateway", "LoadBalancer", "VirtualMachine", "Server", "client"]) {
        assert.ok(fresh.includes(node), node);
    }
    assert.match(fresh, /client == .*==> VirtualNetworkGateway_vpn_gateway/);
    assert.match(fresh, /VirtualNetworkGateway_vpn_gateway == .*==> LoadBalancer_load_balancer/);
    assert.match(fresh, /LoadBalancer_load_balancer == .*==> VirtualMachine_proxy_1_vm/);
    assert.match(fresh, /VirtualMachine_proxy_1_vm == .*==> Server_server/);
});
