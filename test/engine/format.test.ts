// The shared median and text table (lib/util/format.ts), used by summaries, the commands and the bench.

import { formatTable, median } from '../../lib/util/format';

test('median: the middle value, the mean of the middle two, NaN for none; the input is not reordered', () => {
  const xs = [3, 1, 2];
  expect(median(xs)).toBe(2);
  expect(xs).toEqual([3, 1, 2]);
  expect(median([4, 1, 2, 3])).toBe(2.5);
  expect(median([-1])).toBe(-1);
  expect(median([])).toBeNaN();
});

test('formatTable: number columns right-aligned, text left, two spaces apart, an optional rule, no trailing spaces', () => {
  const rows = [['x', '1.5', 'a', '—'], ['long', '10.25', '—', '7%']];
  expect(formatTable(['name', 'v', 'note', 'share'], rows).split('\n')).toEqual([
    'name      v  note  share',
    'x       1.5  a         —',
    'long  10.25  —        7%',
  ]);
  expect(formatTable(['a', 'bb'], [['1,234', '2.5x']], { rule: true }).split('\n')).toEqual(['    a    bb', '-----  ----', '1,234  2.5x']);
  expect(formatTable(['a', 'b'], [['1', '2']], { align: ['left', 'right'] }).split('\n')).toEqual(['a  b', '1  2']);
});
