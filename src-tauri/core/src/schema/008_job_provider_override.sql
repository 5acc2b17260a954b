-- "Regenerate with…" / "Retry with…": the provider a user picked for this job instead of the
-- kind's configured one (model::ProviderKind). NULL: the configured provider.
ALTER TABLE jobs ADD COLUMN provider_override TEXT;
