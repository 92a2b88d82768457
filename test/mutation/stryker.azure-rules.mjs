// npm run mutation:azure-rules: lib/azureRules.ts against its unit tests first, then the rules on the real program's requests.
import { areaConfig } from "./area.mjs";

export default areaConfig("azure-rules", ["lib/azureRules.ts"], ["test/azureRules.unit.test.ts", "test/azureRules.test.ts"], "lib");
