/**
 * The component package's entry point (package.json's main; the stack program is index.ts, named by
 * Pulumi.yaml). The Pulumi Node.js SDK hosts every component this module exports and infers the
 * package schema from their args (components/securepg.ts).
 */
export { SecurePg } from "../components/securepg";
