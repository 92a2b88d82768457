/**
 * The securepg CrossGuard policy pack: `pulumi preview --policy-pack policy` (see README.md here).
 * The only module that constructs the pack, which starts the analyzer's gRPC server; tests import
 * `./policies` instead.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("securepg", {
    description: "Guardrails for securepg: TLS-only PostgreSQL without public exposure, locked-down network and proxy VM, "
        + "a Point-to-Site VPN with certificate or Entra ID auth, and credentials kept secret.",
    policies,
});
