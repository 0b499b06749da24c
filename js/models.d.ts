// Type declarations for gradlens/models (js/models.js).

/** The files of a model shipped in the package's models/ folder. */
export interface ShippedModel {
  model: URL;
  card: URL;
  /** JSON {count, shape: [C, H, W], labels} describing sampleBytes. */
  samples: URL;
  /** count test images of C*H*W bytes each, one after another. */
  sampleBytes: URL;
}

/** The models shipped with the package, by name. */
export const SHIPPED_MODELS: Readonly<Record<'mnist' | 'fashion-mnist', ShippedModel>>;
