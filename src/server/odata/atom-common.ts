/**
 * What the Atom writer (atom-write.ts) and reader (atom-read.ts) share: the namespaces of OData v3
 * Atom, the EDM names of our schema types, the property types of the AMS complex types, and the
 * part of an entity set's description that Atom needs.
 *
 * Facts (OData v3 Atom, [MS-ODATA] §2.2.6.2; AMS wire samples of the v2 REST reference, Job
 * page, "$batch" section):
 * - entries and feeds are Atom (`http://www.w3.org/2005/Atom`); properties are children of
 *   `m:properties` in the data namespace (`d:`), typed with `m:type` (absent means Edm.String)
 *   and nulled with `m:null="true"`; a collection property holds `d:element` children;
 * - navigation properties are `<link rel="…/related/<Name>" type="application/atom+xml;type=feed"
 *   title="<Name>" href="…">`, optionally holding `<m:inline>`;
 * - the entity type is `<category term="<type>" scheme="…/dataservices/scheme"/>`;
 * - `$links` documents are `<links xmlns="<data namespace>"><uri>…</uri>…</links>`, or a single `<uri>`.
 */
import type { EntitySchema, ODataPrimitiveType } from './evaluate.js';
import { AMS_TYPES } from './format.js';

/** The Atom namespace (RFC 4287). */
export const ATOM_NS = 'http://www.w3.org/2005/Atom';
/** OData's data namespace: property elements, `$links` documents (prefix `d`). */
export const DATA_NS = 'http://schemas.microsoft.com/ado/2007/08/dataservices';
/** OData's metadata namespace: `m:properties`, `m:type`, `m:null`, `m:count`, `m:inline` (prefix `m`). */
export const METADATA_NS = 'http://schemas.microsoft.com/ado/2007/08/dataservices/metadata';
/** Prefix of the `rel` of a navigation link: `…/related/Tasks`. Not a namespace. */
export const RELATED_REL = 'http://schemas.microsoft.com/ado/2007/08/dataservices/related/';
/** The `scheme` of the category that names an entry's entity type. Not a namespace. */
export const TYPE_SCHEME = 'http://schemas.microsoft.com/ado/2007/08/dataservices/scheme';
/** The XML namespace (`xml:base`). */
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** `type` of a navigation link to a collection. */
export const FEED_LINK_TYPE = 'application/atom+xml;type=feed';


export { COMPLEX_TYPES } from './format.js';

/**
 * What Atom needs to know of an entity set: the fields of the server's `EntitySetInfo` it reads,
 * so the server's `JOBS`, `TASKS`… can be passed as they are.
 */
export interface AtomEntitySet {
  /** Entity set name, as in the path: `Jobs`. */
  readonly set: string;
  /** Full type name: the category term. */
  readonly type: string;
  /** Property types; `navigation` ones become links, `collection` ones `d:element` lists. */
  readonly schema: EntitySchema;
  /** Navigation properties, in the order the service writes their links. */
  readonly navigation: readonly string[];
  /** Complex collections → element type. */
  readonly collections: Readonly<Record<string, string>>;
}

/** The last dotted part of a type name: `Microsoft.….Job` → `Job` (the edit link's title). */
export function shortTypeName(type: string): string {
  return type.slice(type.lastIndexOf('.') + 1);
}
