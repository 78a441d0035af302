// The defaults and the Q10 recommendations must be what the committed search found (docs/search-defaults.json,
// written by the staged search, since replaced by examples/sweeps/defaults.yaml, from validation accuracy only): editing one without the other fails here.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type AssignmentConfig } from '../../lib/node/experiments/assignment';
import { RECOMMENDED_MNIST_CONFIGS } from '../../lib/node/experiments/recommended';

interface Row { config: AssignmentConfig; val_accuracy: number }
const search = JSON.parse(readFileSync(join(__dirname, '../../docs/search-defaults.json'), 'utf8')) as Record<string, unknown> & {
  best: AssignmentConfig;
};
// Stage 1 trains for only a few epochs, so its rows do not compete with the longer stages'.
const ranked = Object.keys(search)
  .filter((k) => /^stage[2-9]$/.test(k))
  .flatMap((k) => search[k] as Row[])
  .sort((a, b) => b.val_accuracy - a.val_accuracy);

test('train defaults to the configuration with the best validation accuracy of the search', () => {
  expect(ranked[0].config).toEqual(search.best);
  expect(DEFAULT_CONFIG).toEqual(search.best);
});

test('mnist-configs recommends the search’s top three, best first', () => {
  expect(RECOMMENDED_MNIST_CONFIGS).toHaveLength(3);
  RECOMMENDED_MNIST_CONFIGS.forEach((r, i) => {
    const { dataset: _d, seed: _s, wandb_project: _p, wandb_entity: _e, ...shape } = ranked[i].config;
    expect({ ...DEFAULT_CONFIG, ...r.config, dataset: ranked[i].config.dataset }).toMatchObject(shape);
  });
});
