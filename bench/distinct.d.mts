/** The i-th variant of a 3101/3102 body: its patient and encounter ids get the suffix -D<i>. */
export function distinctBody(template: string, i: number): string;
