export type * from './types';
export { defaultStride, validateStride, planWindows, countWindows, type ScoringWindow } from './windows';
export {
  rowStats,
  scoreLogits,
  logitsScorer,
  headStatus,
  type HeadStatus,
  type RowStats,
  type LogitsForward,
} from './log-softmax';
export { computeTotals, countWords, scoredText } from './totals';
export { scoreText, type ScoreTextOptions, type ScoreProgress } from './score-text';
