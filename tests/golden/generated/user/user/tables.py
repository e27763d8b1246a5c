"""SQLAlchemy Core tables of the user registry, as the migrator creates them.

Generated from the regulation; do not edit. Service tables (``ddm_*``) are not declared here.
"""

import sqlalchemy as sa

from registry_api.types import FileArrayType, FileType

metadata = sa.MetaData()

# createTable city at data-model/createTables.xml:14: Cities
city_table = sa.Table(
    "city",
    metadata,
    sa.Column("city_id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("ddm_created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ddm_created_by", sa.Text()),
    sa.Column("ddm_updated_at", sa.DateTime(timezone=True)),
    sa.Column("ddm_updated_by", sa.Text()),
)

city_history_table = sa.Table(
    "city_hst",
    metadata,
    sa.Column("ddm_id", sa.Uuid(), primary_key=True, server_default=sa.FetchedValue()),
    sa.Column("city_id", sa.Uuid()),
    sa.Column("name", sa.Text()),
    sa.Column("ddm_created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ddm_created_by", sa.Text()),
    sa.Column("ddm_dml_op", sa.String(1), nullable=False),
    sa.Column("ddm_system_id", sa.Uuid()),
    sa.Column("ddm_application_id", sa.Uuid()),
    sa.Column("ddm_business_process_id", sa.Uuid()),
    sa.Column("ddm_business_process_definition_id", sa.Text()),
    sa.Column("ddm_business_process_instance_id", sa.Text()),
    sa.Column("ddm_business_activity", sa.Text()),
    sa.Column("ddm_business_activity_instance_id", sa.Text()),
    sa.Column("ddm_digital_sign", sa.Text()),
    sa.Column("ddm_digital_sign_derived", sa.Text()),
    sa.Column("ddm_digital_sign_checksum", sa.Text()),
    sa.Column("ddm_digital_sign_derived_checksum", sa.Text()),
)

# createTable user at data-model/createTables.xml:27: Registry users
user_table = sa.Table(
    "user",
    metadata,
    sa.Column("user_id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("email", sa.Text()),
    sa.Column("city_id", sa.Uuid()),
    sa.Column("photo", FileType()),
    sa.Column("documents", FileArrayType()),
    sa.Column("ddm_created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ddm_created_by", sa.Text()),
    sa.Column("ddm_updated_at", sa.DateTime(timezone=True)),
    sa.Column("ddm_updated_by", sa.Text()),
)

user_history_table = sa.Table(
    "user_hst",
    metadata,
    sa.Column("ddm_id", sa.Uuid(), primary_key=True, server_default=sa.FetchedValue()),
    sa.Column("user_id", sa.Uuid()),
    sa.Column("name", sa.Text()),
    sa.Column("email", sa.Text()),
    sa.Column("city_id", sa.Uuid()),
    sa.Column("photo", FileType()),
    sa.Column("documents", FileArrayType()),
    sa.Column("ddm_created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ddm_created_by", sa.Text()),
    sa.Column("ddm_dml_op", sa.String(1), nullable=False),
    sa.Column("ddm_system_id", sa.Uuid()),
    sa.Column("ddm_application_id", sa.Uuid()),
    sa.Column("ddm_business_process_id", sa.Uuid()),
    sa.Column("ddm_business_process_definition_id", sa.Text()),
    sa.Column("ddm_business_process_instance_id", sa.Text()),
    sa.Column("ddm_business_activity", sa.Text()),
    sa.Column("ddm_business_activity_instance_id", sa.Text()),
    sa.Column("ddm_digital_sign", sa.Text()),
    sa.Column("ddm_digital_sign_derived", sa.Text()),
    sa.Column("ddm_digital_sign_checksum", sa.Text()),
    sa.Column("ddm_digital_sign_derived_checksum", sa.Text()),
)
