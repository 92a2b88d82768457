/**
 * The stack files as the tests read them (stacks/stackFile.ts), and helpers to vary their settings.
 */
export * from "../../stacks/stackFile";
import { loadStackFile, PROJECT_NAME, PROJECT_ROOT, stackFileNames, type StackFile } from "../../stacks/stackFile";

/** Engine config with some fields of structured `securepg:<section>` keys replaced. */
export function withSections(config: Readonly<Record<string, string>>, overrides: Readonly<Record<string, Record<string, unknown>>>): Record<string, string> {
    const result = { ...config };
    for (const [section, fields] of Object.entries(overrides)) {
        const key = `${PROJECT_NAME}:${section}`;
        const current = result[key] ? (JSON.parse(result[key]) as Record<string, unknown>) : {};
        result[key] = JSON.stringify({ ...current, ...fields });
    }
    return result;
}

export function loadAllStackFiles(root = PROJECT_ROOT): StackFile[] {
    return stackFileNames(root).map((f) => loadStackFile(f, root));
}
