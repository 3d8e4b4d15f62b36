/** Target-Dialog (RFC 4538): see dialog-id.ts, which holds both dialog-naming headers. */
export { parseTargetDialog, formatTargetDialog, targetDialog, type TargetDialog } from './dialog-id';
