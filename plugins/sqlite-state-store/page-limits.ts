import type { Page } from '../../kernel/contracts/state-store.js';

/** The most items one list call returns, whatever the caller asks for. */
export const MAX_PAGE = 200;

/** Turns a caller's page into numbers SQLite can bind; a missing or silly limit means the max. */
export function pageLimits(page: Page | undefined): { limit: number; offset: number } {
  return { limit: clampLimit(page?.limit), offset: clampOffset(page?.offset) };
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit) || limit < 1) return MAX_PAGE;
  return Math.min(Math.floor(limit), MAX_PAGE);
}

function clampOffset(offset: number | undefined): number {
  if (offset === undefined || !Number.isFinite(offset) || offset < 0) return 0;
  return Math.floor(offset);
}
