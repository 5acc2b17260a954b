-- A deck's own text rules (clean.rs): a JSON array of {"pattern", "replace"}, applied to the
-- word before it goes to a provider.
ALTER TABLE decks ADD COLUMN text_rules TEXT NOT NULL DEFAULT '[]';
