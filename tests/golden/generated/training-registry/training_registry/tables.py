"""SQLAlchemy Core tables of the training-registry registry, as the migrator creates them.

Generated from the regulation; do not edit. Service tables (``ddm_*``) are not declared here.
"""

import sqlalchemy as sa

from registry_api.types import FileType

metadata = sa.MetaData()

# createTable koatuu at data-model/createTables.xml:11
koatuu_table = sa.Table(
    "koatuu",
    metadata,
    sa.Column("koatuu_id", sa.Uuid(), primary_key=True),
    sa.Column("code", sa.Text(), nullable=False),
    sa.Column("level1", sa.Text(), nullable=False),
    sa.Column("level2", sa.Text(), nullable=False),
    sa.Column("type", sa.Text()),
    sa.Column("category", sa.String(1)),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("ddm_created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ddm_created_by", sa.Text()),
    sa.Column("ddm_updated_at", sa.DateTime(timezone=True)),
    sa.Column("ddm_updated_by", sa.Text()),
)

koatuu_history_table = sa.Table(
    "koatuu_hst",
    metadata,
    sa.Column("ddm_id", sa.Uuid(), primary_key=True, server_default=sa.FetchedValue()),
    sa.Column("koatuu_id", sa.Uuid()),
    sa.Column("code", sa.Text()),
    sa.Column("level1", sa.Text()),
    sa.Column("level2", sa.Text()),
    sa.Column("type", sa.Text()),
    sa.Column("category", sa.String(1)),
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

# createTable ownership at data-model/createTables.xml:32: Довідник форм власності
ownership_table = sa.Table(
    "ownership",
    metadata,
    sa.Column("ownership_id", sa.Uuid(), primary_key=True),
    sa.Column("code", sa.Text(), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("ddm_created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ddm_created_by", sa.Text()),
    sa.Column("ddm_updated_at", sa.DateTime(timezone=True)),
    sa.Column("ddm_updated_by", sa.Text()),
)

ownership_history_table = sa.Table(
    "ownership_hst",
    metadata,
    sa.Column("ddm_id", sa.Uuid(), primary_key=True, server_default=sa.FetchedValue()),
    sa.Column("ownership_id", sa.Uuid()),
    sa.Column("code", sa.Text()),
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

# createTable laboratory at data-model/createTables.xml:45: Лабораторії що атестуються
laboratory_table = sa.Table(
    "laboratory",
    metadata,
    sa.Column("laboratory_id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("koatuu_id", sa.Uuid(), nullable=False),
    sa.Column("address", sa.Text(), nullable=False),
    sa.Column("edrpou", sa.Text(), nullable=False),
    sa.Column("ownership_id", sa.Uuid(), nullable=False),
    sa.Column("premises_file", FileType()),
    sa.Column("ddm_created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ddm_created_by", sa.Text()),
    sa.Column("ddm_updated_at", sa.DateTime(timezone=True)),
    sa.Column("ddm_updated_by", sa.Text()),
)

laboratory_history_table = sa.Table(
    "laboratory_hst",
    metadata,
    sa.Column("ddm_id", sa.Uuid(), primary_key=True, server_default=sa.FetchedValue()),
    sa.Column("laboratory_id", sa.Uuid()),
    sa.Column("name", sa.Text()),
    sa.Column("koatuu_id", sa.Uuid()),
    sa.Column("address", sa.Text()),
    sa.Column("edrpou", sa.Text()),
    sa.Column("ownership_id", sa.Uuid()),
    sa.Column("premises_file", FileType()),
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

# createTable staff_status at data-model/createTables.xml:69: Довідник статусів співробітників
staff_status_table = sa.Table(
    "staff_status",
    metadata,
    sa.Column("staff_status_id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("ddm_created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ddm_created_by", sa.Text()),
    sa.Column("ddm_updated_at", sa.DateTime(timezone=True)),
    sa.Column("ddm_updated_by", sa.Text()),
)

staff_status_history_table = sa.Table(
    "staff_status_hst",
    metadata,
    sa.Column("ddm_id", sa.Uuid(), primary_key=True, server_default=sa.FetchedValue()),
    sa.Column("staff_status_id", sa.Uuid()),
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

# createTable staff at data-model/createTables.xml:79: Кадровий склад
staff_table = sa.Table(
    "staff",
    metadata,
    sa.Column("staff_id", sa.Uuid(), primary_key=True),
    sa.Column("laboratory_id", sa.Uuid(), nullable=False),
    sa.Column("staff_status_id", sa.Uuid(), nullable=False),
    sa.Column("full_name", sa.Text(), nullable=False),
    sa.Column("hygienist_flag", sa.Boolean(), nullable=False),
    sa.Column("hygienist_certificate_file", FileType()),
    sa.Column("ddm_created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ddm_created_by", sa.Text()),
    sa.Column("ddm_updated_at", sa.DateTime(timezone=True)),
    sa.Column("ddm_updated_by", sa.Text()),
)

staff_history_table = sa.Table(
    "staff_hst",
    metadata,
    sa.Column("ddm_id", sa.Uuid(), primary_key=True, server_default=sa.FetchedValue()),
    sa.Column("staff_id", sa.Uuid()),
    sa.Column("laboratory_id", sa.Uuid()),
    sa.Column("staff_status_id", sa.Uuid()),
    sa.Column("full_name", sa.Text()),
    sa.Column("hygienist_flag", sa.Boolean()),
    sa.Column("hygienist_certificate_file", FileType()),
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
