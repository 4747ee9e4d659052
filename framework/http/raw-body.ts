/**
 * Reads a request body once, as bytes, with a size limit. Signatures are computed over the
 * bytes as received, so the body is never parsed and re-serialised before verification.
 */
import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, PayloadError } from '../core/errors';

/**
 * Read the whole body, refusing more than `limit` bytes with `BodyTooLargeError`, and a body
 * that has not arrived within `timeoutMs` (a stalled or deliberately slow client) with
 * `PayloadError`, so no connection is held open for minutes.
 */
export function readRawBody(request: IncomingMessage, limit: number, timeoutMs = 10_000): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    // Drain nothing: refuse before reading a byte of an oversized upload.
    return Promise.reject(new BodyTooLargeError(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      request.removeListener('data', onData);
      if (error) {
        request.resume();
        reject(error);
      } else {
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish(new BodyTooLargeError(limit));
      chunks.push(chunk);
    };
    const timer = setTimeout(() => finish(new PayloadError(`The request body did not arrive within ${timeoutMs} ms; send it in one go.`)), timeoutMs);
    request.on('data', onData);
    request.on('end', () => finish());
    request.on('aborted', () => finish(new PayloadError('The request was aborted before its body was complete.')));
    request.on('error', (error) => finish(new PayloadError('The request body could not be read.', [], { cause: error })));
  });
}
