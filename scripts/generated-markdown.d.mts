export declare function replaceGenerated(
  root: string,
  file: string,
  marker: string,
  body: string,
): void;
