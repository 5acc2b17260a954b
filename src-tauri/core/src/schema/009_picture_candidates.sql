-- v9: "Choose picture…": the pictures a word could have, each a file of the media store.
-- `request_key` is the word as the candidates were made for (text, language, translation and
-- the deck's text rules, hashed): rows for another key are stale and dropped when the chooser
-- opens. Picking one copies it into `media`; nothing here is the word's media by itself.
-- AUTOINCREMENT: an id the window still shows never names a newer candidate.
CREATE TABLE picture_candidates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    word_id     INTEGER NOT NULL REFERENCES words(id) ON DELETE CASCADE,
    source      TEXT NOT NULL,               -- model::PictureSource
    provider    TEXT NOT NULL,               -- the provider that made it, as media.provider
    label       TEXT NOT NULL,
    request_key TEXT NOT NULL,
    path        TEXT NOT NULL,               -- relative to the data dir
    sha256      TEXT NOT NULL,
    mime        TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    attribution TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (word_id, sha256)
);
