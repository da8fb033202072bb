/** The built SPA's directory (index.html and assets), for paddockd to serve at `/`. */
export declare const CONSOLE_DIST_DIR: string;
