// The TaskBody parser's public surface, each export by name (src/index.ts re-exports from here).
export { parseTaskBody } from './parse.js';
export { serializeTaskBody, escapeAttribute } from './serialize.js';
export type { SerializableTaskBody, SerializableOutputAsset, SerializeTaskBodyOptions } from './serialize.js';
export { formatAssetRef, parseAssetRef } from './asset-ref.js';
export type { AssetKind, AssetRef, SourcePosition, InputAssetEntry, OutputAssetEntry, TaskBodyProblem, ParsedTaskBody } from './types.js';
