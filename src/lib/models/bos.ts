/**
 * Which token a model expects before a text, decided from its files as its own tokenizer would:
 *   1. tokenizer.json's post-processor, when its TemplateProcessing puts a special token first (Llama's
 *      `<s>`);
 *   2. tokenizer_config.json `add_bos_token: true` with its `bos_token`;
 *   3. config.json / genai_config.json `bos_token_id`: GPT-2's `<|endoftext|>`, the document separator
 *      the model saw between training texts.
 * With none, nothing is prepended and the text's first token is not scored.
 */

export interface BosChoice {
  id: number;
  /** The token's text, e.g. "<s>" or "<|endoftext|>". */
  text: string;
  /** Where the choice came from, for the page: "the tokenizer's post-processor". */
  source: string;
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A special token's id by its text, from tokenizer.json's added_tokens or its model's vocabulary. */
function idOfToken(tokenizerJson: unknown, text: string): number | null {
  if (!isObject(tokenizerJson)) return null;
  const added = Array.isArray(tokenizerJson.added_tokens) ? tokenizerJson.added_tokens : [];
  for (const t of added) if (isObject(t) && t.content === text && Number.isInteger(t.id)) return t.id as number;
  const vocab = isObject(tokenizerJson.model) ? tokenizerJson.model.vocab : null;
  if (isObject(vocab) && Number.isInteger(vocab[text])) return vocab[text] as number;
  return null;
}

/** The text of a token id, from added_tokens or the vocabulary. */
function textOfId(tokenizerJson: unknown, id: number): string | null {
  if (!isObject(tokenizerJson)) return null;
  const added = Array.isArray(tokenizerJson.added_tokens) ? tokenizerJson.added_tokens : [];
  for (const t of added) if (isObject(t) && t.id === id && typeof t.content === 'string') return t.content;
  const vocab = isObject(tokenizerJson.model) ? tokenizerJson.model.vocab : null;
  if (isObject(vocab)) for (const [text, v] of Object.entries(vocab)) if (v === id) return text;
  return null;
}

/** A TemplateProcessing post-processor's leading special token for a single text, or null. */
function postProcessorBos(tokenizerJson: unknown): { id: number; text: string } | null {
  if (!isObject(tokenizerJson)) return null;
  const processors: unknown[] = [];
  const pp = tokenizerJson.post_processor;
  if (isObject(pp) && pp.type === 'Sequence' && Array.isArray(pp.processors)) processors.push(...pp.processors);
  else processors.push(pp);
  for (const p of processors) {
    if (!isObject(p) || p.type !== 'TemplateProcessing' || !Array.isArray(p.single)) continue;
    const first = p.single[0];
    if (!isObject(first) || !isObject(first.SpecialToken)) return null;
    const name = first.SpecialToken.id;
    if (typeof name !== 'string') return null;
    const special = isObject(p.special_tokens) ? p.special_tokens[name] : null;
    const ids = isObject(special) && Array.isArray(special.ids) ? special.ids : null;
    const id = ids?.length === 1 && Number.isInteger(ids[0]) ? (ids[0] as number) : idOfToken(tokenizerJson, name);
    return id === null ? null : { id, text: name };
  }
  return null;
}

/** tokenizer_config.json's bos_token: a string, or an AddedToken object with `content`. */
function configBosText(tokenizerConfig: unknown): string | null {
  if (!isObject(tokenizerConfig)) return null;
  const bos = tokenizerConfig.bos_token;
  if (typeof bos === 'string') return bos;
  if (isObject(bos) && typeof bos.content === 'string') return bos.content;
  return null;
}

/**
 * The token to prepend, or null (the first token is then unscored).
 * @example chooseBos(llamaTokenizerJson, { add_bos_token: true, bos_token: '<s>' }, 1) // { id: 1, text: '<s>', source: "the tokenizer's post-processor" }
 */
export function chooseBos(tokenizerJson: unknown, tokenizerConfig: unknown, configBosId: number | null): BosChoice | null {
  const fromPost = postProcessorBos(tokenizerJson);
  if (fromPost) return { ...fromPost, source: "the tokenizer's post-processor" };
  if (isObject(tokenizerConfig) && tokenizerConfig.add_bos_token === true) {
    const text = configBosText(tokenizerConfig);
    const id = text !== null ? idOfToken(tokenizerJson, text) : configBosId;
    if (id !== null) return { id, text: text ?? textOfId(tokenizerJson, id) ?? `#${id}`, source: 'tokenizer_config.json add_bos_token' };
  }
  if (configBosId !== null) {
    return { id: configBosId, text: textOfId(tokenizerJson, configBosId) ?? `#${configBosId}`, source: 'the config\'s bos_token_id' };
  }
  return null;
}
