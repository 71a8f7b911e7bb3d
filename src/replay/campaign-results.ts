import { InvalidDataError } from '../core/errors.js';
import { campaignNames, listResults, type StoredResult } from '../campaign/results-store.js';
import type { Db } from '../store/database.js';

/** The campaign name prefix `mutiny replay plan` uses by default; compare prefers such campaigns. */
export const REPLAY_CAMPAIGN = 'replay';

/**
 * The campaign to compare: the requested one (it must exist), else the newest campaign named replay*, else the
 * newest campaign. Undefined when the database holds no campaign (or predates the campaign tables).
 */
export function chooseCampaign(db: Db, requested?: string): string | undefined {
  const hasTables = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'campaigns'").get() !== undefined;
  const names = hasTables ? campaignNames(db) : [];
  if (requested !== undefined) {
    if (!names.includes(requested)) {
      throw new InvalidDataError(`--campaign ${requested}: no such campaign in ${db.name}${names.length > 0 ? `; known: ${names.join(', ')}` : '; run one with `mutiny campaign run FILE`'}`);
    }
    return requested;
  }
  return names.find((n) => n.startsWith(REPLAY_CAMPAIGN)) ?? names[0];
}

/** Every stored run (golden and injection) of a campaign, in run order. */
export function readCampaignResults(db: Db, campaign: string): StoredResult[] {
  return listResults(db, { campaign });
}
