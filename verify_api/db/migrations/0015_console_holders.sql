-- A holder's history on the console's holder page (db/holder_history.py): their `holder_changed` events name the
-- holder only inside `data`, so without this index every page view would scan the whole event log.
CREATE INDEX events_holder_changed ON events ((data ->> 'holder'), seq) WHERE kind = 'holder_changed';
