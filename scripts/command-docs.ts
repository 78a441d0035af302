// docs/commands.md's flag tables, generated from the commands themselves so they cannot drift:
// every command's options (flag, meaning, default) as commander holds them. Each table sits between
// `<!-- flags:NAME -->` and `<!-- /flags:NAME -->`; test/cli/command-docs.test.ts fails when a table
// differs from what the code would print. Regenerate: npm run build && node dist/scripts/command-docs.js

import type { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../bin/program';
import { findPackageRoot } from '../lib/node/datasets';
import { writeFileAtomic } from '../lib/node/fs';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** Prose in a cell: `<project>` would be read as an HTML tag. */
function text(s: string): string {
  return cell(s).replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function defaultText(o: Option): string {
  const d: unknown = o.defaultValue;
  if (d === undefined || d === false) return '';
  if (Array.isArray(d)) return `\`${d.join(',')}\``;
  return `\`${String(d)}\``;
}

/** The Markdown table of one command's flags (help and version excluded), in declaration order. */
export function flagTable(cmd: Command): string {
  const rows = ['| flag | meaning | default |', '|---|---|---|'];
  for (const o of cmd.options as readonly Option[]) {
    if (o.hidden) continue;
    rows.push(`| \`${cell(o.flags)}\` | ${text(o.description)} | ${cell(defaultText(o))} |`);
  }
  return rows.join('\n');
}

/** Every subcommand's flag table, by command name. */
export function flagTables(program: Command = buildProgram()): Map<string, string> {
  return new Map(program.commands.map((c) => [c.name(), flagTable(c)]));
}

const BLOCK = /<!-- flags:([a-z0-9-]+) -->\n[\s\S]*?<!-- \/flags:\1 -->/g;

/**
 * `doc` with each flags block replaced by the command's current table. Throws on a block naming no
 * command; `missing` lists commands that have no block (each command must be documented).
 */
export function updateFlagBlocks(doc: string, tables: Map<string, string> = flagTables()): { text: string; missing: string[] } {
  const seen = new Set<string>();
  const text = doc.replace(BLOCK, (_all, name: string) => {
    const table = tables.get(name);
    if (table === undefined) throw new Error(`docs/commands.md has a flags block for '${name}', which is not a command (commands: ${[...tables.keys()].join(', ')})`);
    seen.add(name);
    return `<!-- flags:${name} -->\n${table}\n<!-- /flags:${name} -->`;
  });
  return { text, missing: [...tables.keys()].filter((n) => !seen.has(n)) };
}

export const COMMANDS_DOC = join(findPackageRoot(), 'docs', 'commands.md');

if (require.main === module) {
  const file = process.argv[2] ?? COMMANDS_DOC;
  const { text, missing } = updateFlagBlocks(readFileSync(file, 'utf8'));
  writeFileAtomic(file, text);
  process.stderr.write(`updated ${file}${missing.length ? `; commands without a flags block: ${missing.join(', ')}` : ''}\n`);
  if (missing.length) process.exitCode = 1;
}
