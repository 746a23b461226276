// tagship's search attributes on the operator's own Temporal server: which are missing, and
// registering them (`tagship search-attributes apply`). A start that fails because one is not
// registered says which and how, instead of the server's bare "Failed to start Workflow".
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../core/search-attributes.ts';

const { IndexedValueType } = proto.temporal.api.enums.v1;
const indexedType = (type: string) => IndexedValueType[`INDEXED_VALUE_TYPE_${type}` as keyof typeof IndexedValueType];

/** `Name (Type)` of every tagship attribute the namespace does not have. */
export async function missingSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  return ALL_SEARCH_ATTRIBUTES.filter((k) => !(k.name in (customAttributes ?? {}))).map((k) => `${k.name} (${k.type.toLowerCase()})`);
}

/** Registers the missing ones; returns what it added. */
export async function registerSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !(k.name in (customAttributes ?? {})));
  if (missing.length) await client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((k) => [k.name, indexedType(k.type)])) });
  return missing.map((k) => k.name);
}

export class SearchAttributesMissingError extends Error {
  constructor(readonly missing: string[], namespace: string) {
    super(`the Temporal namespace ${namespace} lacks tagship's search attributes ${missing.join(', ')}; register them once with \`tagship search-attributes apply\` (or \`temporal operator search-attribute create --name <name> --type <type>\` for each)`);
    this.name = 'SearchAttributesMissingError';
  }
}

/** A failed start explained: when tagship's attributes are missing, the error says so. */
export async function explainStartFailure(client: Client, err: unknown): Promise<unknown> {
  const missing = await missingSearchAttributes(client, client.options.namespace).catch(() => []);
  return missing.length ? new SearchAttributesMissingError(missing, client.options.namespace) : err;
}
