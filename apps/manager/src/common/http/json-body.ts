import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';

/**
 * The one JSON body parser of the manager: Express's (body-parser), any JSON value, up to
 * `limitBytes`. The Express middleware (create-app.ts) and the agent lane both read bodies with it,
 * so limits, encodings, charsets and refusals are the same on every route. Resolves the parsed
 * body (undefined when the body is absent or not declared JSON: the parser leaves it alone) and
 * rejects with the parser's error, which problemFor maps to the problem body.
 */
export function jsonBodyReader(
  limitBytes: number,
): (request: IncomingMessage, response: ServerResponse) => Promise<unknown> {
  const parse = express.json({ limit: limitBytes, strict: false });
  return (request, response) =>
    new Promise((resolve, reject) =>
      // body-parser needs only Node's request and response: no Express extensions.
      parse(request as express.Request, response as express.Response, (error?: unknown) =>
        error ? reject(error) : resolve((request as { body?: unknown }).body),
      ),
    );
}

/** A client that went away while its body was read: nobody is left to answer. */
export function isClientGone(error: unknown): boolean {
  return (error as { type?: unknown } | null)?.type === 'request.aborted';
}
