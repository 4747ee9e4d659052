import { createBatcher } from '../../framework/jobs/batcher';

describe('createBatcher', () => {
  test('items added in one turn are flushed together, and each caller is resolved', async () => {
    const flushed: number[][] = [];
    const add = createBatcher<number>(async (items) => void flushed.push(items));
    await Promise.all([add(1), add(2), add(3)]);
    await add(4);
    expect(flushed).toEqual([[1, 2, 3], [4]]);
  });

  test('a failed flush rejects every caller of that batch', async () => {
    const add = createBatcher<number>(async () => {
      throw new Error('redis down');
    });
    const results = await Promise.allSettled([add(1), add(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  test('batches are capped', async () => {
    const sizes: number[] = [];
    const add = createBatcher<number>(async (items) => void sizes.push(items.length), 2);
    await Promise.all([1, 2, 3, 4, 5].map(add));
    expect(sizes).toEqual([2, 2, 1]);
  });
});
