/**
 * Every outbound message is a job on its bot's delivery queue for that platform. The job id
 * is an idempotency key, so a handler or job that runs again after a crash queues the same
 * message under the same id and the customer sees it once.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../core/errors';
import type { OutboundMessage } from '../core/outbound';
import type { Conversation } from '../core/update';
import { deliveryPartitionOf, deliveryQueueName } from './queue-names';

/** The data of one delivery job: where to, what, and under which key. */
export interface DeliveryJob {
  conversation: Conversation;
  message: OutboundMessage;
  /** Idempotency key: the same key is delivered at most once while its record is kept. */
  key: string;
  /** When the message was queued, ms since the epoch. */
  queuedAt: number;
  /** The broadcast this message belongs to, whose report counts it. */
  broadcast?: string;
  /** The id that follows one message through logs: the inbound job id of the update that led here. */
  correlationId?: string;
}

/** One message to queue with `deliverMany`. */
export interface DeliveryItem {
  conversation: Conversation;
  message: OutboundMessage;
  key: string;
  broadcast?: string;
}

/** Options shared by the delivery producer and workers. */
export interface DeliveryOptions {
  prefix: string;
  /** Partitions per bot and platform; one chat's messages always use the same one. @defaultValue 4 */
  partitions: number;
  /**
   * How long a delivered key refuses a duplicate, in seconds. Broadcast messages are not kept
   * (their broadcast's list of recipients refuses duplicates). @defaultValue 86400
   */
  dedupeSeconds?: number;
  /** How long a failed delivery stays inspectable, in seconds. @defaultValue 604800 */
  keepFailedSeconds?: number;
}

/** Queues outbound messages. */
export interface DeliveryProducer {
  /** Queue a message; resolves with the delivery's id once it is in Redis. */
  deliver(conversation: Conversation, message: OutboundMessage, key: string, correlationId?: string): Promise<string>;
  /** Queue many messages in one round trip per partition (broadcasts). */
  deliverMany(items: readonly DeliveryItem[]): Promise<void>;
  /** The queue of one partition (created on first use). */
  queue(platform: string, bot: string, partition: number): Queue<DeliveryJob>;
  close(): Promise<void>;
}

/** BullMQ job ids may not contain `:`; keys are escaped the same way inbound ids are. */
export function deliveryJobId(key: string): string {
  return `d-${key.replace(/%/g, '%25').replace(/:/g, '%3A')}`;
}

/** Create the delivery producer on a connection. */
export function createDeliveryProducer(connection: Redis, options: DeliveryOptions): DeliveryProducer {
  const jobOptions = (key: string, broadcast?: string) => ({
    jobId: deliveryJobId(key),
    // Retries with backoff happen inside the job first (keeping the chat's order); these are the last resort.
    attempts: 3,
    backoff: { type: 'exponential' as const, delay: 5000 },
    // A broadcast's own list of queued recipients refuses a second copy, so its delivered
    // jobs are not kept for de-duplication: a million recipients would hold ~2 GiB of Redis.
    removeOnComplete: broadcast ? true : { age: options.dedupeSeconds ?? 86_400 },
    removeOnFail: { age: options.keepFailedSeconds ?? 604_800 },
  });
  const queues = new Map<string, Queue<DeliveryJob>>();
  const queue = (platform: string, bot: string, partition: number) => {
    const name = deliveryQueueName(platform, bot, partition);
    let q = queues.get(name);
    if (!q) {
      q = new Queue<DeliveryJob>(name, { connection, prefix: options.prefix });
      q.on('error', () => undefined);
      queues.set(name, q);
    }
    return q;
  };
  return {
    queue,
    async deliver(conversation, message, key, correlationId) {
      const partition = deliveryPartitionOf(conversation, options.partitions);
      const jobId = deliveryJobId(key);
      try {
        await queue(conversation.platform, conversation.bot, partition).add('deliver', { conversation, message, key, queuedAt: Date.now(), ...(correlationId ? { correlationId } : {}) }, jobOptions(key));
      } catch (error) {
        throw new StoreUnavailableError('Could not queue the outbound message in Redis.', { cause: error });
      }
      return jobId;
    },
    async deliverMany(items) {
      const byQueue = new Map<Queue<DeliveryJob>, DeliveryItem[]>();
      for (const item of items) {
        const q = queue(item.conversation.platform, item.conversation.bot, deliveryPartitionOf(item.conversation, options.partitions));
        byQueue.set(q, [...(byQueue.get(q) ?? []), item]);
      }
      const queuedAt = Date.now();
      try {
        await Promise.all(
          [...byQueue].map(([q, list]) =>
            q.addBulk(list.map((item) => ({ name: 'deliver', data: { ...item, queuedAt }, opts: jobOptions(item.key, item.broadcast) }))),
          ),
        );
      } catch (error) {
        throw new StoreUnavailableError('Could not queue the outbound messages in Redis.', { cause: error });
      }
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
