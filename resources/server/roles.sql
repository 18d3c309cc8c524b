-- 整改台账 server mode: the role every office PC connects as (docs/deploy-lan.md).
-- Run as a role that may create roles: the PostgreSQL superuser (recommended), or a role having
-- CREATEROLE that also owns the ledger's tables. The ledger's owner alone (no CREATEROLE) fails at
-- CREATE ROLE. Run it after the first start has created the tables, and again after every upgrade
-- of the program (new tables get their grants); it may be run any number of times:
--     sudo -u postgres psql -d zgtz -v ON_ERROR_STOP=1 < roles.sql
--     sudo -u postgres psql -d zgtz -c '\password zgtz_app'
-- The application role may read and write the ledger but can never change or remove an audit event
-- or a record stamp: UPDATE, DELETE and TRUNCATE on audit_events and record_stamps are not granted
-- (their triggers refuse them too), a change of a case, sign-off, account or workflow table commits
-- only together with a new audit event (revision 0006's triggers), and it owns nothing, so it cannot
-- drop a table, a trigger or change the schema.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'zgtz_app') THEN
        CREATE ROLE zgtz_app LOGIN;
    END IF;
END
$$;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO zgtz_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO zgtz_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM zgtz_app;
REVOKE UPDATE, DELETE, TRUNCATE ON record_stamps FROM zgtz_app;
REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM zgtz_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO zgtz_app;
