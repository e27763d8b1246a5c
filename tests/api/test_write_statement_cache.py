"""The per-entity cache of write statements is bounded: the least recently used column set goes first,
and a statement built again after eviction writes the same SQL."""

from __future__ import annotations

import sqlalchemy as sa

from registry_api.entity_writes import _CACHED_COLUMN_SETS, WriteStatements


def statements() -> WriteStatements:
    metadata = sa.MetaData()
    columns = [sa.Column(f"c{i}", sa.Text) for i in range(8)]
    table = sa.Table(
        "wide",
        metadata,
        sa.Column("wide_id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        *columns,
    )
    history = sa.Table(
        "wide_hst",
        metadata,
        sa.Column("wide_id", sa.Uuid),
        *[sa.Column(c.name, sa.Text) for c in columns],
        sa.Column("ddm_dml_op", sa.Text),
        sa.Column("ddm_created_by", sa.Text),
        sa.Column("ddm_digital_sign_checksum", sa.Text),
    )
    return WriteStatements(table, history, "wide_id", [c.name for c in table.columns])


def column_sets(count: int) -> list[frozenset[str]]:
    found = []
    for mask in range(1, 256):
        found.append(frozenset(f"c{i}" for i in range(8) if mask & (1 << i)))
        if len(found) == count:
            break
    return found


def test_the_least_recently_used_column_set_is_evicted_first() -> None:
    writes = statements()
    sets = column_sets(_CACHED_COLUMN_SETS + 1)
    first = writes.insert(sets[0], with_history=True)
    for columns in sets[1:_CACHED_COLUMN_SETS]:
        writes.insert(columns, with_history=True)
    assert writes.insert(sets[0], with_history=True) is first  # used again: now the most recent
    writes.insert(sets[_CACHED_COLUMN_SETS], with_history=True)  # one more: sets[1] goes
    assert writes.insert.cache_info().currsize == _CACHED_COLUMN_SETS
    assert writes.insert(sets[0], with_history=True) is first
    misses = writes.insert.cache_info().misses
    rebuilt = writes.insert(sets[1], with_history=True)
    assert writes.insert.cache_info().misses == misses + 1  # it was evicted: built again
    assert str(rebuilt.compile()) == str(statements().insert(sets[1], with_history=True).compile())


def test_history_carries_the_signature_checksum_in_the_single_statement() -> None:
    sql = str(statements().insert(frozenset({"c0"}), with_history=True).compile())
    assert "ddm_digital_sign_checksum" in sql.split("INSERT INTO wide_hst", 1)[1]
