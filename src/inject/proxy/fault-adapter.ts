// TEMPORARY: stands in for src/inject/faults.ts (contract in briefs/contracts.md) until it lands; raw-byte
// bitflip and drop only. Deleted when faults.ts is committed.

export type FaultModel = 'bitflip' | 'set' | 'drop' | 'delete' | 'corrupt';

export interface FaultSpec {
  model: FaultModel;
  field?: string;
  variant?: string;
  bit?: number;
  seed?: number;
}

export interface FaultApplication {
  bytes: Uint8Array | null;
  description: string;
  fieldPath?: string;
  before?: unknown;
  after?: unknown;
}

export function applyFault(stored: Uint8Array, key: string, spec: FaultSpec): FaultApplication {
  if (spec.model === 'drop' || spec.model === 'delete') return { bytes: null, description: `${spec.model} ${key}` };
  if (spec.model !== 'bitflip') throw new Error(`fault model ${spec.model} needs src/inject/faults.ts`);
  const bit = (spec.bit ?? spec.seed ?? 0) % (stored.length * 8);
  const bytes = Uint8Array.from(stored);
  bytes[bit >> 3] ^= 1 << (bit & 7);
  return { bytes, description: `bitflip bit ${bit} of ${key}` };
}
