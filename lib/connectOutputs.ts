/**
 * The stack outputs `npm run connect` reads (`pulumi stack output --json --show-secrets`), checked
 * before anything is written, with an error that names what is missing.
 */
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { P2S_AUTHENTICATIONS } from "./entra";
import { FQDN_PATTERN } from "./naming";


const credentials = z.object({ certificatePem: z.string().includes("-----BEGIN CERTIFICATE-----"), privateKeyPem: z.string().includes("PRIVATE KEY-----") });

const outputsSchema = z.object({
    resourceGroupName: z.string().min(1),
    serverFqdn: z.string().regex(FQDN_PATTERN, "is not a host name"),
    proxyPrivateIp: z.string().refine((ip) => ipaddr.IPv4.isValidFourPartDecimal(ip), "is not an IPv4 address"),
    proxyPort: z.number().int().min(1).max(65535),
    adminLogin: z.string().min(1),
    adminPassword: z.string().min(1).optional(),
    // Empty when the stack creates no database of its own: clients use `postgres`.
    databaseNames: z.array(z.string().min(1)),
    // Stacks deployed before these outputs existed had passwords on and certificate-only VPNs.
    passwordAuthentication: z.boolean().default(true),
    entraAdmin: z.string().min(1).optional(),
    // Only the characters Azure allows in these names, so the id is safe on a command line.
    vpnGatewayId: z.string().regex(/^\/subscriptions\/[0-9a-f-]+\/resourceGroups\/[\w.()-]+\/providers\/Microsoft\.Network\/virtualNetworkGateways\/[\w.-]+$/i, "is not a virtual network gateway's resource id"),
    vpnAuthentication: z.enum(P2S_AUTHENTICATIONS).default("certificate"),
    vpnClientCertificates: z.record(z.string(), credentials).default({}),
});

export type ConnectOutputs = z.infer<typeof outputsSchema>;

/** Outputs added with `npm run connect`: a stack last deployed before it lacks them. */
const ADDED_WITH_CONNECT = new Set(["proxyPort", "vpnGatewayId"]);

/** Reads the outputs, or throws one message listing every missing or malformed output. */
export function parseConnectOutputs(stack: string, outputs: unknown): ConnectOutputs {
    // `pulumi stack output --json` without --show-secrets prints every secret as "[secret]".
    const hidden = Object.keys(outputsSchema.shape).filter((key) => (outputs as Record<string, unknown> | null)?.[key] === "[secret]");
    if (hidden.length > 0) {
        throw new Error(`stack ${stack}'s output${hidden.length === 1 ? "" : "s"} ${hidden.join(", ")} ${hidden.length === 1 ? "is" : "are"} hidden ([secret]): \`pulumi stack output\` must run with --show-secrets`);
    }
    const parsed = outputsSchema.safeParse(outputs);
    if (parsed.success) {
        const o = parsed.data;
        if (o.passwordAuthentication && o.adminPassword === undefined) {
            throw new Error(`stack ${stack} has no adminPassword output, though passwords sign in (was \`pulumi stack output\` run without --show-secrets?)`);
        }
        return o;
    }
    const problems = parsed.error.issues.map((issue) => {
        const key = issue.path.map(String).join(".");
        // zod reports a problem at the first level that is wrong, so every parent on the path exists.
        const value = issue.path.reduce<unknown>((node, part) => (node as Record<PropertyKey, unknown> | undefined)?.[part], outputs);
        if (value === undefined) {
            return ADDED_WITH_CONNECT.has(key)
                ? `output ${key} is missing: the stack was last deployed by an older securepg; run \`pulumi up --stack ${stack}\` once`
                : `output ${key} is missing`;
        }
        return `output ${key} ${issue.message}`;
    });
    throw new Error(`stack ${stack} does not have what \`npm run connect\` needs:\n  - ${problems.join("\n  - ")}`);
}
