import { startFakeLine } from '../../framework/testing/fake-line';
import { startLoopbackServer, watchSent } from '../../framework/testing/fake-server';
import { startFakeTelegram } from '../../framework/testing/fake-telegram';
import { startFakeWechat } from '../../framework/testing/fake-wechat';
import { startFakeWhatsapp } from '../../framework/testing/fake-whatsapp';

describe('fake-server: what the fake platforms share', () => {
  describe('startLoopbackServer', () => {
    it('serves on 127.0.0.1 and answers with onFailure when the handler throws', async () => {
      const loopback = await startLoopbackServer(
        async (request, response) => {
          if (request.url === '/boom') throw new Error('broken handler');
          response.writeHead(200).end('ok');
        },
        (response, error) => response.writeHead(500).end(`failed: ${String(error)}`),
      );
      try {
        expect(loopback.origin).toBe(`http://127.0.0.1:${loopback.port}`);
        expect(await (await fetch(`${loopback.origin}/fine`)).text()).toBe('ok');
        const failed = await fetch(`${loopback.origin}/boom`);
        expect(failed.status).toBe(500);
        expect(await failed.text()).toBe('failed: Error: broken handler');
      } finally {
        await loopback.close();
      }
      await expect(fetch(`${loopback.origin}/fine`)).rejects.toThrow();
    });
  });

  describe('watchSent', () => {
    const describeText = (m: { to: string; text: string }) => `${m.to}: ${m.text}`;

    it('waitFor(predicate) resolves with a message sent after the wait began', async () => {
      const sent: Array<{ to: string; text: string }> = [];
      const watcher = watchSent(sent, { name: 'Test', describe: describeText });
      const waiting = watcher.waitFor((m) => m.to === 'b', 1000);
      sent.push({ to: 'a', text: 'one' });
      watcher.notify();
      sent.push({ to: 'b', text: 'two' });
      watcher.notify();
      await expect(waiting).resolves.toEqual({ to: 'b', text: 'two' });
    });

    it('waitFor(count) resolves at once with a copy when enough were sent already', async () => {
      const sent = [{ to: 'a', text: 'one' }];
      const watcher = watchSent(sent, { name: 'Test', describe: describeText });
      const copy = await watcher.waitFor(1);
      expect(copy).toEqual(sent);
      expect(copy).not.toBe(sent);
    });

    it('a timeout names the platform, what was awaited and everything sent so far', async () => {
      const sent = [{ to: 'a', text: 'one' }, { to: 'b', text: 'two' }];
      const watcher = watchSent(sent, { name: 'Test', describe: describeText });
      await expect(watcher.waitFor(3, 30)).rejects.toThrow('Fake Test: no 3 sent messages within 30 ms. Sent so far: a: one; b: two.');
      await expect(watchSent([], { name: 'Test', describe: describeText }).waitFor(() => true, 30)).rejects.toThrow(
        'Fake Test: no sent message matching the predicate within 30 ms. Sent so far: nothing.',
      );
    });
  });

  it.each([
    ['Telegram', startFakeTelegram],
    ['WeChat', startFakeWechat],
    ['WhatsApp', startFakeWhatsapp],
    ['LINE', startFakeLine],
  ] as const)('the fake %s names itself when a wait times out', async (name, start) => {
    const fake = await start();
    try {
      await expect(fake.waitFor(1, 20)).rejects.toThrow(`Fake ${name}: no 1 sent messages within 20 ms. Sent so far: nothing.`);
    } finally {
      await fake.close();
    }
  });
});
