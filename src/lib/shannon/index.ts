/** Shannon's guessing game: bounds, bookkeeping, the model's side, figures and CSV. Pure: no DOM. */
export * from './bounds';
export * from './game';
export * from './model';
export * from './stats';
export * from './csv';
export * from './passages';
export * from './display';
