// Convenience aliases over the generated OpenAPI types (schema.d.ts). Every API
// type in the app comes from here; none is written by hand.
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ApiPath = keyof paths;
type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type Operation<P extends ApiPath, M extends Method> = NonNullable<paths[P][M & keyof paths[P]]>;
type Responses<P extends ApiPath, M extends Method> =
  Operation<P, M> extends { responses: infer R } ? R : never;

/** The JSON body of a successful (200 or 201) response. */
export type ResponseOf<P extends ApiPath, M extends Method> =
  | (Responses<P, M> extends { 200: infer R } ? JsonOf<R> : never)
  | (Responses<P, M> extends { 201: infer R } ? JsonOf<R> : never);

/** The JSON request body. */
export type BodyOf<P extends ApiPath, M extends Method> =
  Operation<P, M> extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never;

/** The query parameters. */
export type QueryOf<P extends ApiPath, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type Role = Schemas['Role'];
export type Profile = Schemas['Profile'];
export type Problem = Schemas['Problem'];

/** A job as the detail endpoint returns it, with its tasks and notes: the sub-features of a job all work on it. */
export type JobDetail = ResponseOf<'/api/v1/jobs/{id}', 'get'>;
export type JobSummary = ResponseOf<'/api/v1/jobs', 'get'>['items'][number];
