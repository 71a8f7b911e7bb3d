import type { Migration } from '../core/sqlite.js';

/** The incident database's migrations (incidents, labels, statistics, campaign results). */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'incidents, fetch cache, refresh cursors, labels',
    sql: `
      CREATE TABLE incidents (
        id            TEXT PRIMARY KEY,          -- canonical URL, or github:<owner>/<repo>#<number>
        source        TEXT NOT NULL,             -- source module name, e.g. k8s-failure-stories
        url           TEXT,
        title         TEXT NOT NULL,
        organization  TEXT,
        venue         TEXT,                      -- blog post, talk, GitHub issue, ...
        published     TEXT,                      -- ISO date (YYYY, YYYY-MM or YYYY-MM-DD) as precise as known
        year          INTEGER,
        fetched_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        content_hash  TEXT NOT NULL,             -- sha256 of the normalized record, to detect updates
        text          TEXT,                      -- NULL where the license does not allow keeping it, or no text
        text_kind     TEXT NOT NULL DEFAULT 'none', -- article | summary | link-only | none
        license       TEXT,
        tags          TEXT NOT NULL DEFAULT '[]', -- JSON array: k8s.af involved tags, GitHub labels
        impact        TEXT,
        multi_incident INTEGER NOT NULL DEFAULT 0,
        extra         TEXT NOT NULL DEFAULT '{}'  -- JSON object of source-specific facts
      );
      CREATE INDEX incidents_source ON incidents(source);
      CREATE INDEX incidents_year ON incidents(year);

      -- What each source said about an incident. Two sources can name the same incident (a k8s.af entry linking
      -- to a Zalando postmortem); the incidents row is the deterministic merge of its contributions, so the
      -- order in which sources refresh does not change the result.
      CREATE TABLE incident_contributions (
        incident_id  TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        source       TEXT NOT NULL,
        content_hash TEXT NOT NULL,              -- sha256 of this source's normalized record
        record       TEXT NOT NULL,              -- JSON of the record the source produced
        fetched_at   TEXT NOT NULL,
        PRIMARY KEY (incident_id, source)
      );

      CREATE TABLE fetch_cache (
        url           TEXT PRIMARY KEY,
        status        INTEGER,
        etag          TEXT,
        last_modified TEXT,
        body_hash     TEXT,
        fetched_at    TEXT NOT NULL,
        error         TEXT
      );

      -- Resumable refresh: each source records how far it got, committed with the rows it wrote.
      CREATE TABLE refresh_cursors (
        source     TEXT PRIMARY KEY,
        cursor     TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      -- Rule output and human labels are kept apart (origin); a human label overrides rule labels of the
      -- same incident and dimension. Every row records the classifier version that wrote it.
      CREATE TABLE labels (
        incident_id        TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        dimension          TEXT NOT NULL,
        value              TEXT NOT NULL,
        origin             TEXT NOT NULL CHECK (origin IN ('rule', 'human')),
        confidence         REAL,
        evidence           TEXT NOT NULL DEFAULT '[]',
        classifier_version TEXT NOT NULL,
        labeled_at         TEXT NOT NULL,
        PRIMARY KEY (incident_id, dimension, origin, value)
      );
      CREATE INDEX labels_dimension_value ON labels(dimension, value);
    `,
  },
];
