-- v4: the credit a piece of media needs (e.g. a CC BY-SA recording from Wikimedia Commons), as
-- JSON {"author","licence","licence_url","source_url"}; NULL when its licence asks for none.
ALTER TABLE media ADD COLUMN attribution TEXT;
