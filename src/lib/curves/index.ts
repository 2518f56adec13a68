/** Training-log parsing, smoothing and diagnosis (pure TypeScript: browser, worker and Node). */
export * from './types';
export { recogniseColumn, assignRoles, isKnownOther } from './columns';
export { parseCell, TableBuilder } from './table';
export { parseLog, parseLogs, LogParseError, baseName, forEachLine, splitDelimited } from './parse';
export { buildRun, cleanSeries, mergeRuns, uniqueIds, MissingLossError } from './run';
export { emaDebiased, lowerBound, nearestIndex, weightForLength } from './smoothing';
export { minMaxPerColumn } from './lod';
export {
  diagnose,
  evaluationInterval,
  hingeFit,
  noiseSigma,
  rollingMedian,
  median,
  THRESHOLDS,
  type DiagnoseOptions,
} from './diagnose';
export { runsToCsv } from './export';
