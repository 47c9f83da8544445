// Builders fill optional fields by assignment: a conditional object spread is many times slower in V8.
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
