// Transformers.js's tokenizers alone, without its pipelines (and their image code, which loads sharp).
declare module '@xenova/transformers/src/tokenizers.js' {
  export { AutoTokenizer, PreTrainedTokenizer } from '@xenova/transformers/types/tokenizers';
}
