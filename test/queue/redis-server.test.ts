// The test harness's own redis-server, checked before other tests rely on it: it answers on its
// loopback port only with the password, keeps what was written across a restart (append-only file),
// and leaves neither a process nor its folder behind when stopped.

import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { parseQueueAddress } from '../../lib/node/queue/connection';
import { describeWithRedis, startRedis } from './redis-server';

describeWithRedis('the test redis-server', () => {
  test('password, persistence across a restart, clean stop', async () => {
    const server = await startRedis({ password: 'h4rness pw' });
    const address = parseQueueAddress(server.url);
    const client = new Redis({ ...address.options, retryStrategy: (n: number) => (n > 50 ? null : 100) });
    const intruder = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      expect(address.display).toBe(`redis://:***@127.0.0.1:${server.port}`);
      await client.set('kept', 'yes');
      // Without the password the server answers nothing but NOAUTH (ioredis 6 meets it at its HELLO).
      const heard: string[] = [];
      intruder.on('error', (e: Error) => heard.push(e.message));
      await expect(intruder.connect().then(() => intruder.get('kept'))).rejects.toThrow();
      expect(heard.join('\n')).toMatch(/NOAUTH/);
      intruder.disconnect();
      await server.restart(200);
      expect(await client.get('kept')).toBe('yes'); // the client reconnected, the key came back from disk
    } finally {
      intruder.disconnect();
      client.disconnect();
      await server.stop();
      await server.stop(); // twice is fine
    }
    expect(existsSync(server.dir)).toBe(false);
    const probe = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true, retryStrategy: () => null });
    await expect(probe.connect()).rejects.toThrow();
    probe.disconnect();
  }, 30000);
});
