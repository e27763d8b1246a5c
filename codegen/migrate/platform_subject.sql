--changeset registry-data-factory:subject
-- The reference platform's subject table (parameters.xml: subjectTable "subject", column subject_id).
-- Created only for regulations whose search conditions use "subject" without ever creating it
-- (the training registry does). Enum-typed in the reference; text here, as no enum is guaranteed.
CREATE TABLE subject (
    subject_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_code text NOT NULL,
    subject_type text,
    subject_status text,
    subject_name text
);
