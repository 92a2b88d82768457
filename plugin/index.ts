/**
 * The component package's entry point. The Pulumi Node.js SDK hosts every component this module
 * exports and infers the package schema from their args (components/securepg.ts).
 */
export { SecurePg } from "../components/securepg";
