/**
 * Microsoft's own Kusto parser and binder (Kusto.Language, compiled to JavaScript:
 * @kusto/language-service-next) against a declared schema: syntax errors, unknown tables,
 * columns and functions are all diagnostics, and the result's columns are known.
 */
import { createRequire } from "node:module";

const load = createRequire(__filename);
let kusto: any;

function language(): any {
    if (!kusto) {
        // The Bridge.NET runtime first: it installs the globals the compiled assembly runs on.
        load("@kusto/language-service-next/bridge.js");
        load("@kusto/language-service-next/Kusto.Language.Bridge.js");
        kusto = (globalThis as any).Kusto.Language;
    }
    return kusto;
}

/** Table name to its columns, as `name:type` pairs in Kusto's scalar types. */
export type KustoSchema = Record<string, ReadonlyArray<readonly [string, string]>>;

export interface KustoAnalysis {
    /** Every error and warning, as `<code> <message> at <offset>`. */
    readonly diagnostics: string[];
    /** The result's columns, when the query ends in a table. */
    readonly columns: Array<[string, string]>;
}

export function analyzeKql(query: string, schema: KustoSchema): KustoAnalysis {
    const L = language();
    const tables = Object.entries(schema).map(([name, columns]) =>
        L.Symbols.TableSymbol.From(`(${columns.map(([c, t]) => `['${c}']:${t}`).join(", ")})`).WithName(name));
    const globals = L.GlobalState.Default.WithDatabase(new L.Symbols.DatabaseSymbol.ctor("workspace", tables));
    const code = L.KustoCode.ParseAndAnalyze(query, globals);
    const list = code.GetDiagnostics();
    const diagnostics: string[] = [];
    for (let i = 0; i < list.Count; i++) {
        const d = list.getItem(i);
        diagnostics.push(`${d.Code} ${d.Message} at ${d.Start}`);
    }
    const columns: Array<[string, string]> = [];
    const result = code.ResultType;
    if (result && result.Columns) {
        for (let i = 0; i < result.Columns.Count; i++) {
            const column = result.Columns.getItem(i);
            columns.push([column.Name, column.Type.Name]);
        }
    }
    return { diagnostics, columns };
}
