/**
 * A control route as data: method, URL, what it is for and its schemas (params, query, body, and an answer per
 * HTTP status). Its plugin registers it with a handler typed by those schemas (TypeBox `Static`, answers checked per
 * status by Fastify's `Reply` map); Fastify validates input and serialises answers with them; openapi.ts writes
 * the OpenAPI paths from the same specs.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type {
  FastifyInstance,
  HTTPMethods,
  preHandlerHookHandler,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteHandlerMethod,
} from 'fastify';

export interface RouteSpec {
  readonly method: HTTPMethods;
  /** Fastify's form: `/phones/:index/faults`. */
  readonly url: string;
  readonly summary: string;
  readonly params?: TSchema;
  readonly querystring?: TSchema;
  readonly body?: TSchema;
  /** The answer per HTTP status. */
  readonly response: Readonly<Record<number, TSchema>>;
  /** What the 2xx answer is when it is not JSON (the event stream; the proxy's `*` for the phone's own). */
  readonly produces?: string;
  /** Served for every method (the proxy); the document shows `method`. */
  readonly anyMethod?: true;
}

type Of<T> = T extends TSchema ? Static<T> : unknown;
/** An answer as handlers may give it: read-only throughout (the phone's own read-only lists pass as they are). */
type Frozen<T> = T extends readonly (infer E)[] ? readonly Frozen<E>[] : T extends object ? { readonly [K in keyof T]: Frozen<T[K]> } : T;

/** The request and reply types of a route, from its spec. */
export interface RouteTypes<R extends RouteSpec> {
  Params: Of<R['params']>;
  Querystring: Of<R['querystring']>;
  Body: Of<R['body']>;
  Reply: { [K in keyof R['response']]: Frozen<Of<R['response'][K]>> };
}

/** Registers a spec with its handler (and route-level preHandlers, run before the phone lookup). */
export function addRoute<R extends RouteSpec>(
  app: FastifyInstance,
  spec: R,
  handler: RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, RouteTypes<R>>,
  preHandler?: preHandlerHookHandler,
): void {
  const { method, url, summary, params, querystring, body, response, anyMethod } = spec;
  app.route<RouteTypes<R>>({
    method: anyMethod ? (app.supportedMethods as HTTPMethods[]) : method,
    url,
    handler,
    schema: { summary, ...(params ? { params } : {}), ...(querystring ? { querystring } : {}), ...(body ? { body } : {}), response },
    ...(preHandler ? { preHandler } : {}),
  });
}
