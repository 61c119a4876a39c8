/**
 * The OData v3 layer of the AMS v2 facade: `$filter` parsing and compiling, query options, resource
 * paths and keys, wire formats, content negotiation. Pure functions; no HTTP here.
 */
export {
  ODATA_ERROR_CODES,
  ODataError,
  ODataHeaderError,
  ODataPathError,
  ODataQueryError,
  ODataValueError,
} from './errors.js';
export type { ODataErrorCode } from './errors.js';

export { BINARY_PRECEDENCE, FUNCTION_ARITY, MAX_TREE_DEPTH, parseFilter, printFilter } from './filter.js';
export type {
  ArithmeticOperator,
  BinaryExpr,
  BinaryOperator,
  CallExpr,
  ComparisonOperator,
  FilterExpr,
  FunctionName,
  LiteralExpr,
  LogicalOperator,
  NumericLiteralType,
  ParseFilterOptions,
  PropertyExpr,
  UnaryExpr,
  UnaryOperator,
} from './filter.js';

export { EDM_TYPES, compileFilter, propertyReader } from './evaluate.js';
export type { EntityPredicate, EntitySchema, ODataPrimitiveType, ODataPropertyType } from './evaluate.js';

export { AMS_MAX_PAGE, applyQuery, compareValues, parseQueryOptions, selectProperties } from './query.js';
export type { OrderByItem, ParseQueryOptionsOptions, QueryOptions } from './query.js';

export { ENTITY_SETS, decodeKey, encodeKey, entityUri, parseKeyLiteral, parseResourcePath } from './resource-path.js';
export type { EntitySetName, ResourceName, ResourcePath } from './resource-path.js';

export {
  AMS_NAMESPACE,
  AMS_TYPES,
  COMPLEX_TYPES,
  errorResponse,
  formatDateIso,
  formatDateVerbose,
  formatEntityDates,
  minimalList,
  minimalProperty,
  minimalSingle,
  odataError,
  parseODataDate,
  stringifyOData,
  verboseEntity,
  verboseList,
  verboseProperty,
  verboseSingle,
} from './format.js';
export type { DateStyle, ODataErrorBody, VerboseEntityMeta } from './format.js';

export { AMS_API_VERSION, REQUEST_ID_HEADERS, acceptsXml, checkVersionHeaders, contentTypeFor, negotiateFormat } from './negotiate.js';
export type { RequestHeaders, ResponseFormat, VersionCheck } from './negotiate.js';

export { CSDL_V3_NAMESPACE, DATASERVICES_METADATA_NAMESPACE, EDMX_NAMESPACE, writeEdmx } from './csdl.js';
export type { EdmComplexType, EdmEntitySet, EdmEntityType, EdmFunctionImport, EdmModel, EdmMultiplicity, EdmNavigation, EdmProperty } from './csdl.js';
