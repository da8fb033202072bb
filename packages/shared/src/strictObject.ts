/** Every object schema refuses unknown fields; a typo is a 400, never silently ignored. */
export const strict = { additionalProperties: false } as const;
