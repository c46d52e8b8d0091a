import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
// A CommonJS module: its default export is module.exports, whose `default` is the plugin.
import ajvFormats from 'ajv-formats';

type Ref = { $ref: string; description?: string };
type Schema = Record<string, unknown>;
interface Header {
  required?: boolean;
  schema: Schema;
}
interface ResponseObject {
  description: string;
  headers?: Record<string, Header | Ref>;
  content?: Record<string, { schema: Schema }>;
}
export interface Operation {
  operationId: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: unknown;
  responses: Record<string, ResponseObject | Ref>;
}
export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  servers?: Array<{ url: string }>;
  security?: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}

export interface DocumentOperation {
  method: string;
  path: string;
  operationId: string;
  operation: Operation;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation of the document, in its order. */
export function operationsOf(document: OpenApiDocument): DocumentOperation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operationId: operation.operationId, operation })),
  );
}

/** A response as the client saw it. */
export interface ObservedResponse {
  status: number;
  headers: Headers;
  /** The raw body text. */
  text: string;
}

const DOCUMENT_ID = 'https://orderflow.invalid/openapi.json';
const pointer = (...parts: string[]) => `#${parts.map((part) => `/${part.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')}`;
const isRef = (value: unknown): value is Ref => typeof value === 'object' && value !== null && '$ref' in value;

/**
 * Holds responses to the document: the status must be declared on the operation, the body must
 * match the declared content's schema (JSON Schema 2020-12, formats checked) and every declared
 * header that is required must be there and match its schema. It remembers which statuses of
 * which operations it has seen.
 */
export class ContractValidator {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly seen = new Map<string, Set<string>>();

  constructor(readonly document: OpenApiDocument) {
    ajvFormats.default(this.ajv);
    // OpenAPI's own schema keywords (an example value; a oneOf's discriminator, a hint for
    // generated clients: the oneOf itself is checked), and the document's top-level fields (the
    // whole document is the base that `#/components/schemas/...` references resolve against):
    // not JSON Schema keywords, nothing to check. Any other unknown keyword is an error (strict).
    this.ajv.addVocabulary(['example', 'discriminator', ...Object.keys(document).filter((key) => key !== '$schema')]);
    this.ajv.addSchema(document, DOCUMENT_ID);
  }

  /** The problems with one response of an operation (none: it holds to the document). */
  check({ operationId, method, path, operation }: DocumentOperation, response: ObservedResponse): string[] {
    const where = `${operationId} (${method} ${path}) answered ${response.status}`;
    const status = String(response.status);
    const declared = operation.responses[status] ?? operation.responses[`${status[0]}XX`] ?? operation.responses.default;
    if (!declared) return [`${where}: status not declared (declared: ${Object.keys(operation.responses).join(', ')}); body: ${response.text.slice(0, 300)}`];
    const key = status in operation.responses ? status : `${status[0]}XX` in operation.responses ? `${status[0]}XX` : 'default';
    if (!this.seen.has(operationId)) this.seen.set(operationId, new Set());
    this.seen.get(operationId)!.add(key);

    const [responsePointer, definition] = isRef(declared)
      ? [declared.$ref, this.resolve<ResponseObject>(declared.$ref)]
      : [pointer('paths', path, method.toLowerCase(), 'responses', key), declared];
    const problems: string[] = [];
    for (const [name, headerOrRef] of Object.entries(definition.headers ?? {})) {
      const [headerPointer, header] = isRef(headerOrRef) ? [headerOrRef.$ref, this.resolve<Header>(headerOrRef.$ref)] : [`${responsePointer}/headers/${name.replaceAll('/', '~1')}`, headerOrRef];
      const value = response.headers.get(name);
      if (value === null) {
        if (header.required) problems.push(`${where}: required header ${name} missing`);
        continue;
      }
      const validate = this.validator(`${headerPointer}/schema`);
      if (!validate(value)) problems.push(`${where}: header ${name}: ${value}: ${this.ajv.errorsText(validate.errors)}`);
    }
    const contentTypes = Object.keys(definition.content ?? {});
    if (contentTypes.length === 0) {
      if (response.text !== '') problems.push(`${where}: a body where none is declared`);
      return problems;
    }
    const type = response.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
    if (!contentTypes.includes(type)) return [...problems, `${where}: Content-Type ${type || '(none)'}, declared ${contentTypes.join(', ')}`];
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      return [...problems, `${where}: not JSON: ${response.text.slice(0, 200)}`];
    }
    const validate = this.validator(`${responsePointer}/content/${type.replace('/', '~1')}/schema`);
    if (!validate(body)) problems.push(`${where}: body does not match its schema: ${this.ajv.errorsText(validate.errors)}; body: ${response.text.slice(0, 300)}`);
    return problems;
  }

  private validator(schemaPointer: string): ValidateFunction {
    let validate = this.compiled.get(schemaPointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}${schemaPointer}` });
      this.compiled.set(schemaPointer, validate);
    }
    return validate;
  }

  private resolve<T>(ref: string): T {
    if (!ref.startsWith('#/')) throw new Error(`only local references are followed: ${ref}`);
    let node: unknown = this.document;
    for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    if (node === undefined) throw new Error(`unresolved reference ${ref}`);
    return node as T;
  }
}
