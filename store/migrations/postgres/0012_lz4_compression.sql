-- An event's device, checks and derived signals are stored out of line and compressed once
-- they pass 2 KB, which every event's do. pglz took a twentieth of PostgreSQL's time under
-- ingest; lz4 compresses many times faster for a little more space. Rows written before keep
-- pglz, and both stay readable. A server built without lz4 (or older than 14) keeps pglz.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        EXECUTE 'ALTER TABLE events ALTER COLUMN device_json SET COMPRESSION lz4, '
             || 'ALTER COLUMN checks_json SET COMPRESSION lz4, '
             || 'ALTER COLUMN signals_json SET COMPRESSION lz4';
        EXECUTE 'ALTER TABLE webhook_deliveries ALTER COLUMN payload SET COMPRESSION lz4';
    END IF;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available on this server; events stay compressed with pglz';
END
$$;
