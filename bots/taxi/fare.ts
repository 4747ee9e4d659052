/** A fare estimate: a business would call its pricing service; this one is deterministic. */
export function estimateFare(pickup: string, destination: string): { fare: number; minutes: number; currency: string } {
  let hash = 0;
  for (const char of `${pickup}→${destination}`) hash = (hash * 33 + char.charCodeAt(0)) >>> 0;
  const minutes = 8 + (hash % 30);
  return { fare: Math.round((6 + minutes * 1.15) * 100) / 100, minutes, currency: 'EUR' };
}
