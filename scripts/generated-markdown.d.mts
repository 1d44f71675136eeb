export declare function generatedText(
  root: string,
  file: string,
  marker: string,
  body: string,
): string;
export declare function replaceGenerated(
  root: string,
  file: string,
  marker: string,
  body: string,
): void;
