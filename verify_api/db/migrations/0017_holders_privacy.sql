-- Holders' privacy choices (issue 13), split in two: `public_listing` (already there) now says only whether the
-- holder is listed in the public directory; the new `indexable` says whether search engines may index their badge
-- pages (services/pages.py read public_listing for that until now, so it starts from it). Per credential,
-- `credential_privacy` narrows both (a row only once a choice was made: no row is listed and indexable, as the
-- account says). services/holder_privacy.py; every change is a `holder_changed` event.
ALTER TABLE holders ADD COLUMN indexable boolean;
UPDATE holders SET indexable = public_listing;
ALTER TABLE holders ALTER COLUMN indexable SET NOT NULL;

-- A holder created without saying (the API and bulk files name only publicListing) is indexable as they are listed,
-- as before the split.
CREATE FUNCTION holders_indexable_default() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.indexable := coalesce(NEW.indexable, NEW.public_listing);
    RETURN NEW;
END $$;
CREATE TRIGGER holders_indexable_default BEFORE INSERT ON holders
    FOR EACH ROW EXECUTE FUNCTION holders_indexable_default();

CREATE TABLE credential_privacy (
    credential_id text PRIMARY KEY REFERENCES credentials (id),
    listed        boolean NOT NULL,
    indexable     boolean NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- The directory (services/directory.py): listed holders, searched by name like the staff search (0011_find).
CREATE INDEX holders_listed ON holders (display_name, id) WHERE public_listing;
