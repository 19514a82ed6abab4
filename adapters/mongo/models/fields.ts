/**
 * Field definitions and conversions every model shares. Ids are strings equal to the domain ids;
 * dates are BSON Dates (UTC). The `to…` record mappers copy every Date and nested object, so a
 * returned record shares nothing with the driver or with another record.
 */
export const requiredString = { type: String, required: true } as const;
export const nullableString = { type: String, default: null } as const;
export const requiredDate = { type: Date, required: true } as const;
export const nullableDate = { type: Date, default: null } as const;

/** No `__v` (updates are atomic operators, not versioned saves); keep empty objects as given. */
export const schemaOptions = (collection: string) =>
  ({ collection, versionKey: false, minimize: false, id: false }) as const;

export const copyDate = (value: Date): Date => new Date(value.getTime());
export const copyDateOrNull = (value: Date | null | undefined): Date | null =>
  value ? copyDate(value) : null;
export const orNull = <T>(value: T | null | undefined): T | null => value ?? null;
/** Deep copy of a stored JSON-like value (client metadata, audit details, oidc payloads). */
export const copyValue = <T>(value: T): T => structuredClone(value);

/** A collection's document type: the domain record, its `key` field stored as `_id`. */
export type DocOf<T, K extends keyof T = 'id' & keyof T> = Omit<T, K> & { _id: string };
