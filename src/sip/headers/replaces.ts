/** Replaces (RFC 3891): see dialog-id.ts, which holds both dialog-naming headers. */
export { parseReplaces, formatReplaces, replaces, type Replaces } from './dialog-id';
