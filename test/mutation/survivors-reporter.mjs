// A Stryker reporter that writes every surviving (or uncovered) mutant to survivors.txt, next to the
// JSON report, the moment it is known, so a long run can be triaged while it goes.
import * as fs from "node:fs";
import * as path from "node:path";
import { PluginKind, commonTokens, declareClassPlugin } from "@stryker-mutator/api/plugin";

class SurvivorsReporter {
    static inject = [commonTokens.options];

    constructor(options) {
        this.out = path.join(path.dirname(options.jsonReporter?.fileName ?? "reports/mutation/mutation.json"), "survivors.txt");
        fs.mkdirSync(path.dirname(this.out), { recursive: true });
        fs.writeFileSync(this.out, "");
    }

    onMutantTested(result) {
        if (result.status !== "Survived" && result.status !== "NoCoverage") {
            return;
        }
        const file = path.relative(process.cwd(), result.fileName);
        const { line, column } = result.location.start;
        const replacement = String(result.replacement ?? result.mutatorName).replace(/\s+/g, " ").slice(0, 160);
        fs.appendFileSync(this.out, `${result.status} ${file}:${line}:${column} ${result.mutatorName}: ${replacement}\n`);
    }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, "survivors", SurvivorsReporter)];
