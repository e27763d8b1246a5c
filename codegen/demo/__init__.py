"""``registry-api demo``: the example registry generated, migrated, loaded with sample data and served
on three local ports (internal, ext, public), with ready-to-paste ``curl`` commands."""
