// A Stryker reporter that writes every surviving (or uncovered) mutant to
// reports/mutation/survivors.txt the moment it is known, so a long run can be triaged while it goes.
import * as fs from "node:fs";
import * as path from "node:path";
import { PluginKind, declareClassPlugin } from "@stryker-mutator/api/plugin";

const OUT = path.join("reports", "mutation", "survivors.txt");

class SurvivorsReporter {
    constructor() {
        fs.mkdirSync(path.dirname(OUT), { recursive: true });
        fs.writeFileSync(OUT, "");
    }

    onMutantTested(result) {
        if (result.status !== "Survived" && result.status !== "NoCoverage") {
            return;
        }
        const file = path.relative(process.cwd(), result.fileName);
        const { line, column } = result.location.start;
        const replacement = String(result.replacement ?? result.mutatorName).replace(/\s+/g, " ").slice(0, 160);
        fs.appendFileSync(OUT, `${result.status} ${file}:${line}:${column} ${result.mutatorName}: ${replacement}\n`);
    }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, "survivors", SurvivorsReporter)];
