-- The media a regeneration replaced, so it can be undone: one row per replaced (word, kind),
-- named by the batch whose new media replaced it. The files stay in the content-addressed
-- store while a row here (or in media) names them; `deckmedia gc` removes the others once they
-- are older than the retention period. Only the last few replacements per (word, kind) are kept.
CREATE TABLE media_history (
    id           INTEGER PRIMARY KEY,
    word_id      INTEGER NOT NULL REFERENCES words(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('image', 'audio')),
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
CREATE INDEX media_history_by_word ON media_history(word_id, kind, id);
CREATE INDEX media_history_by_batch ON media_history(batch_id);
