// Types of eslint.layers.js for the architecture tests.
export interface Layer {
  name: string;
  /** Folders or files under the repository root; globs for the output core of ui/. */
  paths: string[];
  imports: string[] | 'everything';
}

export declare const LAYERS: Layer[];

export declare function layerZones(): {
  target: string | string[];
  from: string | string[];
  message: string;
}[];
