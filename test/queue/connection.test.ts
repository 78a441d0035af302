// Queue addresses: parsing into connection options, the password kept out of anything printable,
// and checking a train configuration that arrives from a queue.

import { checkTrainConfig, checkTrainValue } from '../../bin/train-flags';
import { DEFAULT_CONFIG } from '../../lib/node/experiments/assignment';
import { parseQueueAddress, PASSWORD_ENV, redact } from '../../lib/node/queue/connection';

describe('parseQueueAddress', () => {
  test('host, port, database, user and password; the display form hides the password', () => {
    const a = parseQueueAddress('redis://alice:s3cr%40t@queue.example:6380/2', {});
    expect(a.options).toMatchObject({ host: 'queue.example', port: 6380, db: 2, username: 'alice', password: 's3cr@t', maxRetriesPerRequest: null });
    expect(a.options.tls).toBeUndefined();
    expect(a.display).toBe('redis://alice:***@queue.example:6380/2');
  });

  test('defaults: port 6379, database 0, no credentials; rediss turns TLS on', () => {
    expect(parseQueueAddress('redis://127.0.0.1', {}).options).toMatchObject({ host: '127.0.0.1', port: 6379, db: 0 });
    expect(parseQueueAddress('redis://127.0.0.1', {}).display).toBe('redis://127.0.0.1');
    expect(parseQueueAddress('redis://[::1]:7000', {}).options.host).toBe('::1');
    const tls = parseQueueAddress('rediss://:pw@cache.example:6390', {});
    expect(tls.options.tls).toEqual({ servername: 'cache.example' });
    expect(tls.display).toBe('rediss://:***@cache.example:6390');
    expect(parseQueueAddress('rediss://10.1.2.3:6390', {}).options.tls).toEqual({}); // no SNI for an IP address
  });

  test(`the password may come from $${PASSWORD_ENV} instead`, () => {
    const a = parseQueueAddress('redis://10.0.0.5:6379', { [PASSWORD_ENV]: 'from-env' });
    expect(a.options.password).toBe('from-env');
    expect(a.display).toBe('redis://:***@10.0.0.5:6379');
    expect(parseQueueAddress('redis://:in-url@h:1', { [PASSWORD_ENV]: 'from-env' }).options.password).toBe('in-url');
  });

  test.each([
    ['http://h:1', /scheme 'http' is not redis or rediss/],
    ['redis://:pw@h:1/x', /database 'x' is not a number/],
    ['redis://:pw@h:1?tls=1', /options after \? or #/],
    ['not a url :pw@', /not a URL/],
    ['redis://:p/w@h:1', /not a URL/],
    ['redis://u:p@w@h:1/z', /database 'z'/],
  ])('refuses %s, naming what is wrong and never the password', (address, why) => {
    let message = '';
    try {
      parseQueueAddress(address, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(why);
    expect(message).toMatch(/expected redis:\/\/HOST:PORT/);
    expect(message).not.toMatch(/pw@|p\/w@|p@w@/);
  });

  test('redact hides passwords in any text', () => {
    expect(redact('connect redis://u:p4ss@h:1/0 and rediss://:x@y:2 failed')).toBe('connect redis://u:***@h:1/0 and rediss://:***@y:2 failed');
    expect(redact('redis://h:1')).toBe('redis://h:1');
  });
});

describe('checkTrainConfig (what an agent accepts)', () => {
  test('accepts a complete train configuration and returns only its keys', () => {
    expect(checkTrainConfig({ ...DEFAULT_CONFIG })).toEqual(DEFAULT_CONFIG);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown key', { ...DEFAULT_CONFIG, exec: 'ls' }, /'exec' is not a train setting/],
    ['a missing key', (({ epochs: _e, ...rest }) => rest)(DEFAULT_CONFIG), /lacks 'epochs'/],
    ['a value train would refuse', { ...DEFAULT_CONFIG, optimizer: 'lbfgs' }, /optimizer.*must be one of sgd/],
    ['a value spelled otherwise than train stores it', { ...DEFAULT_CONFIG, activation: 'relu' }, /activation must be "ReLU"/],
    ['a number given as text', { ...DEFAULT_CONFIG, epochs: '5' }, /epochs must be 5/],
    ['an object as a value', { ...DEFAULT_CONFIG, learning_rate: { toString: 1 } }, /learning_rate must be a number/],
    ['a negative seed', { ...DEFAULT_CONFIG, seed: -1 }, /seed/],
  ])('refuses %s', (_what, cfg, why) => {
    expect(() => checkTrainConfig(cfg)).toThrow(why);
  });

  test('checkTrainValue follows the flags', () => {
    expect(() => checkTrainValue('num_layers', 4)).not.toThrow();
    expect(() => checkTrainValue('num_layers', 2.5)).toThrow(/num_layers/);
    expect(() => checkTrainValue('weight_decay', -0.1)).toThrow(/weight_decay/);
  });
});
