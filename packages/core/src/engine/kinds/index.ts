import type { Kind } from '../types.ts';
import type { KindFn } from './kind.ts';
import { age, gender, indication, institutionLevel, setting } from './simple.ts';
import { frequency, prerequisite, quantity } from './counting.ts';
import { bundled, duplicate, exclusive, stacking } from './pairs.ts';
import { prescription } from './prescription.ts';
import { blacklist, catalogue } from './eligibility.ts';

export * from './kind.ts';

/** Every kind of rule-pack.md §3 behind one interface; a new kind is one function and one line here. */
export const KIND_FNS: Record<Kind, KindFn> = {
  gender, age, indication, institution_level: institutionLevel, setting, quantity, frequency, prescription, exclusive, bundled, stacking,
  prerequisite, duplicate, catalogue, blacklist,
};
