/**
 * A service's entity data model and its `$metadata` document: EDMX 1.0 wrapping CSDL v3 (namespace
 * `http://schemas.microsoft.com/ado/2009/11/edm`), as OData v3 services publish it.
 *
 * The model is plain data ({@link EdmModel}); {@link writeEdmx} turns it into the document. Each
 * navigation property gets its own association (`<Type>_<Navigation>`) and association set, which
 * is all a one-way link needs: none of the links this layer describes has a partner on the other
 * side.
 */
import { ArgumentRangeError } from '../../errors.js';
import { escapeAttribute } from '../../taskbody/serialize.js';
import { METADATA_NS } from './atom-common.js';

/** CSDL v3 namespace. */
export const CSDL_V3_NAMESPACE = 'http://schemas.microsoft.com/ado/2009/11/edm';
/** EDMX 1.0 namespace (the envelope of OData v1–v3 metadata). */
export const EDMX_NAMESPACE = 'http://schemas.microsoft.com/ado/2007/06/edmx';
/** Namespace of the `m:` attributes (`DataServiceVersion`, `HttpMethod`, `IsDefaultEntityContainer`): Atom's `m:`. */
export const DATASERVICES_METADATA_NAMESPACE = METADATA_NS;

/** A property of an entity or complex type. */
export interface EdmProperty {
  readonly name: string;
  /** `Edm.String`, `Edm.Int32`…, a complex type's full name, or `Collection(<full name>)`. */
  readonly type: string;
  readonly nullable: boolean;
}

/** How many entities one end of a link holds. */
export type EdmMultiplicity = '0..1' | '1' | '*';

/** A one-way navigation property. */
export interface EdmNavigation {
  readonly name: string;
  /** Short name of the target entity type (in the model's namespace). */
  readonly target: string;
  /** Entities at the target end, for one source entity. */
  readonly targetMultiplicity: EdmMultiplicity;
  /** Source entities one target entity can be linked from. */
  readonly sourceMultiplicity: EdmMultiplicity;
}

/** An entity type: its key, its properties in the order the service writes them, its links. */
export interface EdmEntityType {
  readonly name: string;
  readonly key: readonly string[];
  readonly properties: readonly EdmProperty[];
  readonly navigation: readonly EdmNavigation[];
}

/** A complex type, the element of a collection property such as `ErrorDetails`. */
export interface EdmComplexType {
  readonly name: string;
  readonly properties: readonly EdmProperty[];
}

/** An entity set of the container. */
export interface EdmEntitySet {
  readonly name: string;
  /** Short name of the entity type. */
  readonly entityType: string;
}

/** A service operation, as `<FunctionImport>` describes it. */
export interface EdmFunctionImport {
  readonly name: string;
  readonly httpMethod: 'GET' | 'POST';
  /** Absent: the operation answers 204 with no body. */
  readonly returnType?: string;
  readonly parameters: readonly { readonly name: string; readonly type: string }[];
}

/** One schema and its entity container. */
export interface EdmModel {
  /** Schema namespace, e.g. `Microsoft.Cloud.Media.Vod.Rest.Data.Models`. */
  readonly namespace: string;
  readonly containerName: string;
  readonly entityTypes: readonly EdmEntityType[];
  readonly complexTypes: readonly EdmComplexType[];
  /** One set per entity type that a navigation property targets or a client lists. */
  readonly entitySets: readonly EdmEntitySet[];
  readonly functionImports: readonly EdmFunctionImport[];
}

const attr = (name: string, value: string): string => ` ${name}="${escapeAttribute(value, name)}"`;

function property(p: EdmProperty): string {
  return `<Property${attr('Name', p.name)}${attr('Type', p.type)}${attr('Nullable', String(p.nullable))}/>`;
}

/** The association a navigation property of `source` uses, with its two role names. */
function association(source: string, nav: EdmNavigation): { name: string; from: string; to: string } {
  const name = `${source}_${nav.name}`;
  return { name, from: `${name}_Source`, to: `${name}_Target` };
}

/**
 * The `$metadata` document of `model`: EDMX 1.0, `m:DataServiceVersion="3.0"`, one CSDL v3 schema
 * holding the entity types, complex types, associations and the default entity container.
 *
 * @throws RangeError (`ERR_INVALID_ARG_VALUE`) if a navigation property targets a type that has no
 *   entity set, or a name holds a character XML cannot carry
 */
export function writeEdmx(model: EdmModel): string {
  const ns = model.namespace;
  const setOf = new Map(model.entitySets.map((s) => [s.entityType, s.name]));
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8" standalone="yes"?>',
    `<edmx:Edmx Version="1.0"${attr('xmlns:edmx', EDMX_NAMESPACE)}>`,
    `<edmx:DataServices m:DataServiceVersion="3.0" m:MaxDataServiceVersion="3.0"${attr('xmlns:m', DATASERVICES_METADATA_NAMESPACE)}>`,
    `<Schema${attr('Namespace', ns)}${attr('xmlns', CSDL_V3_NAMESPACE)}>`,
  ];
  for (const t of model.entityTypes) {
    out.push(`<EntityType${attr('Name', t.name)}>`, `<Key>${t.key.map((k) => `<PropertyRef${attr('Name', k)}/>`).join('')}</Key>`);
    for (const p of t.properties) out.push(property(p));
    for (const n of t.navigation) {
      const a = association(t.name, n);
      out.push(`<NavigationProperty${attr('Name', n.name)}${attr('Relationship', `${ns}.${a.name}`)}${attr('FromRole', a.from)}${attr('ToRole', a.to)}/>`);
    }
    out.push('</EntityType>');
  }
  for (const c of model.complexTypes) {
    out.push(`<ComplexType${attr('Name', c.name)}>`, ...c.properties.map(property), '</ComplexType>');
  }
  const links = model.entityTypes.flatMap((t) => t.navigation.map((n) => ({ source: t.name, nav: n, a: association(t.name, n) })));
  for (const { source, nav, a } of links) {
    out.push(
      `<Association${attr('Name', a.name)}>`,
      `<End${attr('Type', `${ns}.${source}`)}${attr('Role', a.from)}${attr('Multiplicity', nav.sourceMultiplicity)}/>`,
      `<End${attr('Type', `${ns}.${nav.target}`)}${attr('Role', a.to)}${attr('Multiplicity', nav.targetMultiplicity)}/>`,
      '</Association>',
    );
  }
  out.push(`<EntityContainer${attr('Name', model.containerName)} m:IsDefaultEntityContainer="true">`);
  for (const s of model.entitySets) out.push(`<EntitySet${attr('Name', s.name)}${attr('EntityType', `${ns}.${s.entityType}`)}/>`);
  for (const { source, nav, a } of links) {
    const from = setOf.get(source);
    const to = setOf.get(nav.target);
    if (from === undefined || to === undefined) {
      throw new ArgumentRangeError(`writeEdmx: ${source}.${nav.name} links ${source} to ${nav.target}, and ${from === undefined ? source : nav.target} has no entity set: add one to \`entitySets\``, 'ERR_INVALID_ARG_VALUE');
    }
    out.push(
      `<AssociationSet${attr('Name', a.name)}${attr('Association', `${ns}.${a.name}`)}>`,
      `<End${attr('Role', a.from)}${attr('EntitySet', from)}/>`,
      `<End${attr('Role', a.to)}${attr('EntitySet', to)}/>`,
      '</AssociationSet>',
    );
  }
  for (const f of model.functionImports) {
    const head = `<FunctionImport${attr('Name', f.name)}${f.returnType !== undefined ? attr('ReturnType', f.returnType) : ''}${attr('m:HttpMethod', f.httpMethod)}`;
    if (f.parameters.length === 0) {
      out.push(`${head}/>`);
      continue;
    }
    out.push(`${head}>`, ...f.parameters.map((p) => `<Parameter${attr('Name', p.name)}${attr('Type', p.type)}${attr('Mode', 'In')}/>`), '</FunctionImport>');
  }
  out.push('</EntityContainer>', '</Schema>', '</edmx:DataServices>', '</edmx:Edmx>');
  return out.join('\n');
}
