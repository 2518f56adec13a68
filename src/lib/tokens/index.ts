export { loadTokenizer, type EncodedText, type TextTokenizer } from './tokenizer';
export { TokenAligner, type AddedTokenSpec, type AlignmentPlan, type TokenSpans } from './align';
export { BYTE_TO_CHAR, byteLevelTokenBytes } from './byte-level';
export { codePointLength, utf8ByteLength } from './utf8';
