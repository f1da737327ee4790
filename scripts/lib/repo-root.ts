import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in scripts/lib/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The shipped models' training data beside the repository (never inside it): the default of
 * `npm run eval` and of `npm run finetune`'s rehearsal data.
 */
export const SHIPPED_DATA = fileURLToPath(
  new URL('../../../shared/data/banana-ripening', import.meta.url),
);
