import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Problem } from '@outpost/shared';
import type { Request, Response } from 'express';
import { AppError } from './app-error';
import { errorStatus } from './error-status';
import { requestIdOf } from '../http/request-id';

/** Errors thrown by Express body parsing before any handler runs carry a `type`. */
interface BodyParserError {
  type?: string;
  status?: number;
}

function fromHttpException(exception: HttpException): AppError {
  const status = exception.getStatus();
  if (status === 404) return new AppError('ROUTE_NOT_FOUND', 'No such route');
  if (status === 401) return new AppError('UNAUTHENTICATED', 'Sign in first');
  if (status === 403) return new AppError('FORBIDDEN', 'Your role does not allow this');
  if (status === 413) return bodyRefusals.tooLarge();
  if (status === 429) return new AppError('TOO_MANY_REQUESTS', 'Too many requests; try again later');
  if (status < 500) return new AppError('VALIDATION_FAILED', exception.message);
  return new AppError('INTERNAL_ERROR', 'Internal error');
}

/** The refusals of a request body that cannot be read (Express's JSON parser, also on the agent lane). */
const bodyRefusals = {
  malformedJson: () => new AppError('MALFORMED_JSON', 'The request body is not valid JSON'),
  tooLarge: () => new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large'),
  unsupportedEncoding: () => new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported request body encoding'),
};

function fromBodyParser(error: BodyParserError): AppError | null {
  switch (error.type) {
    case 'entity.parse.failed':
      return bodyRefusals.malformedJson();
    case 'entity.too.large':
      return bodyRefusals.tooLarge();
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return bodyRefusals.unsupportedEncoding();
    default:
      return null;
  }
}

/**
 * Turns every error into the one problem body. Anything unexpected becomes a 500 whose body holds
 * only the request id; the error's name and message go to the log under that id (never a stack
 * trace), never to the client.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    writeProblem(http.getRequest<Request>(), http.getResponse<Response>(), exception, this.logger);
  }
}

/** The answer to a failed request: its status, problem body and extra headers. */
export interface ProblemAnswer {
  status: number;
  body: Problem;
  headers: Record<string, string> | undefined;
}

/**
 * Maps any error to its problem answer (logging the unexpected ones under the request id): the one
 * mapping for Nest, Express middleware and the agent lane.
 */
export function problemFor(exception: unknown, requestId: string, logger: Logger): ProblemAnswer {
  const error = toAppError(exception, requestId, logger);
  const body: Problem = { code: error.code, message: error.message, requestId };
  if (error.details?.length) body.details = error.details;
  return { status: errorStatus[error.code], body, headers: error.headers };
}

/** Writes the problem body for any error; also used by middleware that runs outside Nest. */
export function writeProblem(request: Request, response: Response, exception: unknown, logger: Logger): void {
  const answer = problemFor(exception, requestIdOf(request), logger);
  if (response.headersSent) return;
  for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
  response.status(answer.status).json(answer.body);
}

function toAppError(exception: unknown, requestId: string, logger: Logger): AppError {
  if (exception instanceof AppError) return exception;
  const parserError =
    typeof exception === 'object' && exception !== null ? fromBodyParser(exception as BodyParserError) : null;
  if (parserError) return parserError;
  if (exception instanceof HttpException) {
    const cause = exception.cause as BodyParserError | undefined;
    const fromCause = cause ? fromBodyParser(cause) : null;
    if (fromCause) return fromCause;
    if (exception.getStatus() < 500) return fromHttpException(exception);
  }
  // Name and message only: no stack trace in a log line (they leak paths and internals, and a
  // message is what an operator quotes); the request id ties the line to the client's answer.
  const what = exception instanceof Error ? `${exception.name}: ${exception.message}` : String(exception);
  logger.error(`request ${requestId} failed: ${what}`);
  return new AppError('INTERNAL_ERROR', `Internal error; quote request id ${requestId} when reporting it`);
}
