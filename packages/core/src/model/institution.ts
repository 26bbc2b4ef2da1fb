/**
 * Institution level from `medins_lv` (audit-api.md §2): 01–04 → 3, 05–07 → 2, 08–10 → 1, other → 0.
 * The mapping is configuration: callers may pass their own table.
 */
export type LevelMapping = Readonly<Record<string, number>>;

export const DEFAULT_LEVEL_MAPPING: LevelMapping = Object.freeze({
  '01': 3, '02': 3, '03': 3, '04': 3,
  '05': 2, '06': 2, '07': 2,
  '08': 1, '09': 1, '10': 1,
});

export function institutionLevel(medinsLv: string, mapping: LevelMapping = DEFAULT_LEVEL_MAPPING): number {
  return mapping[medinsLv.trim()] ?? 0;
}
