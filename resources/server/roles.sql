-- 整改台账 server mode: the role every office PC connects as (docs/deploy-lan.md).
-- Run once as the ledger's owner, after the first start has created the tables:
--     psql -U zgtz_owner -d zgtz -f roles.sql
--     psql -U zgtz_owner -d zgtz -c '\password zgtz_app'
-- The application role may read and write the ledger but can never change or remove an audit event:
-- UPDATE, DELETE and TRUNCATE on audit_events are not granted (the table's triggers refuse them too),
-- and it owns nothing, so it cannot drop a table, a trigger or change the schema.
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
REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM zgtz_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO zgtz_app;
