// npm run mutation:components: the components and index.ts against the program runs that read what
// they register (the slowest program tests, safeChange and the generated variants, are left to the full run).
import { areaConfig } from "./area.mjs";

export default areaConfig("components", ["components/**/*.ts", "index.ts"], [
    "test/components.test.ts", "test/program.stacks.test.ts", "test/program.badConfig.test.ts", "test/program.vpnProxy.test.ts",
    "test/azureRules.test.ts", "test/program.allowlists.test.ts", "test/lifecycle.test.ts",
]);
