/** The VPN gateway and the proxy VM as the real program registers them, for every stack file. */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { MOCK_CERT_PEM, MOCK_TENANT_ID, ofType, one, runProgram, unwrapSecret, type ProgramRun } from "./harness/program";
import { loadAllStackFiles } from "./harness/stackFiles";
import { parseStackConfig, type StackConfig } from "../stacks";
import { proxyUserData } from "../lib/proxyUserData";
import { ruleValues, type NsgRule } from "../lib/nsgRules";

const T = {
    gateway: "azure-native:network:VirtualNetworkGateway",
    pip: "azure-native:network:PublicIPAddress",
    vm: "azure-native:compute:VirtualMachine",
    nic: "azure-native:network:NetworkInterface",
    lb: "azure-native:network:LoadBalancer",
    subnet: "azure-native:network:Subnet",
    group: "azure-native:resources:ResourceGroup",
};

const minutes = (duration: string) => {
    const m = /^(\d+)m$/.exec(duration);
    assert.ok(m, `timeout ${duration} is not in minutes`);
    return Number(m[1]);
};

for (const stackFile of loadAllStackFiles()) {
    describe(`stack ${stackFile.stack}: VPN gateway and proxy VM`, () => {
        let run: ProgramRun;
        let config: StackConfig;
        before(async () => {
            config = parseStackConfig({ project: "securepg", stack: stackFile.stack, values: stackFile.config });
            run = await runProgram({ stack: stackFile.stack, config: stackFile.config, secretKeys: stackFile.secretKeys });
            assert.equal(run.error, undefined, run.error?.message);
        });

        it("creates a route-based P2S gateway with the configured zone-redundant SKU, pool, protocols and certificate auth", () => {
            const gw = one(run, T.gateway).inputs;
            assert.equal(gw.gatewayType, "Vpn");
            assert.equal(gw.vpnType, "RouteBased");
            assert.equal(gw.sku.name, config.vpn.sku);
            assert.match(gw.sku.name, /^VpnGw[1-5]AZ$/);
            assert.equal(gw.vpnGatewayGeneration, gw.sku.name === "VpnGw1AZ" ? "Generation1" : "Generation2");
            const client = gw.vpnClientConfiguration;
            assert.deepEqual(client.vpnClientAddressPool.addressPrefixes, [config.vpn.clientAddressPool.text]);
            assert.deepEqual([...client.vpnClientProtocols].sort(), ["IkeV2", "OpenVPN"]);
            assert.deepEqual(client.vpnAuthenticationTypes, ["Certificate"]);
            const gatewaySubnet = one(run, T.subnet, "gateway-subnet");
            assert.ok(gw.ipConfigurations[0].subnet.id.endsWith("/GatewaySubnet"));
            assert.ok(gatewaySubnet.inputs.subnetName === "GatewaySubnet");
        });

        it("gives Azure each root as the base64 DER body of its PEM", () => {
            const roots = one(run, T.gateway).inputs.vpnClientConfiguration.vpnClientRootCertificates;
            assert.deepEqual(roots.map((r: { name: string }) => r.name), [...config.vpn.rootCertificates]);
            const der = new crypto.X509Certificate(MOCK_CERT_PEM).raw.toString("base64");
            for (const root of roots) {
                assert.equal(root.publicCertData, der);
                assert.doesNotMatch(root.publicCertData, /BEGIN|END|\s/);
            }
        });

        it("uses a Standard, static, zone-redundant public IP and timeouts of at least an hour", () => {
            const gateway = one(run, T.gateway);
            const pip = one(run, T.pip, "vpn-public-ip").inputs;
            assert.ok(gateway.inputs.ipConfigurations[0].publicIPAddress.id.endsWith(`/${pip.publicIpAddressName}`));
            assert.equal(pip.sku.name, "Standard");
            assert.equal(pip.publicIPAllocationMethod, "Static");
            assert.deepEqual(pip.zones, ["1", "2", "3"]);
            const t = gateway.customTimeouts!;
            for (const d of [t.create, t.update, t.delete]) {
                assert.ok(minutes(d) >= 60, `timeout ${d}`);
            }
        });

        it("does not serialise the gateway behind the database or the VM", () => {
            const gateway = one(run, T.gateway);
            const allowed = new Set([one(run, T.group).urn, one(run, T.pip, "vpn-public-ip").urn, one(run, T.subnet, "gateway-subnet").urn]);
            for (const dep of gateway.dependencies) {
                const r = run.resources.find((x) => x.urn === dep);
                // The tls certificates are computed locally in milliseconds; any Azure dependency must be one of the three.
                assert.ok(allowed.has(dep) || r?.type.startsWith("tls:"), `gateway waits for ${r?.type} ${r?.name}`);
            }
            const gatewaySubnet = one(run, T.subnet, "gateway-subnet");
            const subnetAzureDeps = gatewaySubnet.dependencies.map((d) => run.resources.find((x) => x.urn === d)?.type);
            assert.ok(subnetAzureDeps.every((t) => t === "azure-native:network:VirtualNetwork" || t === T.group), subnetAzureDeps.join(", "));
        });

        it("makes each root a CA for ten years and each client certificate a client-auth leaf for the configured days", () => {
            const roots = ofType(run, "tls:index/selfSignedCert:SelfSignedCert");
            assert.equal(roots.length, config.vpn.rootCertificates.length);
            for (const root of roots) {
                assert.equal(root.inputs.isCaCertificate, true, `${root.name} must be a CA to sign clients`);
                assert.ok(root.inputs.allowedUses.includes("cert_signing"));
                assert.equal(root.inputs.validityPeriodHours, 10 * 365 * 24);
            }
            const keys = new Map(ofType(run, "tls:index/privateKey:PrivateKey").map((k) => [k.name, k.inputs]));
            for (const name of config.vpn.rootCertificates) {
                assert.deepEqual([keys.get(`root-key-${name}`)?.algorithm, keys.get(`root-key-${name}`)?.rsaBits], ["RSA", 4096]);
            }
            const days = config.vpn.clientCertificateValidityDays;
            for (const cert of ofType(run, "tls:index/locallySignedCert:LocallySignedCert")) {
                assert.equal(cert.inputs.validityPeriodHours, days * 24, `${cert.name}: ${days} days`);
                assert.equal(cert.inputs.earlyRenewalHours, Math.min(30, days - 1) * 24, "renewed in the last 30 days");
                assert.deepEqual([...cert.inputs.allowedUses].sort(), ["client_auth", "digital_signature", "key_encipherment"]);
                assert.notEqual(cert.inputs.isCaCertificate, true);
            }
            for (const client of config.vpn.clients) {
                assert.deepEqual([keys.get(`client-key-${client}`)?.algorithm, keys.get(`client-key-${client}`)?.rsaBits], ["RSA", 2048]);
            }
        });

        it("issues one client certificate per configured client, secret", () => {
            assert.ok(run.secretExports.has("vpnClientCertificates"));
            const creds = run.outputs.vpnClientCertificates as Record<string, { certificatePem: string; privateKeyPem: string }>;
            assert.deepEqual(Object.keys(creds).sort(), [...config.vpn.clients].sort());
            for (const c of Object.values(creds)) {
                assert.match(c.certificatePem, /BEGIN CERTIFICATE/);
                assert.match(c.privateKeyPem, /PRIVATE KEY/);
            }
            const signed = ofType(run, "tls:index/locallySignedCert:LocallySignedCert");
            assert.equal(signed.length, config.vpn.clients.length);
            for (const cert of signed) {
                assert.ok(cert.inputs.allowedUses.includes("client_auth"));
            }
            assert.match(String(run.outputs.vpnRootCertificatePem), /BEGIN CERTIFICATE/);
            assert.ok(!run.secretExports.has("vpnRootCertificatePem"), "the root certificate is public");
        });

        it("runs the configured number of proxies on Ubuntu 24.04, one per zone, with no public IP, SSH keys only, platform patching and boot diagnostics", () => {
            const vms = ofType(run, T.vm);
            assert.equal(vms.length, config.proxy.instances);
            assert.deepEqual(vms.map((vm) => vm.inputs.zones), config.proxy.instances === 1 ? [["1"]] : [["1"], ["2"]]);
            for (const { inputs: vm } of vms) {
                assert.deepEqual(vm.storageProfile.imageReference, { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" });
                assert.equal(vm.hardwareProfile.vmSize, config.proxy.vmSize);
                assert.equal(vm.osProfile.linuxConfiguration.disablePasswordAuthentication, true);
                assert.equal(vm.osProfile.adminPassword, undefined);
                assert.equal(vm.osProfile.linuxConfiguration.patchSettings.patchMode, "AutomaticByPlatform");
                assert.equal(vm.diagnosticsProfile.bootDiagnostics.enabled, true);
                assert.match(vm.osProfile.linuxConfiguration.ssh.publicKeys[0].keyData, /^ssh-(rsa|ed25519) /);
            }
            const nics = ofType(run, T.nic);
            assert.equal(nics.length, config.proxy.instances);
            for (const { inputs: nic } of nics) {
                assert.equal(nic.ipConfigurations.length, 1);
                assert.equal(nic.ipConfigurations[0].publicIPAddress, undefined, "the proxy must have no public IP");
                assert.ok(nic.ipConfigurations[0].subnet.id.endsWith(`/snet-securepg-${stackFile.stack}-proxy`));
            }
            assert.equal(ofType(run, T.pip).length, 2, "only the NAT gateway and the VPN gateway have public IPs");
            assert.ok(run.secretExports.has("proxySshPrivateKey"));
        });

        it("exports the load balancer's frontend as the proxy address, and every proxy with its zone and address", () => {
            const frontend = one(run, T.lb).inputs.frontendIPConfigurations[0];
            assert.equal(run.outputs.proxyPrivateIp, frontend.privateIPAddress);
            assert.equal(run.outputs.proxyPrivateIp, config.network.proxySubnet.text.replace(/\.0\/24$/, ".254"));
            const instances = run.outputs.proxyInstances as Array<{ vmName: string; zone: string; privateIp: string }>;
            assert.deepEqual(instances.map((i) => i.vmName), ofType(run, T.vm).map((vm) => vm.inputs.vmName));
            assert.deepEqual(instances.map((i) => i.privateIp), ofType(run, T.nic).map((_, i) => config.network.proxySubnet.text.replace(/0\/24$/, String(4 + i))));
        });

        it("boots every proxy with the rendered cloud-init for this stack's server", () => {
            for (const vm of ofType(run, T.vm)) {
                const decoded = Buffer.from(vm.inputs.osProfile.customData as string, "base64").toString("utf8");
                assert.equal(decoded, proxyUserData(config, String(run.outputs.serverFqdn)));
                assert.match(decoded, /^#cloud-config\n/);
                assert.ok(decoded.includes(`set $securepg_upstream ${run.outputs.serverFqdn}:5432;`));
                assert.ok(vm.replaceOnChanges.includes("osProfile.customData"));
            }
        });

        it("exports a secret libpq connection string that verifies the server through the proxy", () => {
            assert.ok(run.secretExports.has("connectionString"));
            const cs = String(run.outputs.connectionString);
            assert.ok(cs.includes(`host=${run.outputs.serverFqdn} `));
            assert.ok(cs.includes(`hostaddr=${run.outputs.proxyPrivateIp} `));
            assert.ok(cs.includes(`port=${config.proxy.port} `));
            assert.ok(cs.includes("sslmode=verify-full"));
            assert.ok(cs.includes(`password=${run.outputs.adminPassword}`) || cs.includes(`password='${run.outputs.adminPassword}'`));
            assert.ok(!String(run.outputs.connectionStringWithoutPassword).includes("password="));
            assert.ok(!run.secretExports.has("connectionStringWithoutPassword"));
        });
    });
}

describe("VPN and proxy variants", () => {
    it("trusts every listed root and signs clients with the last one (rotation)", async () => {
        const run = await runProgram({
            stack: "dev",
            config: { "azure-native:location": "westeurope", "securepg:vpn": JSON.stringify({ rootCertificates: ["root-2025", "root-2026"], clients: ["a", "b"] }) },
        });
        const roots = one(run, T.gateway).inputs.vpnClientConfiguration.vpnClientRootCertificates;
        assert.deepEqual(roots.map((r: { name: string }) => r.name), ["root-2025", "root-2026"]);
        const newest = one(run, "tls:index/selfSignedCert:SelfSignedCert", "root-cert-root-2026");
        for (const cert of ofType(run, "tls:index/locallySignedCert:LocallySignedCert")) {
            const signerKey = one(run, "tls:index/privateKey:PrivateKey", "root-key-root-2026");
            assert.ok(cert.dependencies.includes(newest.urn), `${cert.name} is not signed by the newest root`);
            assert.ok(cert.dependencies.includes(signerKey.urn));
        }
    });

    it("P2S authentication: certificates by default, Entra over OpenVPN in the deploying identity's tenant or the configured one", async () => {
        const gatewayOf = async (vpn: Record<string, unknown>, extra: Record<string, string> = {}) => {
            const run = await runProgram({ stack: "dev", config: { "azure-native:location": "westeurope", "securepg:vpn": JSON.stringify(vpn), ...extra } });
            assert.equal(run.error, undefined, run.error?.message);
            return { client: one(run, T.gateway).inputs.vpnClientConfiguration, asked: run.invokes.filter((i) => i.token === "azure-native:authorization:getClientConfig").length };
        };
        const certificate = await gatewayOf({ clients: ["a"] });
        assert.deepEqual([certificate.client.vpnAuthenticationTypes, certificate.client.vpnClientProtocols], [["Certificate"], ["OpenVPN", "IkeV2"]]);
        assert.deepEqual([certificate.client.aadTenant, certificate.client.aadIssuer, certificate.client.aadAudience, certificate.asked], [undefined, undefined, undefined, 0]);

        const entra = await gatewayOf({ authentication: "entra" });
        assert.deepEqual(entra.client.vpnAuthenticationTypes, ["AAD"]);
        assert.deepEqual(entra.client.vpnClientProtocols, ["OpenVPN"]);
        assert.equal(entra.client.aadTenant, `https://login.microsoftonline.com/${MOCK_TENANT_ID}`);
        assert.equal(entra.client.aadIssuer, `https://sts.windows.net/${MOCK_TENANT_ID}/`);
        assert.equal(entra.client.aadAudience, "c632b3df-fb67-4d84-bdcf-b95ad541b5c8");
        assert.deepEqual(entra.client.vpnClientRootCertificates, [], "no certificate is trusted");
        assert.equal(entra.asked, 1);

        const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        const both = await gatewayOf({ authentication: "both", clients: ["a"], entraAudience: "41b23e61-6c1e-4545-b367-cd054e0ed4b4" }, { "securepg:entraTenantId": tenant });
        assert.deepEqual(both.client.vpnAuthenticationTypes, ["Certificate", "AAD"]);
        assert.equal(both.client.aadIssuer, `https://sts.windows.net/${tenant}/`);
        assert.equal(both.client.aadAudience, "41b23e61-6c1e-4545-b367-cd054e0ed4b4");
        assert.deepEqual(both.client.vpnClientRootCertificates.map((r: { name: string }) => r.name), ["root-1"]);
        assert.equal(both.asked, 0, "a configured tenant needs no lookup");
    });

    it("uses the operator's SSH key when one is configured, and generates none", async () => {
        const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGp0dGVzdGtleXRlc3RrZXl0ZXN0a2V5dGVzdGtleXQ ops@example";
        const run = await runProgram({ stack: "dev", config: { "azure-native:location": "westeurope", "securepg:proxy": JSON.stringify({ sshPublicKey: key }) } });
        assert.equal(one(run, T.vm).inputs.osProfile.linuxConfiguration.ssh.publicKeys[0].keyData, key);
        assert.equal(ofType(run, "tls:index/privateKey:PrivateKey").filter((k) => k.name === "ssh-key").length, 0);
    });

    it("listens on a custom proxy port in nginx, the NSG and the connection string", async () => {
        const run = await runProgram({ stack: "dev", config: { "azure-native:location": "westeurope", "securepg:proxy": JSON.stringify({ port: 6432 }) } });
        const decoded = Buffer.from(one(run, T.vm).inputs.osProfile.customData, "base64").toString("utf8");
        assert.match(decoded, /listen 6432 so_keepalive=/);
        assert.match(decoded, /set \$securepg_upstream [^\s]+:5432;/);
        assert.match(String(unwrapSecret(run.outputs.connectionString)), / port=6432 /);
        const nsg = one(run, "azure-native:network:NetworkSecurityGroup", "proxy-nsg").inputs.securityRules as NsgRule[];
        assert.ok(nsg.some((r) => ruleValues(r, "destinationPort").includes("6432")));
    });
});
