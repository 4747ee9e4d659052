/** Retention limits: defaults, parsing from the environment's strings, and how job retention is capped. */
import { configSchema, retentionOf } from '../../framework/config/schema';
import { capKeepJobs, daysToSeconds } from '../../framework/privacy/retention';
import { retainedJobOptions } from '../../framework/privacy/retention';

describe('retention settings', () => {
  test('a configuration without retention gets every default', () => {
    expect(retentionOf({})).toEqual({ sessionDays: 30, finishedJobDays: 1, failedJobDays: 7, deliveryRecordDays: 1 });
  });

  test('days written as strings (environment variables) are read as numbers, and zero is refused naming the field', () => {
    const base = { redisUrl: 'redis://127.0.0.1:6379', bots: {} };
    expect(configSchema.parse({ ...base, retention: { sessionDays: '0.5' } }).retention?.sessionDays).toBe(0.5);
    const refused = configSchema.safeParse({ ...base, retention: { deliveryRecordDays: 0 } });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.path).toEqual(['retention', 'deliveryRecordDays']);
  });

  test('days become whole seconds, never zero', () => {
    expect(daysToSeconds(0.25)).toBe(21_600);
    expect(daysToSeconds(0.000001)).toBe(1);
  });
});

describe('capping how long finished jobs are kept', () => {
  test('nothing or "keep forever" becomes the cap; "remove at once" stays', () => {
    expect(capKeepJobs(undefined, 100)).toEqual({ age: 100 });
    expect(capKeepJobs(false, 100)).toEqual({ age: 100 });
    expect(capKeepJobs(true, 100)).toBe(true);
  });

  test('a longer age is cut to the cap, a shorter one is kept, a count gains the cap', () => {
    expect(capKeepJobs({ age: 1000, count: 5 }, 100)).toEqual({ age: 100, count: 5 });
    expect(capKeepJobs({ age: 10 }, 100)).toEqual({ age: 10 });
    expect(capKeepJobs(50, 100)).toEqual({ age: 100, count: 50 });
    expect(capKeepJobs({ count: 7 }, 100)).toEqual({ age: 100, count: 7 });
  });

  test('an enqueue\'s own option wins over its definition\'s, and both are capped', () => {
    const retention = { sessionDays: 1, finishedJobDays: 1, failedJobDays: 2, deliveryRecordDays: 1 };
    const options = retainedJobOptions({ removeOnComplete: { age: 60 }, removeOnFail: false }, { delay: 5, removeOnComplete: { age: 9_999_999 } }, retention);
    expect(options).toEqual({ delay: 5, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 172_800 } });
    expect(retainedJobOptions({ removeOnComplete: { age: 60 } }, {}, retention).removeOnComplete).toEqual({ age: 60 });
  });
});
