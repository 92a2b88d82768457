/**
 * Azure's own rules (lib/azureRules.ts) against everything the real program registers for every
 * stack file, and, rule by rule, against broken copies of a real deployment that each rule must
 * catch. Generated variants: test/azureRules.variants.test.ts.
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { AZURE_RULES, checkAzureRequests, kindOf, type RequestResource } from "../lib/azureRules";
import { describeAll, requests } from "./harness/azureRequests";
import { runProgram } from "./harness/program";
import { loadAllStackFiles, loadStackFile, withSections } from "./harness/stackFiles";

describe("every resource of every stack file passes Azure's rules", () => {
    for (const stackFile of loadAllStackFiles()) {
        it(stackFile.file, async () => {
            const run = await runProgram({ stack: stackFile.stack, config: stackFile.config, secretKeys: stackFile.secretKeys });
            assert.equal(run.error, undefined, run.error?.message);
            const azure = run.resources.filter((r) => r.type.startsWith("azure-native:"));
            assert.ok(azure.length >= 15, `only ${azure.length} Azure resources registered`);
            assert.equal(describeAll(checkAzureRequests(requests(run))), "");
        });
    }
});

/** A broken copy of a registered deployment, and the rule that must catch it. */
interface Breakage {
    readonly rule: string;
    readonly what: string;
    readonly base?: "dev" | "prod" | "public" | "ukwest" | "reach";
    /** What the violation must say. */
    readonly says: RegExp;
    readonly breaks: (resources: RequestResource[]) => void;
}

const find = (resources: RequestResource[], type: string, name?: string) => {
    const hit = resources.find((r) => kindOf(r.type) === type && (name === undefined || r.name === name));
    assert.ok(hit, `no ${type} ${name ?? ""}`);
    return hit;
};
const nsgRules = (rs: RequestResource[], name = "proxy-nsg") => find(rs, "azure-native:network:NetworkSecurityGroup", name).inputs.securityRules as Array<Record<string, unknown>>;
const server = (rs: RequestResource[]) => find(rs, "azure-native:dbforpostgresql:Server").inputs as Record<string, any>;
const gateway = (rs: RequestResource[]) => find(rs, "azure-native:network:VirtualNetworkGateway").inputs as Record<string, any>;
const vm = (rs: RequestResource[]) => find(rs, "azure-native:compute:VirtualMachine").inputs as Record<string, any>;
const long = (n: number) => `a${"b".repeat(n - 1)}`;

const pip = (rs: RequestResource[], name: string) => find(rs, "azure-native:network:PublicIPAddress", name).inputs;
const subnet = (rs: RequestResource[], name: string) => find(rs, "azure-native:network:Subnet", name).inputs;

const BREAKAGES: Breakage[] = [
    { rule: "nsg-rule-field-forms", what: `"*" in destinationPortRanges (the first pulumi up's 400)`, says: /DenyAllInbound lists "\*" in destinationPortRanges; Azure accepts "\*" only in destinationPortRange/, breaks: (rs) => {
        const deny = nsgRules(rs).find((r) => r.name === "DenyAllInbound")!;
        delete deny.destinationPortRange;
        deny.destinationPortRanges = ["*"];
    } },
    { rule: "nsg-rule-field-forms", what: "both the singular and the plural form", says: /sets both destinationPortRange and destinationPortRanges/, breaks: (rs) => {
        nsgRules(rs)[0].destinationPortRanges = ["22"];
    } },
    { rule: "nsg-rule-field-forms", what: "no destination address at all", says: /sets neither destinationAddressPrefix nor destinationAddressPrefixes/, breaks: (rs) => {
        delete nsgRules(rs)[0].destinationAddressPrefix;
    } },
    { rule: "nsg-rule-field-forms", what: "a source prefix in both forms", says: /sets both sourceAddressPrefix and sourceAddressPrefixes/, breaks: (rs) => {
        nsgRules(rs)[0].sourceAddressPrefixes = ["10.0.0.0/24"];
    } },
    { rule: "nsg-rule-limits", what: "two inbound rules with one priority", says: /AllowVpnClientsToProxy and AllowProxySubnetToProxy share Inbound priority 100/, breaks: (rs) => {
        nsgRules(rs)[1].priority = nsgRules(rs)[0].priority;
    } },
    { rule: "nsg-rule-limits", what: "priority 4097", says: /priority 4097; Azure allows 100-4096/, breaks: (rs) => {
        nsgRules(rs)[0].priority = 4097;
    } },
    { rule: "nsg-rule-limits", what: "priority 99", says: /priority 99; Azure allows 100-4096/, breaks: (rs) => {
        nsgRules(rs)[0].priority = 99;
    } },
    { rule: "nsg-rule-limits", what: "a 141-character description", says: /description of 141 characters; Azure allows 140/, breaks: (rs) => {
        nsgRules(rs)[0].description = "x".repeat(141);
    } },
    { rule: "nsg-rule-limits", what: "an 81-character rule name", says: /security rule name "a[b]+": Azure allows up to 80/, breaks: (rs) => {
        nsgRules(rs)[0].name = long(81);
    } },
    { rule: "resource-names", what: "a 91-character resource group name", says: /resourceGroupName "a[b]+" is 91 characters; Azure allows 1-90/, breaks: (rs) => {
        find(rs, "azure-native:resources:ResourceGroup").inputs.resourceGroupName = long(91);
    } },
    { rule: "resource-names", what: "a resource group name ending in a period", says: /resourceGroupName "rg-x\." breaks Azure's naming rule: letters, digits, _ \. - \( \), not ending with \./, breaks: (rs) => {
        find(rs, "azure-native:resources:ResourceGroup").inputs.resourceGroupName = "rg-x.";
    } },
    { rule: "resource-names", what: "a 65-character VNet name", says: /virtualNetworkName "a[b]+" is 65 characters; Azure allows 2-64/, breaks: (rs) => {
        find(rs, "azure-native:network:VirtualNetwork").inputs.virtualNetworkName = long(65);
    } },
    { rule: "resource-names", what: "a one-character VNet name", says: /virtualNetworkName "v" is 1 characters; Azure allows 2-64/, breaks: (rs) => {
        find(rs, "azure-native:network:VirtualNetwork").inputs.virtualNetworkName = "v";
    } },
    { rule: "resource-names", what: "a 64-character server name", says: /serverName "a[b]+" is 64 characters; Azure allows 3-63/, breaks: (rs) => {
        server(rs).serverName = long(64);
    } },
    { rule: "resource-names", what: "a server name with a double hyphen", says: /serverName "psql--a" breaks Azure's naming rule: lowercase letters, digits and single hyphens/, breaks: (rs) => {
        server(rs).serverName = "psql--a";
    } },
    { rule: "resource-names", what: "a 65-character computer name", says: /osProfile\.computerName "a[b]+" is 65 characters/, breaks: (rs) => {
        vm(rs).osProfile.computerName = long(65);
    } },
    { rule: "resource-names", what: "a computer name of digits only", says: /osProfile\.computerName "12345" breaks Azure's naming rule: a host name/, breaks: (rs) => {
        vm(rs).osProfile.computerName = "12345";
    } },
    { rule: "resource-names", what: "a VM name ending in a hyphen", says: /vmName "vm-x-" breaks Azure's naming rule/, breaks: (rs) => {
        vm(rs).vmName = "vm-x-";
    } },
    { rule: "resource-names", what: "an 81-character OS disk name", says: /storageProfile\.osDisk\.name "a[b]+" is 81 characters/, breaks: (rs) => {
        vm(rs).storageProfile.osDisk.name = long(81);
    } },
    { rule: "resource-names", what: "a firewall rule named with periods", base: "public", says: /firewallRuleName "allow-203\.0\.113\.7-32" breaks Azure's naming rule: letters, digits, - and _ \(no periods\)/, breaks: (rs) => {
        find(rs, "azure-native:dbforpostgresql:FirewallRule").inputs.firewallRuleName = "allow-203.0.113.7-32";
    } },
    { rule: "resource-names", what: "a database name starting with a digit", says: /databaseName "1app" breaks Azure's naming rule/, breaks: (rs) => {
        find(rs, "azure-native:dbforpostgresql:Database").inputs.databaseName = "1app";
    } },
    { rule: "resource-names", what: "a lock name with a colon", base: "prod", says: /lockName "a:b" breaks Azure's naming rule/, breaks: (rs) => {
        find(rs, "azure-native:authorization:ManagementLockByScope").inputs.lockName = "a:b";
    } },
    { rule: "resource-names", what: "an 81-character subnet name", says: /subnetName "a[b]+" is 81 characters; Azure allows 1-80/, breaks: (rs) => {
        subnet(rs, "proxy-subnet").subnetName = long(81);
    } },
    { rule: "resource-names", what: "a 64-character DNS label in the private zone", says: /privateZoneName "a[b]+\.private\.postgres\.database\.azure\.com" is not a DNS name/, breaks: (rs) => {
        find(rs, "azure-native:privatedns:PrivateZone").inputs.privateZoneName = `${long(64)}.private.postgres.database.azure.com`;
    } },
    { rule: "resource-names", what: "a one-label private zone", says: /privateZoneName "local" is not a DNS name/, breaks: (rs) => {
        find(rs, "azure-native:privatedns:PrivateZone").inputs.privateZoneName = "local";
    } },
    { rule: "zones-need-a-zonal-region", what: "a zone-redundant gateway IP in ukwest", base: "ukwest", says: /zones \["1","2","3"\] in ukwest, a region without availability zones \(LocationNotSupportAvailabilityZones\)/, breaks: (rs) => {
        pip(rs, "vpn-public-ip").zones = ["1", "2", "3"];
    } },
    { rule: "zones-need-a-zonal-region", what: "ZoneRedundant HA in ukwest", base: "ukwest", says: /highAvailability\.mode ZoneRedundant in ukwest, where Flexible Server offers only SameZone HA/, breaks: (rs) => {
        server(rs).highAvailability = { mode: "ZoneRedundant" };
        server(rs).sku = { name: "Standard_D2ds_v5", tier: "GeneralPurpose" };
    } },
    { rule: "zones-need-a-zonal-region", what: "ZoneRedundant HA in japanwest (zones, but no zone-redundant Flexible Server HA)", says: /ZoneRedundant in japanwest/, breaks: (rs) => {
        for (const r of rs.filter((x) => typeof x.inputs.location === "string" && x.inputs.location !== "Global")) {
            r.inputs.location = "japanwest";
        }
        server(rs).highAvailability = { mode: "ZoneRedundant" };
        server(rs).sku = { name: "Standard_D2ds_v5", tier: "GeneralPurpose" };
    } },
    { rule: "zones-need-a-zonal-region", what: "a server zone in ukwest", base: "ukwest", says: /availabilityZone 1 in ukwest/, breaks: (rs) => {
        server(rs).availabilityZone = "1";
    } },
    { rule: "zones-need-a-zonal-region", what: "an AZ gateway with a zoneless IP in westeurope", says: /public IP pip-securepg-dev-vgw has no zones; an AZ gateway SKU in a region with zones needs zone-redundant IPs \(VmssVpnGatewayPublicIpsMustHaveZonesConfigured\)/, breaks: (rs) => {
        delete pip(rs, "vpn-public-ip").zones;
    } },
    { rule: "vpn-gateway-request", what: "VpnGw4AZ on Generation1", says: /VpnGw4AZ is not offered in Generation1 \(offered: VpnGw1AZ, VpnGw2AZ, VpnGw3AZ\)/, breaks: (rs) => {
        gateway(rs).sku = { name: "VpnGw4AZ", tier: "VpnGw4AZ" };
    } },
    { rule: "vpn-gateway-request", what: "a tier that is not the SKU", says: /sku\.tier VpnGw2AZ differs from sku\.name VpnGw1AZ/, breaks: (rs) => {
        gateway(rs).sku = { name: "VpnGw1AZ", tier: "VpnGw2AZ" };
    } },
    { rule: "vpn-gateway-request", what: "the Basic SKU", says: /the Basic SKU has no OpenVPN/, breaks: (rs) => {
        gateway(rs).sku = { name: "Basic", tier: "Basic" };
    } },
    { rule: "vpn-gateway-request", what: "a retired non-zonal SKU", says: /VpnGw2 is a non-zonal SKU Azure no longer creates; use VpnGw2AZ/, breaks: (rs) => {
        gateway(rs).sku = { name: "VpnGw2", tier: "VpnGw2" };
        gateway(rs).vpnGatewayGeneration = "Generation2";
    } },
    { rule: "vpn-gateway-request", what: "Entra ID with IKEv2", says: /Entra ID \(AAD\) authentication works with OpenVPN only, not IkeV2/, breaks: (rs) => {
        gateway(rs).vpnClientConfiguration.vpnAuthenticationTypes = ["AAD"];
    } },
    { rule: "vpn-gateway-request", what: "a /30 client pool", says: /client address pool 172\.16\.201\.0\/30 is smaller than the \/29/, breaks: (rs) => {
        gateway(rs).vpnClientConfiguration.vpnClientAddressPool.addressPrefixes = ["172.16.201.0/30"];
    } },
    { rule: "vpn-gateway-request", what: "a gateway outside GatewaySubnet", says: /use subnet snet-x; a gateway must sit in the subnet named exactly GatewaySubnet/, breaks: (rs) => {
        gateway(rs).ipConfigurations[0].subnet = { id: "/subnets/snet-x" };
    } },
    { rule: "vpn-gateway-request", what: "a Basic public IP on the gateway", says: /public IP pip-securepg-dev-vgw must be Standard and Static/, breaks: (rs) => {
        pip(rs, "vpn-public-ip").sku = { name: "Basic" };
    } },
    { rule: "vpn-gateway-request", what: "active-active with one IP configuration", says: /1 IP configuration\(s\); an active-active gateway needs 2/, breaks: (rs) => {
        gateway(rs).activeActive = true;
    } },
    { rule: "postgres-server-request", what: "48 GiB of storage", says: /storage\.storageSizeGB 48 is not a size Flexible Server offers/, breaks: (rs) => {
        server(rs).storage.storageSizeGB = 48;
    } },
    { rule: "postgres-server-request", what: "PostgreSQL 10", says: /version 10 is not offered/, breaks: (rs) => {
        server(rs).version = "10";
    } },
    { rule: "postgres-server-request", what: "a General Purpose size on Burstable", says: /sku Standard_D2ds_v5 is not in tier Burstable/, breaks: (rs) => {
        server(rs).sku = { name: "Standard_D2ds_v5", tier: "Burstable" };
    } },
    { rule: "postgres-server-request", what: "HA on Burstable", says: /highAvailability SameZone is not available on the Burstable tier/, breaks: (rs) => {
        server(rs).highAvailability = { mode: "SameZone" };
    } },
    { rule: "postgres-server-request", what: "3 days of backups", says: /backupRetentionDays 3: Azure allows 7-35/, breaks: (rs) => {
        server(rs).backup.backupRetentionDays = 3;
    } },
    { rule: "postgres-server-request", what: "a reserved admin login", says: /administratorLogin azure_pg_admin is reserved/, breaks: (rs) => {
        server(rs).administratorLogin = "azure_pg_admin";
    } },
    { rule: "postgres-server-request", what: "an admin login starting with pg_", says: /administratorLogin pg_owner is reserved/, breaks: (rs) => {
        server(rs).administratorLogin = "pg_owner";
    } },
    { rule: "postgres-server-request", what: "VNet integration without the private DNS zone", says: /needs network\.privateDnsZoneArmResourceId/, breaks: (rs) => {
        delete server(rs).network.privateDnsZoneArmResourceId;
    } },
    { rule: "postgres-server-request", what: "VNet integration with public access", says: /cannot have publicNetworkAccess Enabled/, breaks: (rs) => {
        server(rs).network.publicNetworkAccess = "Enabled";
    } },
    { rule: "postgres-server-request", what: "a private zone outside postgres.database.azure.com", says: /private DNS zone securepg-dev\.example\.com must end in \.postgres\.database\.azure\.com/, breaks: (rs) => {
        const zone = find(rs, "azure-native:privatedns:PrivateZone").inputs;
        zone.privateZoneName = "securepg-dev.example.com";
        server(rs).network.privateDnsZoneArmResourceId = "/privateDnsZones/securepg-dev.example.com";
    } },
    { rule: "postgres-server-request", what: "a private zone named after the server", says: /may not be named after the server securepg-dev/, breaks: (rs) => {
        server(rs).serverName = "securepg-dev";
    } },
    { rule: "postgres-server-request", what: "a delegated subnet delegated elsewhere", says: /must be delegated to Microsoft\.DBforPostgreSQL\/flexibleServers and nothing else/, breaks: (rs) => {
        subnet(rs, "database-subnet").delegations = [{ name: "x", serviceName: "Microsoft.Web/serverFarms" }];
    } },
    { rule: "subnet-request", what: "an NSG on GatewaySubnet", says: /GatewaySubnet must not have an NSG/, breaks: (rs) => {
        subnet(rs, "gateway-subnet").networkSecurityGroup = { id: "/nsg" };
    } },
    { rule: "subnet-request", what: "a delegated GatewaySubnet", says: /GatewaySubnet must not be delegated/, breaks: (rs) => {
        subnet(rs, "gateway-subnet").delegations = [{ name: "x", serviceName: "Microsoft.Web/serverFarms" }];
    } },
    { rule: "subnet-request", what: "a /29 delegated database subnet", says: /10\.40\.2\.0\/29 is smaller than the \/28 a Flexible Server subnet needs/, breaks: (rs) => {
        subnet(rs, "database-subnet").addressPrefix = "10.40.2.0/29";
    } },
    { rule: "subnet-request", what: "a database subnet delegated twice", says: /a Flexible Server subnet is delegated to nothing else/, breaks: (rs) => {
        (subnet(rs, "database-subnet").delegations as unknown[]).push({ name: "x", serviceName: "Microsoft.Web/serverFarms" });
    } },
    { rule: "public-ip-request", what: "a Dynamic Standard IP", says: /a Standard public IP must be Static/, breaks: (rs) => {
        pip(rs, "nat-public-ip").publicIPAllocationMethod = "Dynamic";
    } },
    { rule: "public-ip-request", what: "a Basic IP", says: /Basic public IPs were retired on 2025-09-30/, breaks: (rs) => {
        pip(rs, "nat-public-ip").sku = { name: "Basic" };
    } },
    { rule: "firewall-rule-request", what: "start after end", base: "public", says: /startIpAddress 203\.0\.113\.9 is after endIpAddress 203\.0\.113\.1/, breaks: (rs) => {
        const r = find(rs, "azure-native:dbforpostgresql:FirewallRule").inputs;
        r.startIpAddress = "203.0.113.9";
        r.endIpAddress = "203.0.113.1";
    } },
    { rule: "firewall-rule-request", what: "an address out of range", base: "public", says: /203\.0\.113\.256 is not an IPv4 address/, breaks: (rs) => {
        find(rs, "azure-native:dbforpostgresql:FirewallRule").inputs.endIpAddress = "203.0.113.256";
    } },
    { rule: "virtual-machine-request", what: "customData over 64 KiB", says: /customData is 70000 characters of base64; Azure allows 65535/, breaks: (rs) => {
        vm(rs).osProfile.customData = "A".repeat(70_000);
    } },
    { rule: "virtual-machine-request", what: "an SSH key outside the admin's home", says: /SSH key path \/root\/\.ssh\/authorized_keys is not \/home\/azureuser\/\.ssh\/authorized_keys/, breaks: (rs) => {
        vm(rs).osProfile.linuxConfiguration.ssh.publicKeys[0].path = "/root/.ssh/authorized_keys";
    } },
    { rule: "virtual-machine-request", what: "no SSH key and no password", says: /password authentication is off but no SSH key is given/, breaks: (rs) => {
        vm(rs).osProfile.linuxConfiguration.ssh.publicKeys = [];
    } },
    { rule: "virtual-machine-request", what: "platform patching without the VM agent", says: /AutomaticByPlatform needs provisionVMAgent true/, breaks: (rs) => {
        vm(rs).osProfile.linuxConfiguration.provisionVMAgent = false;
    } },
    { rule: "virtual-machine-request", what: "Trusted Launch on a Gen1 image", says: /Trusted Launch needs a Generation 2 image; server-gen1 is Generation 1/, breaks: (rs) => {
        vm(rs).storageProfile.imageReference.sku = "server-gen1";
    } },
    { rule: "nat-gateway-request", what: "a 2-minute idle timeout", says: /idleTimeoutInMinutes 2: Azure allows 4-120/, breaks: (rs) => {
        find(rs, "azure-native:network:NatGateway").inputs.idleTimeoutInMinutes = 2;
    } },
    { rule: "tags", what: "a 257-character tag value", says: /tag note has a value of 257 characters; Azure allows 256/, breaks: (rs) => {
        find(rs, "azure-native:network:VirtualNetwork").inputs.tags = { note: "x".repeat(257) };
    } },
    { rule: "tags", what: "51 tags", says: /51 tags; Azure allows 50/, breaks: (rs) => {
        find(rs, "azure-native:network:VirtualNetwork").inputs.tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "v"]));
    } },
    { rule: "tags", what: "a tag name with a slash", says: /tag name "a\/b"/, breaks: (rs) => {
        find(rs, "azure-native:network:VirtualNetwork").inputs.tags = { "a/b": "v" };
    } },
    { rule: "replacement-deletes-first", what: "a proxy VM whose name lost its generation, replaced create-first", says: /has a fixed name \(vmName\) but no deleteBeforeReplace/, breaks: (rs) => {
        const proxy = find(rs, "azure-native:compute:VirtualMachine");
        assert.equal(proxy.deleteBeforeReplace, false, "proxies are replaced create-first");
        proxy.inputs.vmName = String(proxy.inputs.vmName).replace(/-g[0-9a-f]{6}$/, "");
    } },
    { rule: "replacement-deletes-first", what: "the load balancer replaced create-first", says: /has a fixed name \(loadBalancerName\)/, breaks: (rs) => {
        Object.assign(find(rs, "azure-native:network:LoadBalancer"), { deleteBeforeReplace: false });
    } },
    { rule: "load-balancer-request", what: "a rule whose probe is not the load balancer's", says: /rule tcp-\d+: probe \S+\/probes\/tcp-1 is not one of this load balancer's probes/, breaks: (rs) => {
        const rule = (find(rs, "azure-native:network:LoadBalancer").inputs.loadBalancingRules as Array<Record<string, any>>)[0];
        rule.probe = { id: String(rule.probe.id).replace(/tcp-\d+$/, "tcp-1") };
    } },
    { rule: "load-balancer-request", what: "a rule on another load balancer's frontend", says: /frontendIPConfiguration \S+ is not one of this load balancer's frontendIPConfigurations/, breaks: (rs) => {
        const rule = (find(rs, "azure-native:network:LoadBalancer").inputs.loadBalancingRules as Array<Record<string, any>>)[0];
        rule.frontendIPConfiguration = { id: String(rule.frontendIPConfiguration.id).replace("/loadBalancers/lbi-", "/loadBalancers/other-") };
    } },
    { rule: "load-balancer-request", what: "a Basic load balancer", says: /sku Basic: Basic load balancers were retired/, breaks: (rs) => {
        find(rs, "azure-native:network:LoadBalancer").inputs.sku = { name: "Basic" };
    } },
    { rule: "load-balancer-request", what: "a probe every 2 s", says: /every 2 s; Azure probes every 5 s at the most/, breaks: (rs) => {
        (find(rs, "azure-native:network:LoadBalancer").inputs.probes as Array<Record<string, any>>)[0].intervalInSeconds = 2;
    } },
    { rule: "load-balancer-request", what: "a 31-minute idle timeout", says: /idleTimeoutInMinutes 31; Azure allows 4-30/, breaks: (rs) => {
        (find(rs, "azure-native:network:LoadBalancer").inputs.loadBalancingRules as Array<Record<string, any>>)[0].idleTimeoutInMinutes = 31;
    } },
    { rule: "load-balancer-request", what: "a NIC in a pool the load balancer does not have", says: /joins \S+\/backendAddressPools\/other, which is no backend pool/, breaks: (rs) => {
        const config = (find(rs, "azure-native:network:NetworkInterface").inputs.ipConfigurations as Array<Record<string, any>>)[0];
        config.loadBalancerBackendAddressPools = [{ id: String(config.loadBalancerBackendAddressPools[0].id).replace(/proxies$/, "other") }];
    } },
    { rule: "virtual-machine-placement", what: "a proxy in a zone and an availability set", says: /either in an availability zone or in an availability set/, breaks: (rs) => {
        vm(rs).availabilitySet = { id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/availabilitySets/avail-x" };
    } },
    { rule: "run-command-request", what: "a health gate that runs asynchronously", says: /treatFailureAsDeploymentFailure has no effect with asyncExecution/, breaks: (rs) => {
        find(rs, "azure-native:compute:VirtualMachineRunCommandByVirtualMachine").inputs.asyncExecution = true;
    } },
    { rule: "zones-need-a-zonal-region", base: "ukwest", what: "a zone-redundant load balancer frontend in ukwest", says: /frontend frontend has zones \["1","2","3"\] in ukwest/, breaks: (rs) => {
        (find(rs, "azure-native:network:LoadBalancer").inputs.frontendIPConfigurations as Array<Record<string, any>>)[0].zones = ["1", "2", "3"];
    } },
    { rule: "postgres-authentication", what: "passwords off with Entra off", says: /nobody could sign in/, breaks: (rs) => {
        find(rs, "azure-native:dbforpostgresql:Server").inputs.authConfig = { passwordAuth: "Disabled", activeDirectoryAuth: "Disabled" };
    } },
    { rule: "postgres-authentication", what: "Entra on without a tenant", says: /authConfig.tenantId "": Entra authentication needs the tenant id/, breaks: (rs) => {
        find(rs, "azure-native:dbforpostgresql:Server").inputs.authConfig = { passwordAuth: "Enabled", activeDirectoryAuth: "Enabled", tenantId: "" };
    } },
    { rule: "postgres-authentication", what: "an administrator with the SDK enum's lowercase type, on a server with Entra off", says: /principalType "group"/, breaks: (rs) => {
        const server = find(rs, "azure-native:dbforpostgresql:Server");
        rs.push({ type: "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra", name: "entra-admin", urn: "urn:x::entra-admin", deleteBeforeReplace: false,
            inputs: { serverName: server.inputs.serverName, resourceGroupName: server.inputs.resourceGroupName, objectId: "pg-admins", principalName: "pg-admins", principalType: "group" } });
    } },
    { rule: "diagnostic-setting-request", what: "a log with both a category and a category group, and a retention policy sent to a workspace", says: /names both category and categoryGroup/, breaks: (rs) => {
        const logs = find(rs, "azure-native:monitor:DiagnosticSetting", "server-diagnostics").inputs.logs as Array<Record<string, unknown>>;
        logs[0].categoryGroup = "allLogs";
        logs[1].retentionPolicy = { days: 30, enabled: true };
    } },
    { rule: "diagnostic-setting-request", what: "a setting without a destination", says: /no destination/, breaks: (rs) => {
        delete find(rs, "azure-native:monitor:DiagnosticSetting", "gateway-diagnostics").inputs.workspaceId;
    } },
    { rule: "log-analytics-request", what: "a session table without TimeGenerated and a workspace keeping 7 days", says: /TimeGenerated of type dateTime/, breaks: (rs) => {
        const schema = find(rs, "azure-native:operationalinsights:Table").inputs.schema as { columns: Array<Record<string, unknown>> };
        schema.columns = schema.columns.filter((c) => c.name !== "TimeGenerated");
        find(rs, "azure-native:operationalinsights:Workspace").inputs.retentionInDays = 7;
    } },
    { rule: "data-collection-rule-request", what: "a flow reading the data source's name instead of the stream, into the bare table name", says: /neither declared nor built in/, breaks: (rs) => {
        const flow = (find(rs, "azure-native:monitor:DataCollectionRule").inputs.dataFlows as Array<Record<string, unknown>>)[0];
        flow.streams = ["nginx-sessions"];
        flow.outputStream = "SecurepgProxySessions_CL";
    } },
    { rule: "data-collection-rule-request", what: "a rule in another region than its workspace", says: /must be in its workspace's region \(westeurope\)/, breaks: (rs) => {
        find(rs, "azure-native:monitor:DataCollectionRule").inputs.location = "northeurope";
    } },
    { rule: "alerting-request", what: "an alert whose window is shorter than its frequency, and a 13-character short name", says: /windowSize PT1M is shorter than evaluationFrequency PT5M/, breaks: (rs) => {
        const alert = rs.find((r) => r.type === "azure-native:monitor:MetricAlert" && r.inputs.windowSize === "PT5M" && r.inputs.evaluationFrequency === "PT5M")!;
        alert.inputs.windowSize = "PT1M";
    } },
    { rule: "site-to-site-request", base: "reach", what: "a site network inside the VNet", says: /addressPrefixes 10\.40\.5\.0\/24 overlaps the VNet: Azure refuses the connection/, breaks: (rs) => {
        (find(rs, "azure-native:network:LocalNetworkGateway", "site-hq").inputs.localNetworkAddressSpace as { addressPrefixes: string[] }).addressPrefixes.push("10.40.5.0/24");
    } },
    { rule: "site-to-site-request", base: "reach", what: "a key with a hyphen, GCM encryption with SHA-256 integrity, a 10-minute DPD", says: /sharedKey: 1-128 printable ASCII characters other than space, - and ~/, breaks: (rs) => {
        const connection = find(rs, "azure-native:network:VirtualNetworkGatewayConnection", "site-branch-connection").inputs as Record<string, any>;
        connection.sharedKey = "Abc-123";
        connection.ipsecPolicies[0].ipsecIntegrity = "SHA256";
        connection.dpdTimeoutSeconds = 3601;
    } },
    { rule: "site-to-site-request", base: "reach", what: "GCM encryption with SHA-256 integrity", says: /ipsecIntegrity SHA256 with ipsecEncryption GCMAES256: GCMAES takes the same GCMAES for both/, breaks: (rs) => {
        (find(rs, "azure-native:network:VirtualNetworkGatewayConnection", "site-hq-connection").inputs as Record<string, any>).ipsecPolicies[0].ipsecIntegrity = "SHA256";
    } },
    { rule: "pgbouncer-request", base: "reach", what: "PgBouncer on a Burstable server", says: /needs General Purpose or Memory Optimized/, breaks: (rs) => {
        server(rs).sku = { name: "Standard_B1ms", tier: "Burstable" };
    } },
    { rule: "replacement-deletes-first", what: "the private DNS zone replaced create-first", says: /has a fixed name \(privateZoneName\)/, breaks: (rs) => {
        Object.assign(find(rs, "azure-native:privatedns:PrivateZone"), { deleteBeforeReplace: false });
    } },
    { rule: "replacement-deletes-first", what: "the server replaced create-first", says: /has a fixed name \(serverName\)/, breaks: (rs) => {
        Object.assign(find(rs, "azure-native:dbforpostgresql:Server"), { deleteBeforeReplace: false });
    } },
];

describe("each rule catches a broken copy of a real deployment", () => {
    const bases = new Map<string, RequestResource[]>();
    before(async () => {
        const dev = loadStackFile("Pulumi.dev.yaml");
        const configs: Record<string, Record<string, string>> = {
            dev: dev.config,
            prod: loadStackFile("Pulumi.prod.yaml").config,
            public: { ...dev.config, "securepg:database": JSON.stringify({ access: "public", allowedIpRanges: ["203.0.113.7"] }) },
            ukwest: { ...dev.config, "azure-native:location": "ukwest" },
            reach: withSections(dev.config, {
                database: { skuName: "Standard_D2ds_v5", tier: "GeneralPurpose", pgbouncer: true },
                vpn: { activeActive: true, sites: [
                    { name: "hq", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"] },
                    { name: "branch", gatewayAddress: "198.51.100.7", addressPrefixes: ["192.168.20.0/24"], bgp: { asn: 65010, peeringAddress: "169.254.21.1" } },
                ] },
                proxy: { targets: [{ name: "orders-mysql", host: "mysql-orders.mysql.database.azure.com", port: 3306, listenPort: 3306 }] },
            }),
        };
        for (const [name, config] of Object.entries(configs)) {
            const run = await runProgram({ stack: name === "prod" ? "prod" : "dev", config });
            assert.equal(run.error, undefined, run.error?.message);
            const resources = requests(run);
            assert.equal(describeAll(checkAzureRequests(resources)), "", `the unbroken ${name} deployment must pass`);
            bases.set(name, resources);
        }
    });

    for (const breakage of BREAKAGES) {
        it(`${breakage.rule}: ${breakage.what}`, () => {
            const copy = structuredClone(bases.get(breakage.base ?? "dev")!);
            breakage.breaks(copy);
            const violations = checkAzureRequests(copy);
            const caught = violations.filter((v) => v.rule === breakage.rule);
            assert.ok(caught.some((v) => breakage.says.test(v.message)), `not caught by ${breakage.rule} saying ${breakage.says}; got:\n${describeAll(violations) || "(nothing)"}`);
            assert.ok(caught.every((v) => v.resource.startsWith("azure-native:") && v.urn !== undefined), "each violation names its resource");
        });
    }

    it("every rule has a broken copy, a description and a source", () => {
        for (const rule of AZURE_RULES) {
            assert.ok(BREAKAGES.some((b) => b.rule === rule.id), `${rule.id} is never shown to fail`);
            assert.ok(rule.description.length > 20 && /https?:\/\/|#\d+|\.json|crud/.test(rule.source), `${rule.id} cites no source`);
        }
        assert.equal(new Set(AZURE_RULES.map((r) => r.id)).size, AZURE_RULES.length);
    });
});
