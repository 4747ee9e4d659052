/** Which queued jobs belong to a customer: updates by their sender, jobs and deliveries by their conversation. */
import { belongsTo, ownerOf, queueKind } from '../../framework/privacy/queue-jobs';

const conversation = { bot: 'shop', platform: 'telegram', chat: '42', user: '42' };
const update = { id: '1', platform: 'telegram', bot: 'shop', chat: { id: '42', type: 'private' }, from: { id: '42' }, kind: 'message', receivedAt: 0 };

describe('the owner of a job', () => {
  test('an inbound update belongs to its sender, a job or a delivery to its conversation', () => {
    expect(ownerOf(update)).toEqual(conversation);
    expect(ownerOf({ data: { item: 'tea' }, conversation })).toEqual(conversation);
    expect(ownerOf({ conversation, message: { text: 'hi' }, key: 'k', queuedAt: 0 })).toEqual(conversation);
  });

  test('data without a conversation or sender (a schedule, an admin job) has no owner', () => {
    expect(ownerOf({ data: { month: '2026-01' } })).toBeUndefined();
    expect(ownerOf(null)).toBeUndefined();
    expect(ownerOf('text')).toBeUndefined();
  });

  test('a member\'s message in a group is theirs; another platform\'s account with the same id is not', () => {
    const inGroup = { ...update, chat: { id: '-100', type: 'group' }, from: { id: '42' } };
    expect(belongsTo(inGroup, [{ platform: 'telegram', user: '42' }])).toBe(true);
    expect(belongsTo(inGroup, [{ platform: 'telegram', user: '43' }])).toBe(false);
    expect(belongsTo(update, [{ platform: 'line', user: '42' }])).toBe(false);
  });

  test('with a bot, only that bot\'s jobs belong', () => {
    expect(belongsTo({ data: {}, conversation }, [{ platform: 'telegram', user: '42' }], 'shop')).toBe(true);
    expect(belongsTo({ data: {}, conversation }, [{ platform: 'telegram', user: '42' }], 'taxi')).toBe(false);
  });

  test('queues are told apart by name', () => {
    expect(queueKind('inbound-3')).toBe('inbound');
    expect(queueKind('delivery-telegram-shop-0')).toBe('delivery');
    expect(queueKind('job-shop.order')).toBe('job');
  });
});
