-- Tolerant registry search (issue 14): trigram matching (pg_trgm) over the organisation name folded to lower case
-- without accents (unaccent), so "Acme Consulting", "acme consultng" and "Société Générale" written "societe
-- generale" find their organisation. Both extensions ship with PostgreSQL's contrib and are trusted (PostgreSQL
-- 13+), so the service's own role may create them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is STABLE (its dictionary could change), so it cannot feed a generated column or an index; naming the
-- dictionary explicitly makes the folding fixed, which is what the IMMUTABLE wrapper promises.
CREATE FUNCTION registry_fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, value));

ALTER TABLE organizations ADD COLUMN search_name text GENERATED ALWAYS AS (registry_fold(name)) STORED;
CREATE INDEX organizations_search_name_trgm ON organizations USING gin (search_name gin_trgm_ops);
