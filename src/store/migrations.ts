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
  {
    version: 2,
    name: 'statistics: stable incident keys, full-text search, per-incident facts',
    sql: `
      -- A stable integer key per incident. The full-text index and the statistics facts are keyed by it, not
      -- by incidents.rowid, because VACUUM may renumber the implicit rowid of a table with a TEXT primary key.
      CREATE TABLE incident_keys (
        key INTEGER PRIMARY KEY,
        id  TEXT NOT NULL UNIQUE
      );
      INSERT INTO incident_keys(id) SELECT id FROM incidents ORDER BY id;

      -- Full-text search over titles and text (rowid = incident_keys.key). It keeps its own copy of the text
      -- so snippet() works; the triggers below keep it in step with incidents.
      CREATE VIRTUAL TABLE incidents_fts USING fts5(title, text, tokenize = 'porter unicode61 remove_diacritics 2');
      INSERT INTO incidents_fts(rowid, title, text)
        SELECT k.key, i.title, coalesce(i.text, '') FROM incidents i JOIN incident_keys k ON k.id = i.id;

      -- One row per incident with its effective labels encoded as integers (see src/stats/facts.ts): single-valued
      -- dimensions hold the code's 1-based position in taxonomy/dimensions.yaml (0 = unknown), multi-valued ones a
      -- bit mask (bit 0 = unknown, bit n = n-th code). Derived data: src/stats rebuilds the rows listed in
      -- stats_dirty before it answers a query, so any writer of incidents or labels stays correct for free.
      CREATE TABLE stats_facts (
        key            INTEGER PRIMARY KEY,
        source         TEXT NOT NULL,
        day            INTEGER,                  -- yyyymmdd of the first day of the published period
        year           INTEGER,
        quarter        INTEGER,                  -- 1..4, NULL when only the year is known
        multi_incident INTEGER NOT NULL,
        failure        INTEGER NOT NULL,
        client         INTEGER NOT NULL,
        fault          INTEGER NOT NULL,
        component      INTEGER NOT NULL,
        error          INTEGER NOT NULL
      );
      CREATE INDEX stats_facts_day ON stats_facts(day);
      -- stats_facts grouped by month and every other column: statistics read this (a few thousand rows even
      -- for a million incidents, since incidents share label profiles) and sum n; only the days of a partial
      -- first or last month (--since after the 1st, --until before the 31st) are read from stats_facts.
      -- Rebuilt from stats_facts whenever a refresh changed a fact.
      CREATE TABLE stats_cube (
        source         TEXT NOT NULL,
        month          INTEGER,                  -- yyyymm of stats_facts.day
        year           INTEGER,
        quarter        INTEGER,
        multi_incident INTEGER NOT NULL,
        failure        INTEGER NOT NULL,
        client         INTEGER NOT NULL,
        fault          INTEGER NOT NULL,
        component      INTEGER NOT NULL,
        error          INTEGER NOT NULL,
        n              INTEGER NOT NULL
      );
      CREATE TABLE stats_dirty (key INTEGER PRIMARY KEY);
      INSERT INTO stats_dirty(key) SELECT key FROM incident_keys;
      CREATE TABLE stats_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);

      CREATE TRIGGER incidents_stats_insert AFTER INSERT ON incidents BEGIN
        INSERT OR IGNORE INTO incident_keys(id) VALUES (NEW.id);
        DELETE FROM incidents_fts WHERE rowid = (SELECT key FROM incident_keys WHERE id = NEW.id);
        INSERT INTO incidents_fts(rowid, title, text)
          SELECT key, NEW.title, coalesce(NEW.text, '') FROM incident_keys WHERE id = NEW.id;
        INSERT OR IGNORE INTO stats_dirty(key) SELECT key FROM incident_keys WHERE id = NEW.id;
      END;
      CREATE TRIGGER incidents_stats_update_text AFTER UPDATE OF title, text ON incidents BEGIN
        DELETE FROM incidents_fts WHERE rowid = (SELECT key FROM incident_keys WHERE id = NEW.id);
        INSERT INTO incidents_fts(rowid, title, text)
          SELECT key, NEW.title, coalesce(NEW.text, '') FROM incident_keys WHERE id = NEW.id;
      END;
      CREATE TRIGGER incidents_stats_update_facts AFTER UPDATE OF source, published, year, multi_incident ON incidents BEGIN
        INSERT OR IGNORE INTO stats_dirty(key) SELECT key FROM incident_keys WHERE id = NEW.id;
      END;
      CREATE TRIGGER incidents_stats_delete AFTER DELETE ON incidents BEGIN
        DELETE FROM incidents_fts WHERE rowid = (SELECT key FROM incident_keys WHERE id = OLD.id);
        DELETE FROM stats_facts WHERE key = (SELECT key FROM incident_keys WHERE id = OLD.id);
        DELETE FROM stats_dirty WHERE key = (SELECT key FROM incident_keys WHERE id = OLD.id);
        DELETE FROM incident_keys WHERE id = OLD.id;
      END;
      CREATE TRIGGER labels_stats_insert AFTER INSERT ON labels BEGIN
        INSERT OR IGNORE INTO stats_dirty(key) SELECT key FROM incident_keys WHERE id = NEW.incident_id;
      END;
      CREATE TRIGGER labels_stats_update AFTER UPDATE ON labels BEGIN
        INSERT OR IGNORE INTO stats_dirty(key) SELECT key FROM incident_keys WHERE id IN (OLD.incident_id, NEW.incident_id);
      END;
      CREATE TRIGGER labels_stats_delete AFTER DELETE ON labels BEGIN
        INSERT OR IGNORE INTO stats_dirty(key) SELECT key FROM incident_keys WHERE id = OLD.incident_id;
      END;
    `,
  },
  {
    version: 3,
    name: 'campaigns: specs, planned runs, classified results, artefact paths',
    sql: `
      -- One row per campaign name; spec is a copy of the YAML it was (last) run with, so a result can always be
      -- traced back to the definition that produced it.
      CREATE TABLE campaigns (
        name        TEXT PRIMARY KEY,
        spec        TEXT NOT NULL,
        spec_hash   TEXT NOT NULL,
        results_dir TEXT NOT NULL,
        status      TEXT NOT NULL,               -- planned | running | completed | interrupted | failed
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      );
      -- Every planned run: golden (fault-free) runs and injection experiments, with the stable id of the plan.
      CREATE TABLE experiments (
        campaign    TEXT NOT NULL REFERENCES campaigns(name) ON DELETE CASCADE,
        id          TEXT NOT NULL,               -- g... golden, x... injection (hash of the definition)
        idx         INTEGER NOT NULL,            -- run order
        role        TEXT NOT NULL,               -- golden | injection
        workload    TEXT NOT NULL,               -- deploy | scale | failover
        target_kind TEXT,
        field       TEXT,
        fault_model TEXT,
        variant     TEXT,
        channel     TEXT,                        -- write | read | drop | at-rest
        error_code  TEXT,                        -- SPEC.md error code of the injected field
        definition  TEXT NOT NULL,               -- JSON of the planned run
        PRIMARY KEY (campaign, id)
      );
      -- A result exists only for a run observed to the end of its window (written in one transaction).
      CREATE TABLE results (
        run_id        TEXT PRIMARY KEY,          -- <campaign>/<experiment id>
        campaign      TEXT NOT NULL,
        experiment_id TEXT NOT NULL,
        status        TEXT NOT NULL,             -- completed | not-activated | stuck
        failure       TEXT,                      -- SPEC.md failure code (NULL for golden runs)
        failure_also  TEXT NOT NULL DEFAULT '[]',
        client        TEXT,                      -- modeled SPEC.md client code
        error_code    TEXT,
        explanation   TEXT NOT NULL DEFAULT '[]',
        metrics       TEXT NOT NULL DEFAULT '{}',
        signals       TEXT NOT NULL,             -- the run as the classifier saw it (golden runs: the baseline)
        injections    TEXT NOT NULL DEFAULT '[]',-- what was applied: channel, key, revision, field, before/after
        started_at    TEXT NOT NULL,
        finished_at   TEXT NOT NULL,
        duration_ms   INTEGER NOT NULL,
        FOREIGN KEY (campaign, experiment_id) REFERENCES experiments(campaign, id) ON DELETE CASCADE
      );
      CREATE INDEX results_campaign ON results(campaign, failure, client);
      -- Files kept beside a result in the campaign's results folder (observation series, injection log, logs).
      CREATE TABLE result_artefacts (
        run_id TEXT NOT NULL REFERENCES results(run_id) ON DELETE CASCADE,
        kind   TEXT NOT NULL,                    -- observation | injection-log | component-log
        path   TEXT NOT NULL,
        PRIMARY KEY (run_id, kind, path)
      );
    `,
  },
];
