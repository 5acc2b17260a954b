-- v2: a warning that comes with a piece of media (e.g. the offline voice cannot read kanji).
ALTER TABLE media ADD COLUMN warning TEXT;
