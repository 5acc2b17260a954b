-- Deck Media schema v1. Times are milliseconds since the Unix epoch.
CREATE TABLE decks (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    language    TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE words (
    id          INTEGER PRIMARY KEY,
    deck_id     INTEGER NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    language    TEXT NOT NULL DEFAULT '',   -- '' = the deck's language
    translation TEXT,
    note        TEXT,
    position    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX words_by_deck ON words(deck_id, position);
CREATE INDEX words_by_text ON words(deck_id, text);

-- The current media of a word, one per kind. Files are content-addressed and may be shared.
CREATE TABLE media (
    id           INTEGER PRIMARY KEY,
    word_id      INTEGER NOT NULL REFERENCES words(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('image', 'audio')),
    path         TEXT NOT NULL,              -- relative to the data dir
    sha256       TEXT NOT NULL,
    mime         TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    provider     TEXT NOT NULL,
    settings_key TEXT NOT NULL,
    cache_key    TEXT NOT NULL,              -- hash of (kind, settings, language, text, translation)
    source_text  TEXT NOT NULL,              -- the word's text when the media was made
    created_at   INTEGER NOT NULL,
    UNIQUE (word_id, kind)
);
CREATE INDEX media_by_cache_key ON media(cache_key);

CREATE TABLE batches (
    id              INTEGER PRIMARY KEY,
    deck_id         INTEGER NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
    kinds           TEXT NOT NULL,           -- 'image', 'audio' or 'image,audio'
    paused          INTEGER NOT NULL DEFAULT 0,
    cancelled       INTEGER NOT NULL DEFAULT 0,
    total_words     INTEGER NOT NULL DEFAULT 0,
    completed_words INTEGER NOT NULL DEFAULT 0,
    failed_words    INTEGER NOT NULL DEFAULT 0,
    cancelled_words INTEGER NOT NULL DEFAULT 0,
    total_jobs      INTEGER NOT NULL DEFAULT 0,
    done_jobs       INTEGER NOT NULL DEFAULT 0,
    failed_jobs     INTEGER NOT NULL DEFAULT 0,
    cancelled_jobs  INTEGER NOT NULL DEFAULT 0,
    reused_jobs     INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    updated_at      INTEGER NOT NULL,
    finished_at     INTEGER
);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    word_id      INTEGER NOT NULL REFERENCES words(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('image', 'audio')),
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    priority     INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,  -- finished attempts; a crash mid-attempt is not one
    max_attempts INTEGER NOT NULL,
    next_run_at  INTEGER NOT NULL,
    lease        TEXT,                        -- the worker run that claimed it
    started_at   INTEGER,
    finished_at  INTEGER,
    last_error   TEXT,
    provider     TEXT,
    reused       INTEGER NOT NULL DEFAULT 0,
    fresh        INTEGER NOT NULL DEFAULT 0   -- 1: regenerate, do not reuse cached media
);
CREATE INDEX jobs_ready ON jobs(kind, priority DESC, id) WHERE status = 'queued';
CREATE INDEX jobs_running ON jobs(lease) WHERE status = 'running';
CREATE INDEX jobs_by_batch_word ON jobs(batch_id, word_id);
CREATE INDEX jobs_by_word ON jobs(word_id, kind);

-- Queue-wide switches shared by every process: 'paused' = '1' stops all claiming.
CREATE TABLE queue_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
