/** Runs examples/echo so it never rots. */
import { main } from '../../examples/echo';
import { openWebchat } from '../../framework/index';
import { cleanPrefix, connect, uniquePrefix } from '../helpers/redis';

test('examples/echo answers on the web chat', async () => {
  const prefix = uniquePrefix();
  const app = await main({ port: 0, prefix, quiet: true });
  try {
    const visitor = await openWebchat(app.url, 'echo');
    await visitor.send('/start');
    expect((await visitor.nextMessage()).buttons).toEqual([[{ label: 'Ping', data: 'ping' }]]);
    await visitor.send({ button: { data: 'ping' } });
    expect((await visitor.nextMessage()).text).toBe('pong');
    await visitor.send('hello there');
    expect((await visitor.nextMessage()).text).toBe('hello there');
    visitor.close();
  } finally {
    await app.close();
    const redis = connect();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  }
});
