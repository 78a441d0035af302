// docs/commands.md's flag tables are what the code declares: each command's block must equal the
// table generated from its commander options (scripts/command-docs.ts), and every command has one.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { flagTable, updateFlagBlocks } from '../../scripts/command-docs';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'commands.md'), 'utf8');

test('every command has a flags block in docs/commands.md, and each block equals the code (regenerate: node dist/scripts/command-docs.js)', () => {
  const { text, missing } = updateFlagBlocks(doc);
  expect(missing).toEqual([]);
  expect(text).toBe(doc);
});

test('the generated table shows each flag, its meaning and its default', () => {
  const cmd = new Command('x').option('--batch-size <n>', 'batch size | rows', '64').option('--json', 'one JSON object', false);
  expect(flagTable(cmd)).toBe([
    '| flag | meaning | default |',
    '|---|---|---|',
    '| `--batch-size <n>` | batch size \\| rows | `64` |',
    '| `--json` | one JSON object |  |',
  ].join('\n'));
});

test('a block naming no command is refused, and a changed default shows as a difference', () => {
  expect(() => updateFlagBlocks('<!-- flags:nope -->\n<!-- /flags:nope -->', new Map())).toThrow(/'nope', which is not a command/);
  const stale = doc.replace(/(\| `--epochs <n>` \| [^|]+\| )`30`/, '$1`25`');
  expect(stale).not.toBe(doc);
  expect(updateFlagBlocks(stale).text).toBe(doc);
});
