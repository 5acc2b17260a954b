-- v3: provider account states, and what media integrity checks last saw.

-- A provider whose account cannot be used until the user acts (quota used up, key rejected).
-- Its jobs are not claimed while a row is here; Resume or a new key deletes the row.
CREATE TABLE provider_states (
    provider TEXT PRIMARY KEY,                  -- e.g. 'openai', 'elevenlabs'
    state    TEXT NOT NULL CHECK (state IN ('out_of_quota', 'key_rejected')),
    message  TEXT NOT NULL,                     -- the provider's own words, secrets masked
    since    INTEGER NOT NULL
);

-- The file's size and modification time when its content last hashed to `sha256`: a file that
-- still has both is not read again by "Generate missing".
ALTER TABLE media ADD COLUMN verified_bytes INTEGER;
ALTER TABLE media ADD COLUMN verified_mtime INTEGER;
