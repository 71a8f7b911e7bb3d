/**
 * The Kubernetes-in-etcd codec: decode stored values to the Kubernetes JSON shape, encode them back, address
 * fields by path and edit them byte-exactly, and tag fields with SPEC.md error codes.
 */
export { decodeStoredValue, decodeEtcdctlCapture, encodeStoredValue, parseStoredValue, EncryptedValueError, type StoredValue } from './value.js';
export { WireFormatError } from './wire.js';
export { locateField, parseFieldPath, readLocatedValue, formatFieldPath, type FieldLocation, type PathSegment } from './field-path.js';
export { setField, removeField, splice } from './edit.js';
export { errorCodeForField, loadFieldTags, normalizeFieldPath } from './field-tags.js';
export { resourceTypeForKey, RESOURCE_TYPES, type ResourceType } from './resources.js';
export type { JsonObject } from './decode.js';
