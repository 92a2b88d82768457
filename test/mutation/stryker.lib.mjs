// npm run mutation:lib: lib/ (the Azure rules aside, whose killer is a slower file) against its unit tests.
import { areaConfig } from "./area.mjs";

export default areaConfig("lib", ["lib/**/*.ts", "!lib/azureRules.ts"], [
    "test/cidr.test.ts", "test/nsgEval.test.ts", "test/naming.test.ts", "test/config.test.ts", "test/lifecycleRules.test.ts",
    "test/firewall.test.ts", "test/nginx.test.ts", "test/certsAndConnection.test.ts", "test/cloudInit.test.ts",
    "test/destroy.test.ts", "test/regions.test.ts", "test/proxyTier.test.ts", "test/proxyScripts.test.ts", "test/sizing.test.ts",
    "test/entra.test.ts", "test/audit.test.ts", "test/alerts.test.ts",
    "test/clientConfig.test.ts", "test/vpnProfile.test.ts", "test/drivers.docs.test.ts", "test/siteToSite.test.ts", "test/proxyTargets.test.ts", "test/siteToSite.docs.test.ts", "test/configReach.test.ts", "test/cost.test.ts",
]);
