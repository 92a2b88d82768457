// npm run mutation:components: the components and index.ts against the tests that read what they
// register: each component's requests property by property first, then the program runs (the
// slowest, safeChange and the generated variants, are left to the full run).
import { areaConfig } from "./area.mjs";

export default areaConfig("components", ["components/**/*.ts", "index.ts"], [
    "test/components.spec.test.ts", "test/components.test.ts", "test/program.stacks.test.ts", "test/program.badConfig.test.ts", "test/program.vpnProxy.test.ts",
    "test/azureRules.test.ts", "test/program.allowlists.test.ts", "test/lifecycle.test.ts", "test/deploymentChecks.test.ts",
    "test/program.identityAudit.test.ts",
]);
