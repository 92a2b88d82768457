/**
 * Which of `npm run connect`'s files it may write. It keeps a manifest of what it last wrote
 * (each file's SHA-256): a file may be replaced only while it still holds exactly that, so a file
 * the user wrote or edited is never overwritten without --force.
 */
import { createHash } from "node:crypto";

export const MANIFEST_FILE = ".securepg-connect.json";

export interface FileWrite {
    /** A file name inside the output directory (no directories). */
    readonly name: string;
    readonly content: string;
    readonly mode: number;
    /** What the file is, for the summary. */
    readonly what: string;
}

export interface Manifest {
    readonly files: Record<string, string>;
}

export interface PlannedWrite extends FileWrite {
    readonly sha256: string;
    readonly action: "added" | "updated" | "unchanged";
}

export class ForeignFileError extends Error {}

export function sha256(text: string): string {
    return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * Decides each write, or throws one error naming every file that may not be replaced. `pending`
 * names files whose contents are not known yet (the VPN profile, before Azure is asked): only
 * whether each existing one is this tool's is checked.
 */
export function planWrites(writes: readonly FileWrite[], manifest: Manifest, existing: (name: string) => string | undefined, options: { force?: boolean; pending?: readonly string[] } = {}): PlannedWrite[] {
    const refused: string[] = [];
    const seen = new Set<string>();
    const mayReplace = (name: string, current: string) => options.force || manifest.files[name] === sha256(current);
    for (const name of [...writes.map((w) => w.name), ...(options.pending ?? [])]) {
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || seen.has(name)) {
            throw new Error(`${JSON.stringify(name)} is not a file name this tool writes, or is written twice`);
        }
        seen.add(name);
    }
    for (const name of options.pending ?? []) {
        const current = existing(name);
        if (current !== undefined && !mayReplace(name, current)) {
            refused.push(name);
        }
    }
    const planned = writes.map((write): PlannedWrite => {
        const digest = sha256(write.content);
        const current = existing(write.name);
        if (current === undefined) {
            return { ...write, sha256: digest, action: "added" };
        }
        if (current === write.content) {
            return { ...write, sha256: digest, action: "unchanged" };
        }
        if (!mayReplace(write.name, current)) {
            refused.push(write.name);
        }
        return { ...write, sha256: digest, action: "updated" };
    });
    if (refused.length > 0) {
        throw new ForeignFileError(
            `not overwriting ${refused.join(", ")}: ${refused.length === 1 ? "it exists and was" : "they exist and were"} not written by \`npm run connect\`, or changed since; pass --force to overwrite, or --dir to write elsewhere`,
        );
    }
    return planned;
}
