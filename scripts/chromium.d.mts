export declare const chromiumPath: string;
export declare const chromiumArgs: string[];
export declare function chromiumOptions<T extends object = Record<never, never>>(
  extra?: T,
): { executablePath: string; headless: true; args: string[] } & T;
