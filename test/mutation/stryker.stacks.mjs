// npm run mutation:stacks: stacks/ against its unit tests first (settings, whole-stack rules, the
// guard, what is deployed), then the program runs it needs.
import { areaConfig } from "./area.mjs";

export default areaConfig("stacks", ["stacks/**/*.ts"], [
    "test/settings.test.ts", "test/stackFile.test.ts", "test/configFields.test.ts", "test/configRules.test.ts", "test/config.test.ts", "test/guard.test.ts", "test/deployed.test.ts",
    "test/lifecycleRules.test.ts", "test/cidr.test.ts", "test/regions.test.ts",
    "test/program.badConfig.test.ts", "test/deploymentChecks.test.ts", "test/program.stacks.test.ts", "test/lifecycle.test.ts", "test/program.safeChange.test.ts",
    "test/program.identityAudit.test.ts",
]);
