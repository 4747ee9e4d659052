import type { Redis } from 'ioredis';
import { webchat, webchatEndpointOf } from '../../../framework/adapters/webchat/adapter';
import { classifyWebchatError, sendWebchat } from '../../../framework/adapters/webchat/send';
import { latestStreamId, readReplies, subscribe, type StreamedReply } from '../../../framework/adapters/webchat/stream';
import { webchatStreamKey } from '../../../framework/adapters/webchat/types';
import { DeliveryError } from '../../../framework/core/errors';
import type { Conversation } from '../../../framework/core/update';
import { cleanPrefix, connect, uniquePrefix } from '../../helpers/redis';

const prefix = uniquePrefix();
let redis: Redis;

beforeAll(() => {
  redis = connect();
});

afterAll(async () => {
  await cleanPrefix(redis, prefix);
  redis.disconnect();
});

function conversationOf(visitor: string): Conversation {
  return { bot: 'taxi', platform: 'webchat', chat: visitor, user: visitor };
}

function adapter(historyLength = 200) {
  return webchat.create(webchat.settings.parse({ secret: 'a-secret-of-at-least-16', historyLength }), { bot: 'taxi', redis, prefix });
}

/** Collect replies from `subscribe` until `count` have arrived, then stop it. */
async function collect(key: string, lastId: string, count: number, during: () => Promise<void>): Promise<StreamedReply[]> {
  const received: StreamedReply[] = [];
  const controller = new AbortController();
  let done!: () => void;
  const enough = new Promise<void>((resolve) => (done = resolve));
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const running = subscribe(redis, key, lastId, (reply) => {
    received.push(reply);
    if (received.length >= count) done();
  }, controller.signal, { blockMs: 1000, onReady: () => ready() });
  await started;
  await during();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`got ${received.length} of ${count}`)), 5000)));
  await Promise.race([enough, timeout]).finally(() => clearTimeout(timer));
  controller.abort();
  await running;
  return received;
}

describe('web-chat send and stream', () => {
  it('send appends the message to the visitor stream, with an expiry, and returns the entry id', async () => {
    const sent = await adapter().send(conversationOf('visitor-send-000001'), { text: 'Where to?', buttons: [[{ label: 'Home', data: 'dest:home' }]] });
    const key = webchatStreamKey(prefix, 'taxi', 'visitor-send-000001');
    expect(sent.messageId).toMatch(/^\d+-\d+$/);
    const entries = await redis.xrange(key, '-', '+');
    expect(entries).toEqual([[sent.messageId, ['message', JSON.stringify({ text: 'Where to?', buttons: [[{ label: 'Home', data: 'dest:home' }]] })]]]);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(29 * 24 * 3600);
  });

  it('the stream keeps about historyLength replies', async () => {
    const small = adapter(10);
    for (let i = 0; i < 300; i++) await small.send(conversationOf('visitor-trim-000001'), { text: `n${i}` });
    const length = await redis.xlen(webchatStreamKey(prefix, 'taxi', 'visitor-trim-000001'));
    // MAXLEN ~ trims whole radix-tree nodes (100 entries by default), so "about" is generous.
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(300);
  });

  it('subscribe receives replies sent after it started, in order', async () => {
    const key = webchatStreamKey(prefix, 'taxi', 'visitor-order-00001');
    const chat = adapter();
    const received = await collect(key, '$', 5, async () => {
      for (let i = 0; i < 5; i++) await chat.send(conversationOf('visitor-order-00001'), { text: `reply ${i}` });
    });
    expect(received.map((reply) => reply.message.text)).toEqual(['reply 0', 'reply 1', 'reply 2', 'reply 3', 'reply 4']);
  });

  it('subscribe from a lastId replays only the replies after it, then follows new ones', async () => {
    const visitor = 'visitor-resume-0001';
    const key = webchatStreamKey(prefix, 'taxi', visitor);
    const chat = adapter();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await chat.send(conversationOf(visitor), { text: `old ${i}` })).messageId!);
    const received = await collect(key, ids[1]!, 3, async () => {
      await chat.send(conversationOf(visitor), { text: 'new' });
    });
    expect(received.map((reply) => reply.message.text)).toEqual(['old 2', 'old 3', 'new']);
    expect(received.map((reply) => reply.id).slice(0, 2)).toEqual([ids[2], ids[3]]);
    expect((await readReplies(redis, key, ids[2])).map((reply) => reply.message.text)).toEqual(['old 3', 'new']);
    expect(await latestStreamId(redis, key)).toBe(received[2]!.id);
  });

  it('a reply written while the subscriber waits between two blocking reads is not lost', async () => {
    const visitor = 'visitor-gap-0000001';
    const key = webchatStreamKey(prefix, 'taxi', visitor);
    const received: StreamedReply[] = [];
    const controller = new AbortController();
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const running = subscribe(redis, key, '$', (reply) => received.push(reply), controller.signal, { blockMs: 50, onReady: () => ready() });
    await started;
    for (let i = 0; i < 10; i++) {
      await adapter().send(conversationOf(visitor), { text: `t${i}` });
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    await running;
    expect(received.map((reply) => reply.message.text)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9']);
  });

  it('aborting closes the duplicate connection promptly, even during a blocking read', async () => {
    const before = Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))![1]);
    const controller = new AbortController();
    const running = subscribe(redis, webchatStreamKey(prefix, 'taxi', 'visitor-idle-000001'), '$', () => undefined, controller.signal, { blockMs: 15000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const during = Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))![1]);
    const started = Date.now();
    controller.abort();
    await running;
    expect(Date.now() - started).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))![1]);
    expect(during).toBe(before + 1);
    expect(after).toBe(before);
  });

  it('an empty message is given up; Redis connection failures are retried, other errors given up', async () => {
    await expect(adapter().send(conversationOf('visitor-empty-00001'), {})).rejects.toThrow(DeliveryError);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(classifyWebchatError(refused)).toEqual({ kind: 'retry' });
    expect(classifyWebchatError(new Error('Connection is closed.'))).toEqual({ kind: 'retry' });
    expect(classifyWebchatError(new Error('LOADING Redis is loading the dataset in memory'))).toEqual({ kind: 'retry' });
    expect(classifyWebchatError(new TypeError('Do not know how to serialize a BigInt')).kind).toBe('give-up');
  });

  it('a send while Redis is unreachable fails with a retry outcome', async () => {
    const { Redis: RedisClient } = await import('ioredis');
    const down = new RedisClient({ port: 1, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    const failing = sendWebchat({ redis: down, prefix, historyLength: 10, ttlSeconds: 60 }, conversationOf('visitor-down-000001'), { text: 'hi' });
    await expect(failing).rejects.toMatchObject({ outcome: { kind: 'retry' } });
    down.disconnect();
  });

  it('the adapter tells the HTTP routes its endpoint', () => {
    const endpoint = webchatEndpointOf(adapter());
    expect(endpoint).toMatchObject({ secret: 'a-secret-of-at-least-16', tokenTtlSeconds: 30 * 24 * 3600, prefix });
    expect(webchatEndpointOf(undefined)).toBeUndefined();
  });
});
