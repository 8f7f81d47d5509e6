// Lenient readers for values in files people (and old panels) wrote by hand.

/** Lenient number: real files hold "", numeric strings, null or nothing where numbers belong. */
export function num(value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return 0;
}

/** Lenient string: numbers and booleans as text, anything else (null, objects) as "". */
export const str = (value: unknown): string =>
  typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : "";
