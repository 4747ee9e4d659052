/** Names of delivery queues: one set of partitions per platform and bot. */
import type { Conversation } from '../core/update';
import { partitionOf } from '../jobs/partition';

/** The queue of one delivery partition of a bot on a platform. */
export function deliveryQueueName(platform: string, bot: string, partition: number): string {
  return `delivery-${platform}-${bot}-${partition}`;
}

/** The partition a conversation's messages go through, so they leave in order. */
export function deliveryPartitionOf(conversation: Conversation, partitions: number): number {
  return partitionOf({ bot: conversation.bot, platform: conversation.platform, chat: { id: conversation.chat } }, partitions);
}
