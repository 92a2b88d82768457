// npm run mutation:policy: the policy pack against its own tests, the cheap ones first.
import { areaConfig } from "./area.mjs";

export default areaConfig("policy", ["policy/**/*.ts", "!policy/index.ts"], [
    "test/policy/rules.test.ts", "test/policy/config.test.ts", "test/policy/messages.test.ts", "test/policy/policies.test.ts", "test/policy/engine.test.ts", "test/policy/grpc.test.ts", "test/policy/pack.test.ts", "test/policy/standalone.test.ts",
]);
