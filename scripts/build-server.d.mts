export declare const SERVER_DIST: string;
export declare function serverMain(): string | null;
export declare function serverStaleReason(): string | null;
export declare function buildServer(): Promise<{ ms: number; main: string }>;
