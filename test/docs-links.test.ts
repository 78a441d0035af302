// Every relative link and image in README.md and docs/*.md points at a file that exists, and every
// #anchor at a heading of its target page (GitHub's heading ids), so moving a page or renaming a
// heading cannot leave a dead link behind.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(__dirname, '..');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The text outside fenced code blocks and inline code spans (code may contain `](`). */
function prose(md: string): string {
  return md.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Link and image targets: [text](target), ![alt](target), <img src="target">. */
export function linkTargets(md: string): string[] {
  const text = prose(md);
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1]);
  for (const m of text.matchAll(/<img\b[^>]*\bsrc="([^"]+)"/g)) out.push(m[1]);
  return out;
}

/** GitHub's id for a heading: lower case, punctuation dropped, spaces to '-', repeats numbered. */
export function headingIds(md: string): Set<string> {
  const ids = new Set<string>();
  const count = new Map<string, number>();
  for (const m of md.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = count.get(base) ?? 0;
    count.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  return ids;
}

test('the pages exist: README.md and the docs/ pages it links', () => {
  for (const p of ['commands', 'experiments', 'library', 'math', 'data', 'plots', 'backends', 'performance', 'development']) {
    expect(pages).toContain(`docs/${p}.md`);
  }
});

test('headingIds follows GitHub: code and punctuation dropped, spaces to hyphens, repeats numbered', () => {
  expect([...headingIds("# The AYLA loss transform (`scratchnet ayla`)\n## Q3's table\n## Q3's table\n")])
    .toEqual(['the-ayla-loss-transform-scratchnet-ayla', 'q3s-table', 'q3s-table-1']);
  expect(linkTargets('see [a](docs/a.md#x) and ![f](figures/f.png "t") but not `[b](no.md)`\n```\n[c](no.md)\n```\n'))
    .toEqual(['docs/a.md#x', 'figures/f.png']);
});

describe.each(pages)('%s', (page) => {
  const file = join(root, page);
  const md = readFileSync(file, 'utf8');
  const local = linkTargets(md).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t)); // not http:, mailto:, ...

  test('every relative link and image resolves', () => {
    const broken: string[] = [];
    for (const target of local) {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const dest = path === '' ? file : resolve(dirname(file), decodeURI(path));
      if (!existsSync(dest)) {
        broken.push(`${target} (no file ${relative(root, dest)})`);
        continue;
      }
      if (anchor !== undefined && dest.endsWith('.md') && statSync(dest).isFile()) {
        if (!headingIds(readFileSync(dest, 'utf8')).has(anchor)) broken.push(`${target} (no heading #${anchor} in ${relative(root, dest)})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
