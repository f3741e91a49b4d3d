// What the pages use beyond TypeScript's DOM library.

/** The Shape Detection API (Chromium) and the barcode-detector ponyfill's equivalent. */
interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetector {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorConstructor {
  new (options?: { formats: string[] }): BarcodeDetector;
  getSupportedFormats(): Promise<string[]>;
}

interface Window {
  BarcodeDetector?: BarcodeDetectorConstructor;
  /** The ponyfill's UMD build (vendor/barcode-detector), loaded on demand by scanner.js. */
  BarcodeDetectionAPI?: {
    BarcodeDetector: BarcodeDetectorConstructor;
    prepareZXingModule(options: {
      overrides: { locateFile(path: string, prefix: string): string };
      fireImmediately: boolean;
    }): Promise<unknown>;
  };
}

/** The names of the answers changed on the page, by form, from its first keystroke on; set by
 * draft-loader.js, read by drafts-fields.js. */
declare var portalEdits: WeakMap<HTMLFormElement, Set<string>> | undefined;

/** Background Sync (Chromium): the page asks for a "sync" event once it is online again. */
interface ServiceWorkerRegistration {
  readonly sync?: { register(tag: string): Promise<void> };
}

/** The ALTCHA widget's registry (vendor/altcha/altcha.min.js), set when js/altcha.js loads it. */
declare var $altcha:
  | {
      algorithms: Map<string, () => Worker>;
      i18n: {
        get(language: string): Record<string, string> | undefined;
        set(language: string, strings: Record<string, string>): void;
      };
    }
  | undefined;
