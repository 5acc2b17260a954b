-- v10: media slots. A word may carry an example sentence; a deck says which slots "Generate"
-- makes (model::MediaKind, comma-separated) and the language of its translations; media, jobs
-- and their history take two more kinds: the translation and the sentence read aloud.
ALTER TABLE words ADD COLUMN sentence TEXT;
ALTER TABLE decks ADD COLUMN slots TEXT NOT NULL DEFAULT 'image,audio';
ALTER TABLE decks ADD COLUMN translation_language TEXT NOT NULL DEFAULT '';

-- SQLite cannot change a CHECK constraint: each table is made again with the new one, its rows
-- copied (same ids), the old one dropped and the new one renamed. No table references these
-- three, so foreign keys stay valid throughout; their indexes are made again below.
CREATE TABLE media_v10 (
    id             INTEGER PRIMARY KEY,
    word_id        INTEGER NOT NULL REFERENCES words(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('image', 'audio', 'translation_audio', 'sentence_audio')),
    path           TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    mime           TEXT NOT NULL,
    bytes          INTEGER NOT NULL,
    provider       TEXT NOT NULL,
    settings_key   TEXT NOT NULL,
    cache_key      TEXT NOT NULL,
    source_text    TEXT NOT NULL,              -- the text the media was made from (word, translation or sentence)
    created_at     INTEGER NOT NULL,
    warning        TEXT,
    verified_bytes INTEGER,
    verified_mtime INTEGER,
    attribution    TEXT,
    UNIQUE (word_id, kind)
);
INSERT INTO media_v10(id, word_id, kind, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at, warning, verified_bytes, verified_mtime, attribution)
    SELECT id, word_id, kind, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at, warning, verified_bytes, verified_mtime, attribution FROM media;
DROP TABLE media;
ALTER TABLE media_v10 RENAME TO media;
CREATE INDEX media_by_cache_key ON media(cache_key);

CREATE TABLE jobs_v10 (
    id                INTEGER PRIMARY KEY,
    batch_id          INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    word_id           INTEGER NOT NULL REFERENCES words(id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('image', 'audio', 'translation_audio', 'sentence_audio')),
    status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    priority          INTEGER NOT NULL DEFAULT 0,
    attempts          INTEGER NOT NULL DEFAULT 0,
    max_attempts      INTEGER NOT NULL,
    next_run_at       INTEGER NOT NULL,
    lease             TEXT,
    started_at        INTEGER,
    finished_at       INTEGER,
    last_error        TEXT,
    provider          TEXT,
    reused            INTEGER NOT NULL DEFAULT 0,
    fresh             INTEGER NOT NULL DEFAULT 0,
    failure           TEXT,
    provider_override TEXT
);
INSERT INTO jobs_v10(id, batch_id, word_id, kind, status, priority, attempts, max_attempts, next_run_at, lease, started_at, finished_at, last_error, provider, reused, fresh, failure, provider_override)
    SELECT id, batch_id, word_id, kind, status, priority, attempts, max_attempts, next_run_at, lease, started_at, finished_at, last_error, provider, reused, fresh, failure, provider_override FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v10 RENAME TO jobs;
CREATE INDEX jobs_ready ON jobs(kind, priority DESC, id) WHERE status = 'queued';
CREATE INDEX jobs_running ON jobs(lease) WHERE status = 'running';
CREATE INDEX jobs_by_batch_word ON jobs(batch_id, word_id);
CREATE INDEX jobs_by_word ON jobs(word_id, kind);

CREATE TABLE media_history_v10 (
    id           INTEGER PRIMARY KEY,
    word_id      INTEGER NOT NULL REFERENCES words(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('image', 'audio', 'translation_audio', 'sentence_audio')),
    batch_id     INTEGER NOT NULL,
    replaced_at  INTEGER NOT NULL,
    path         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    mime         TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    provider     TEXT NOT NULL,
    settings_key TEXT NOT NULL,
    cache_key    TEXT NOT NULL,
    source_text  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    warning      TEXT,
    attribution  TEXT
);
INSERT INTO media_history_v10(id, word_id, kind, batch_id, replaced_at, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at, warning, attribution)
    SELECT id, word_id, kind, batch_id, replaced_at, path, sha256, mime, bytes, provider, settings_key, cache_key, source_text, created_at, warning, attribution FROM media_history;
DROP TABLE media_history;
ALTER TABLE media_history_v10 RENAME TO media_history;
CREATE INDEX media_history_by_word ON media_history(word_id, kind, id);
CREATE INDEX media_history_by_batch ON media_history(batch_id);
