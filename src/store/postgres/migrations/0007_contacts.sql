-- Contact data: a customer's classification, its contact persons and their contact points
-- (the eGain door's individual customers, readable through every door), and customer
-- numbers, the decimal ids that door names customers by.

-- Counters handed out in blocks, outside the writes that use them.
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('customer_number', 0);

-- Installation secrets; `number_key` keys the permutation that makes customer numbers.
CREATE TABLE secrets (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
INSERT INTO secrets (name, value) VALUES ('number_key', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));

-- Customers stored before numbers existed get theirs when a server next starts.
ALTER TABLE customers ADD COLUMN number BIGINT;
CREATE UNIQUE INDEX customers_number ON customers(tenant_id, number);

CREATE TABLE contact_details (
    customer_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES customers(id),
    customer_type   TEXT,
    department   TEXT,
    level        TEXT,
    role         TEXT,
    industry     TEXT,
    how_referred TEXT,
    market_segment  TEXT,
    entitlements TEXT,
    pin_hash     TEXT,
    -- Where its persons' email addresses are unique: see contact_points.email_scope.
    email_scope  TEXT NOT NULL,
    -- A JSON object of name -> [values]: read and written whole, never searched.
    attributes   TEXT NOT NULL
);

CREATE TABLE contact_persons (
    id           TEXT COLLATE "C" PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    position     INTEGER NOT NULL,
    salutation            TEXT,
    first_name            TEXT,
    middle_name           TEXT,
    last_name             TEXT,
    login_id              TEXT,
    gender                TEXT,
    identification_type   TEXT,
    identification_value  TEXT,
    suffix                TEXT,
    initials              TEXT,
    secret_question       TEXT,
    job_title             TEXT,
    employment_status     TEXT,
    priority              TEXT,
    date_of_birth         TEXT,
    marital_status        TEXT,
    person_type           TEXT,
    first_name_furigana   TEXT,
    middle_name_furigana  TEXT,
    last_name_furigana    TEXT,
    start_greeting        TEXT,
    end_greeting          TEXT,
    spouse_name           TEXT,
    emergency_contact     TEXT,
    occupation            TEXT,
    income_level          TEXT,
    education_level       TEXT,
    race                  TEXT,
    dependents            TEXT,
    hobbies               TEXT,
    interests             TEXT,
    contact_order         TEXT,
    direct_mailing_consent  BOOLEAN,
    direct_calling_consent  BOOLEAN,
    holding_data_consent  BOOLEAN,
    smoker                BOOLEAN,
    secret_answer_hash    TEXT,
    attributes            TEXT NOT NULL
);
CREATE INDEX contact_persons_customer ON contact_persons(customer_id, position);

CREATE TABLE contact_points (
    id           TEXT COLLATE "C" PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    person_id    TEXT NOT NULL REFERENCES contact_persons(id),
    position     INTEGER NOT NULL,
    channel      TEXT NOT NULL,
    priority     TEXT,
    phone_type     TEXT,
    phone_no       TEXT,
    country_code   TEXT,
    area_code      TEXT,
    extension      TEXT,
    available_days TEXT,
    available_times  TEXT,
    postal_type    TEXT,
    address_1      TEXT,
    address_2      TEXT,
    city           TEXT,
    state          TEXT,
    zip            TEXT,
    country        TEXT,
    region         TEXT,
    email_address  TEXT,
    url            TEXT,
    social_type    TEXT,
    social_id      TEXT,
    -- The address as it is unique: lower-cased, and under its department when the
    -- catalog departmentalizes customers ('' otherwise).
    email_key      TEXT,
    email_scope    TEXT,
    attributes     TEXT NOT NULL
);
CREATE INDEX contact_points_person ON contact_points(person_id, position);
CREATE UNIQUE INDEX contact_points_email ON contact_points(tenant_id, email_scope, email_key)
    WHERE email_key IS NOT NULL;
CREATE INDEX contact_points_phone ON contact_points(tenant_id, phone_no) WHERE phone_no IS NOT NULL;
