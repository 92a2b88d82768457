/**
 * What the data-plane lab takes from the program: the nginx config that the proxy VM's cloud-init
 * writes, extracted from the `customData` the real `index.ts` registers under mocks, and the
 * connection string the stack exports. Nothing here is a copy of the renderer's output.
 */
import type { Ipv4Cidr } from "../../lib/cidr";
import { CANDIDATE_NGINX_CONF, KEEPALIVE_SYSCTL_FILE, writtenFiles } from "../../lib/cloudInit";
import { parseStackConfig, type StackConfig } from "../../stacks";
import { runProgram } from "../harness/program";
import { DRAIN_SCRIPT } from "../../lib/drain";
import { loadStackFile, PROJECT_NAME, withSections } from "../harness/stackFiles";

export interface RenderedProxy {
    readonly config: StackConfig;
    /** The server FQDN the program exports (and the name on the lab's server certificate). */
    readonly serverFqdn: string;
    /** The load balancer's frontend: the address clients use. */
    readonly proxyPrivateIp: string;
    /** Each proxy VM's own address, as the stack exports them. */
    readonly proxyInstanceIps: readonly string[];
    readonly proxyPort: number;
    /** The exact bytes of the drain script cloud-init writes. */
    readonly drainScript: string;
    /** The whole cloud-init user data, decoded from the VM's customData. */
    readonly userData: string;
    /** The exact bytes cloud-init writes to /etc/securepg/nginx.conf. */
    readonly nginxConf: string;
    /** `ssl_min_protocol_version` as the program sets it on the Flexible Server. */
    readonly tlsMinVersion: string;
    /** The exact bytes of the kernel keepalive sysctl file cloud-init writes. */
    readonly keepaliveSysctl: string;
    /** The exported `connectionString` (secret in the stack; includes the admin password). */
    readonly connectionString: string;
    readonly adminLogin: string;
    readonly adminPassword: string;
    readonly databaseName: string;
    readonly clientAddressPool: Ipv4Cidr;
    readonly proxySubnet: Ipv4Cidr;
    readonly databaseSubnet: Ipv4Cidr;
    /** Every stack output, secrets in the clear, as `pulumi stack output --json --show-secrets` prints them. */
    readonly outputs: Readonly<Record<string, unknown>>;
}

export type SectionOverrides = Partial<Record<"network" | "database" | "vpn" | "proxy", Record<string, unknown>>>;

/** Engine config of a stack file with some `securepg:<section>` fields replaced. */
export function stackConfigWith(stackFile: string, overrides: SectionOverrides): { stack: string; config: Record<string, string>; secretKeys: string[] } {
    const file = loadStackFile(stackFile);
    return { stack: file.stack, config: withSections(file.config, overrides), secretKeys: file.secretKeys };
}

/** Runs the real program for a stack file (plus overrides) and returns what the proxy VM would run. */
export async function renderProxyFromProgram(stackFile = "Pulumi.dev.yaml", overrides: SectionOverrides = {}): Promise<RenderedProxy> {
    const { stack, config: values, secretKeys } = stackConfigWith(stackFile, overrides);
    const run = await runProgram({ stack, config: values, secretKeys });
    if (run.error) {
        throw run.error;
    }
    // Every proxy boots the same user data (programs tests check it); the first one stands for all.
    const vm = run.resources.find((r) => r.type === "azure-native:compute:VirtualMachine");
    const customData = vm?.inputs.osProfile?.customData;
    if (typeof customData !== "string") {
        throw new Error("the proxy VM registered no customData");
    }
    const userData = Buffer.from(customData, "base64").toString("utf8");
    const files = writtenFiles(userData);
    const nginxConf = files.get(CANDIDATE_NGINX_CONF);
    const keepaliveSysctl = files.get(KEEPALIVE_SYSCTL_FILE);
    const drainScript = files.get(DRAIN_SCRIPT);
    if (!nginxConf || !keepaliveSysctl || !drainScript) {
        throw new Error(`cloud-init writes no ${!nginxConf ? CANDIDATE_NGINX_CONF : !keepaliveSysctl ? KEEPALIVE_SYSCTL_FILE : DRAIN_SCRIPT}`);
    }
    const instances = run.outputs.proxyInstances;
    if (!Array.isArray(instances) || instances.some((i) => typeof i?.privateIp !== "string")) {
        throw new Error("the program exports no proxyInstances");
    }
    const config = parseStackConfig({ project: PROJECT_NAME, stack, values });
    const tlsParameter = run.resources.find((r) => r.type === "azure-native:dbforpostgresql:Configuration" && r.inputs.configurationName === "ssl_min_protocol_version");
    if (typeof tlsParameter?.inputs.value !== "string") {
        throw new Error("the program sets no ssl_min_protocol_version server parameter");
    }
    const text = (key: string) => {
        const value = run.outputs[key];
        if (typeof value !== "string") {
            throw new Error(`the program exports no string ${key}`);
        }
        return value;
    };
    const databases = run.outputs.databaseNames;
    if (!Array.isArray(databases) || typeof databases[0] !== "string") {
        throw new Error("the program exports no databaseNames");
    }
    return {
        config,
        serverFqdn: text("serverFqdn"),
        proxyPrivateIp: text("proxyPrivateIp"),
        proxyInstanceIps: instances.map((i: { privateIp: string }) => i.privateIp),
        proxyPort: config.proxy.port,
        drainScript,
        userData,
        nginxConf,
        keepaliveSysctl,
        tlsMinVersion: tlsParameter.inputs.value,
        connectionString: text("connectionString"),
        adminLogin: text("adminLogin"),
        adminPassword: text("adminPassword"),
        databaseName: databases[0],
        clientAddressPool: config.vpn.clientAddressPool,
        proxySubnet: config.network.proxySubnet,
        databaseSubnet: config.network.databaseSubnet,
        outputs: run.outputs,
    };
}
