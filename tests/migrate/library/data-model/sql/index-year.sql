-- Run by sqlFile in release 2.
CREATE INDEX ix_publication_year ON publication (year);
