/**
 * Everything after the first `pulumi up`, judged from what the real program registers:
 * - the order `pulumi destroy` follows (from the registered dependencies);
 * - what Azure changes behind the program's back (zones after an HA failover, storage grown by
 *   auto-grow, a gateway migrated to Generation2) planning no change at all;
 * - every replacement the program can plan being one Azure can carry out.
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { deletedBefore, destroyWaves } from "./harness/graph";
import { plannedChanges, withValueAt } from "./harness/diff";
import { ofType, one, runProgram, type ProgramRun, type RegisteredResource } from "./harness/program";
import { rollout, until, type Step } from "./harness/rollout";
import { GENERATION_NAME } from "../lib/proxyTier";
import { loadStackFile, withSections } from "./harness/stackFiles";

const T = {
    server: "azure-native:dbforpostgresql:Server",
    configuration: "azure-native:dbforpostgresql:Configuration",
    firewall: "azure-native:dbforpostgresql:FirewallRule",
    database: "azure-native:dbforpostgresql:Database",
    lock: "azure-native:authorization:ManagementLockByScope",
    subnet: "azure-native:network:Subnet",
    link: "azure-native:privatedns:VirtualNetworkLink",
    zone: "azure-native:privatedns:PrivateZone",
    vnet: "azure-native:network:VirtualNetwork",
    nsg: "azure-native:network:NetworkSecurityGroup",
    gateway: "azure-native:network:VirtualNetworkGateway",
    pip: "azure-native:network:PublicIPAddress",
    vm: "azure-native:compute:VirtualMachine",
    nic: "azure-native:network:NetworkInterface",
    lb: "azure-native:network:LoadBalancer",
    runCommand: "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
    extension: "azure-native:compute:VirtualMachineExtension",
    dcra: "azure-native:monitor:DataCollectionRuleAssociation",
    drain: "command:local:Command",
};

const dev = loadStackFile("Pulumi.dev.yaml");
const prod = loadStackFile("Pulumi.prod.yaml");
const publicProd = withSections(prod.config, { database: { access: "public", allowedIpRanges: ["203.0.113.7", "198.51.100.0/28"] } });

async function deploy(stack: string, config: Record<string, string>, extra: Partial<Parameters<typeof runProgram>[0]> = {}): Promise<ProgramRun> {
    const run = await runProgram({ stack, config, ...extra });
    assert.equal(run.error, undefined, run.error?.message);
    return run;
}

describe("pulumi destroy order", () => {
    let devRun: ProgramRun;
    let prodRun: ProgramRun;
    let publicRun: ProgramRun;
    before(async () => {
        devRun = await deploy("dev", dev.config);
        prodRun = await deploy("prod", prod.config);
        publicRun = await deploy("prod", publicProd);
    });

    it("VNet mode: the server, then the DNS zone's VNet link, then the delegated subnet (never link and subnet together)", () => {
        for (const run of [devRun, prodRun]) {
            const server = one(run, T.server);
            const link = one(run, T.link);
            const subnet = one(run, T.subnet, "database-subnet");
            assert.ok(deletedBefore(run, server, link), "server before the link");
            assert.ok(deletedBefore(run, link, subnet), "link before the delegated subnet (InUseSubnetCannotBeDeleted otherwise)");
            assert.ok(deletedBefore(run, link, one(run, T.zone)) && deletedBefore(run, link, one(run, T.vnet)), "link before its zone and VNet");
            const waves = destroyWaves(run);
            const waveOf = (r: RegisteredResource) => waves.findIndex((w) => w.includes(r));
            assert.ok(waveOf(server) < waveOf(link) && waveOf(link) < waveOf(subnet), waves.map((w) => w.map((r) => r.name).join(",")).join(" | "));
        }
    });

    it("the delete lock goes first, before every database, firewall rule and parameter it would block", () => {
        for (const run of [prodRun, publicRun]) {
            const lock = one(run, T.lock);
            const blocked = [...ofType(run, T.database), ...ofType(run, T.firewall), ...ofType(run, T.configuration), one(run, T.server)];
            assert.ok(blocked.length >= 6);
            for (const r of blocked) {
                assert.ok(deletedBefore(run, lock, r), `the lock is removed before ${r.type} ${r.name} (ScopeLocked otherwise)`);
            }
        }
        assert.ok(ofType(publicRun, T.firewall).length >= 3, "public prod has firewall rules behind the lock");
    });

    it("asks Azure only for deletes it carries out: server parameters leave the state with the server, everything else is deleted", () => {
        for (const run of [devRun, prodRun, publicRun]) {
            const parameters = ofType(run, T.configuration);
            assert.ok(parameters.length >= 4, `only ${parameters.length} server parameters`);
            for (const parameter of parameters) {
                // azure-native resets a parameter with a PUT that Azure refuses (InternalServerError).
                assert.ok(parameter.retainOnDelete, `${parameter.name} must be retained on delete, or destroy stops before the server`);
            }
            const orphans = run.resources.filter((r) => r.retainOnDelete && r.type !== T.configuration);
            assert.deepEqual(orphans.map((r) => `${r.type} ${r.name}`), [], "anything else retained would outlive the stack in Azure");
        }
    });

    it("each proxy VM before its NIC, the NICs before the load balancer, the load balancer before its subnet, subnets before their NSGs; the gateway before its IP and subnet", () => {
        for (const run of [devRun, prodRun, publicRun]) {
            const proxySubnet = one(run, T.subnet, "proxy-subnet");
            const lb = one(run, T.lb);
            const vms = ofType(run, T.vm);
            assert.equal(vms.length, run === devRun ? 1 : 2);
            for (const vm of vms) {
                const index = vm.name.split("-")[1];
                const nic = one(run, T.nic, `proxy-${index}-nic`);
                assert.ok(deletedBefore(run, one(run, T.runCommand, `proxy-${index}-health`), vm), "the health gate before its VM");
                assert.ok(deletedBefore(run, vm, nic));
                assert.ok(deletedBefore(run, nic, lb), "out of the backend pool before the load balancer goes");
            }
            assert.ok(deletedBefore(run, lb, proxySubnet));
            assert.ok(deletedBefore(run, proxySubnet, one(run, T.nsg, "proxy-nsg")));
            const gateway = one(run, T.gateway);
            assert.ok(deletedBefore(run, gateway, one(run, T.pip, "vpn-public-ip")));
            assert.ok(deletedBefore(run, gateway, one(run, T.subnet, "gateway-subnet")));
        }
    });
});

describe("what Azure changes behind the program's back plans no change", () => {
    it("an HA failover that swaps the primary's and the standby's zones", async () => {
        const first = await deploy("prod", prod.config);
        const created = one(first, T.server);
        // After creation a refresh records the zones Azure picked; after a failover they are swapped.
        const afterFailover = withValueAt(withValueAt(created.inputs, "availabilityZone", "2"), "highAvailability.standbyAvailabilityZone", "1");
        const next = await deploy("prod", prod.config, { previousOutputs: first.outputs, liveServer: { storage: { storageSizeGB: 128 } } });
        const server = one(next, T.server);
        assert.deepEqual(plannedChanges(afterFailover, server.inputs, server.ignoreChanges), []);
        // Without ignoreChanges both create-only zone properties would differ: a replacement of the server.
        assert.deepEqual(plannedChanges(afterFailover, server.inputs).sort(), ["availabilityZone", "highAvailability.standbyAvailabilityZone"]);
    });

    it("storage grown by auto-grow: the server keeps its size, later updates send it, and a refresh shows no diff", async () => {
        const first = await deploy("prod", prod.config);
        assert.equal(one(first, T.server).inputs.storage.storageSizeGB, 128);
        assert.equal(one(first, T.server).inputs.storage.autoGrow, "Enabled");
        assert.equal(first.invokes.filter((i) => i.token === "azure-native:dbforpostgresql:getServer").length, 0, "a new stack has no server to read");
        // Azure grew the disk to 256 GiB; the next update rotates the password.
        const rotated = withSections(prod.config, { database: { passwordRotation: 2 } });
        const next = await deploy("prod", rotated, { previousOutputs: first.outputs, liveServer: { storage: { storageSizeGB: 256 } } });
        const server = one(next, T.server);
        const read = next.invokes.filter((i) => i.token === "azure-native:dbforpostgresql:getServer");
        assert.deepEqual(read.map((i) => [i.args.resourceGroupName, i.args.serverName]), [[first.outputs.resourceGroupName, first.outputs.serverName]]);
        assert.equal(server.inputs.storage.storageSizeGB, 256, "never less than what the server has (Azure refuses a smaller size)");
        assert.ok(next.warnings.some((w) => w.includes("storageSizeGB is 128 GiB but the server already has 256 GiB")), next.warnings.join("\n"));
        const refreshed = withValueAt(one(first, T.server).inputs, "storage.storageSizeGB", 256);
        assert.deepEqual(plannedChanges(refreshed, server.inputs, server.ignoreChanges), ["administratorLoginPassword"]);
    });

    it("storage still grows from configuration, above the live size", async () => {
        const first = await deploy("prod", prod.config);
        const next = await deploy("prod", withSections(prod.config, { database: { storageSizeGB: 512 } }), { previousOutputs: first.outputs, liveServer: { storage: { storageSizeGB: 256 } } });
        assert.equal(one(next, T.server).inputs.storage.storageSizeGB, 512);
        assert.ok(!next.warnings.some((w) => w.includes("storageSizeGB")));
    });

    it("a server deleted outside Pulumi is created again at the configured size; any other read failure stops the deployment", async () => {
        const first = await deploy("dev", dev.config);
        const gone = await deploy("dev", dev.config, { previousOutputs: first.outputs });
        assert.equal(one(gone, T.server).inputs.storage.storageSizeGB, 32);
        const failing = await runProgram({ stack: "dev", config: dev.config, previousOutputs: first.outputs, liveServer: { throws: "AuthorizationFailed: no read permission" } });
        assert.match(String(failing.error?.message), /could not read the deployed server .*AuthorizationFailed/);
        assert.equal(failing.resources.filter((r) => r.type.startsWith("azure-native:")).length, 0);
    });

    it("a gateway that Azure migrated to Generation2, and a SKU change, leave the generation alone", async () => {
        const first = await deploy("dev", dev.config);
        const created = one(first, T.gateway);
        assert.equal(created.inputs.vpnGatewayGeneration, "Generation1", "VpnGw1AZ is created as Generation1");
        assert.deepEqual(first.outputs.vpnGateway, { sku: "VpnGw1AZ", generation: "Generation1" });
        const migrated = withValueAt(created.inputs, "vpnGatewayGeneration", "Generation2");
        const next = await deploy("dev", dev.config, { previousOutputs: first.outputs });
        const gateway = one(next, T.gateway);
        assert.deepEqual(plannedChanges(migrated, gateway.inputs, gateway.ignoreChanges), []);
        assert.deepEqual(plannedChanges(migrated, gateway.inputs), ["vpnGatewayGeneration"], "without ignoreChanges the program would fight Azure");
        const resized = await deploy("dev", withSections(dev.config, { vpn: { sku: "VpnGw2AZ" } }), { previousOutputs: first.outputs });
        const after = one(resized, T.gateway);
        assert.deepEqual(plannedChanges(created.inputs, after.inputs, after.ignoreChanges).sort(), ["sku.name", "sku.tier"]);
    });
});

describe("every replacement the program can plan can be carried out", () => {
    it("resources with fixed names are replaced delete-first (azure-native refuses to create what exists); proxies get new names instead", async () => {
        const run = await deploy("prod", publicProd);
        const named = run.resources.filter((r) => r.type.startsWith("azure-native:"));
        assert.ok(named.length >= 20);
        for (const r of named) {
            const name = Object.entries(r.inputs).find(([k]) => /Name$/.test(k) && k !== "resourceGroupName" && k !== "vmName")?.[1] ?? r.inputs.vmName;
            const generation = GENERATION_NAME.test(String(name));
            // A Run Command, an extension and a rule association are named per VM: a new VM generation gets new ones.
            const perVm = ((r.type === T.runCommand || r.type === T.extension) && GENERATION_NAME.test(String(r.inputs.vmName))) ||
                (r.type === T.dcra && GENERATION_NAME.test(String(r.inputs.resourceUri).split("/").pop()!));
            assert.ok(r.deleteBeforeReplace || generation || perVm, `${r.type} ${r.name}`);
            assert.ok(!(generation || perVm) || !r.deleteBeforeReplace, `${r.type} ${r.name}: a new generation must not wait for the old one's delete`);
        }
        assert.equal(named.filter((r) => !r.deleteBeforeReplace).length, 5 * 2, "two proxies: VM, NIC, health gate, agent and rule association each");
    });

    it("a dev server replacement the guard allows: the server and every child go delete-first", async () => {
        const first = await deploy("dev", dev.config);
        const next = await deploy("dev", withSections(dev.config, { database: { access: "public" } }), { previousOutputs: first.outputs });
        assert.ok(next.warnings.some((w) => w.includes("replace the PostgreSQL server")));
        for (const r of [one(next, T.server), ...ofType(next, T.database), ...ofType(next, T.configuration), ...ofType(next, T.firewall)]) {
            assert.ok(r.deleteBeforeReplace && !r.protect, `${r.type} ${r.name}`);
        }
    });

});

describe("proxy rollouts", () => {
    /** The VM a drain command belongs to (it is its parent's VM). */
    const vmNameOf = (run: ProgramRun, drain: RegisteredResource) =>
        String(ofType(run, T.vm).find((vm) => vm.parent === drain.parent)?.inputs.vmName);

    /** Proxies taking new connections at each step: the previous ones, plus each new VM once its health gate passed, minus drained or deleted VMs. */
    function healthyAlong(previous: ProgramRun, steps: readonly Step[]): number[] {
        const healthy = new Set(ofType(previous, T.vm).map((vm) => String(vm.inputs.vmName)));
        const counts = [healthy.size];
        for (const step of steps) {
            if (step.resource.type === T.runCommand && step.kind === "create") {
                healthy.add(String(step.resource.inputs.vmName));
            }
            if (step.resource.type === T.drain && step.kind === "delete") {
                // Drained: the load balancer sends it nothing new.
                healthy.delete(vmNameOf(previous, step.resource));
            }
            if (step.resource.type === T.vm && (step.kind === "delete" || step.kind === "update")) {
                // An in-place update of a VM (a resize) reboots it.
                healthy.delete(String(step.resource.inputs.vmName));
            }
            if (step.resource.type === T.vm && step.kind === "update") {
                counts.push(healthy.size);
                healthy.add(String(step.resource.inputs.vmName));
                continue;
            }
            counts.push(healthy.size);
        }
        return counts;
    }

    const changes: Array<[string, Record<string, unknown>]> = [
        ["an nginx setting", { idleTimeoutSeconds: 3600 }],
        ["the proxy port", { port: 6432 }],
        ["the VM size", { vmSize: "Standard_D4as_v5" }],
        ["the SSH key", { sshPublicKey: "ssh-ed25519 AAAAmine me@host" }],
    ];

    for (const [stack, file] of [["dev", dev], ["prod", prod]] as const) {
        for (const [what, proxy] of changes) {
            it(`${stack}: changing ${what} replaces every proxy create-first, never with fewer proxies serving, the old ones deleted last`, async () => {
                const first = await deploy(stack, file.config);
                const next = await deploy(stack, withSections(file.config, { proxy }), { previousOutputs: first.outputs });
                const steps = rollout(first, next);
                const count = ofType(first, T.vm).length;
                assert.ok(Math.min(...healthyAlong(first, steps)) >= count, `healthy proxies along the rollout: ${healthyAlong(first, steps).join(" ")}`);
                for (const vm of ofType(first, T.vm)) {
                    const deleted = steps.findIndex((s) => s.kind === "delete" && s.resource.urn === vm.urn);
                    const drained = steps.findIndex((s) => s.kind === "delete" && s.resource.type === T.drain && s.resource.parent === vm.parent);
                    assert.ok(drained >= 0 && drained < deleted, `${vm.name} is drained (step ${drained}) before its delete (step ${deleted})`);
                    const lastGate = steps.map((s) => s.kind === "create" && s.resource.type === T.runCommand).lastIndexOf(true);
                    assert.ok(deleted > lastGate && lastGate >= 0, `${vm.name} deleted at step ${deleted}, the last health gate passes at ${lastGate}`);
                }
                const lb = steps.find((s) => s.resource.type === T.lb);
                // A new port is a new rule and probe on the same load balancer (clients move to the new port).
                assert.equal(lb?.kind, "port" in proxy ? "update" : "same", "the load balancer and its address stay");
                assert.equal(next.outputs.proxyPrivateIp, first.outputs.proxyPrivateIp);
                assert.match(String(next.outputs.connectionStringWithoutPassword), new RegExp(`hostaddr=${String(first.outputs.proxyPrivateIp).replace(/\./g, "\\.")} `));
            });
        }
    }

    it("a new proxy that never passes its health gate fails pulumi up with every old proxy still serving", async () => {
        const first = await deploy("prod", prod.config);
        const next = await deploy("prod", withSections(prod.config, { proxy: { idleTimeoutSeconds: 3600 } }), { previousOutputs: first.outputs });
        const done = until(rollout(first, next), (s) => s.kind === "create" && s.resource.type === T.runCommand);
        assert.deepEqual(done.filter((s) => s.kind === "delete").map((s) => s.resource.name), [], "nothing deleted before the failure");
        assert.equal(healthyAlong(first, done).at(-1), 2);
    });

    it("from one proxy to two and back: the first proxy and the address stay", async () => {
        const one_ = await deploy("prod", withSections(prod.config, { proxy: { instances: 1 } }));
        const two = await deploy("prod", prod.config, { previousOutputs: one_.outputs });
        const up = rollout(one_, two);
        assert.deepEqual(up.filter((s) => s.resource.type === T.vm).map((s) => [s.kind, s.resource.name]), [["same", "proxy-1-vm"], ["create", "proxy-2-vm"]]);
        assert.equal(two.outputs.proxyPrivateIp, one_.outputs.proxyPrivateIp);
        const back = rollout(two, await deploy("prod", withSections(prod.config, { proxy: { instances: 1 } }), { previousOutputs: two.outputs }));
        assert.deepEqual(back.filter((s) => s.resource.type === T.vm).map((s) => [s.kind, s.resource.name]), [["same", "proxy-1-vm"], ["delete", "proxy-2-vm"]]);
        assert.equal(back.at(-1)?.kind, "delete", "the second proxy goes last");
    });
});
