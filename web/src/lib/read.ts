/** Type guards for reading JSON the API does not type (task outputs, live frames) defensively. */

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isStr = (v: unknown): v is string => typeof v === 'string';
export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** The strings of an array (anything else: none). */
export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter(isStr) : []);
