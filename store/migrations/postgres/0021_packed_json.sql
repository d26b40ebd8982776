-- Events' device, checks and derived signals are packed by the store, as on SQLite (zstd with
-- a dictionary of events' JSON, `store/src/packed_json.rs`): bytes, not text. PostgreSQL
-- compressed them itself only once a row passed 2 KB, and then only down to about 2 KB: an
-- event took 3.9 KB of table and TOAST. Rows stored before become their text's UTF-8 bytes,
-- which the store reads as text. The writer's function takes the three as bytes; the rest of
-- it is migration 0013's.
ALTER TABLE events
    ALTER COLUMN device_json TYPE bytea USING convert_to(device_json, 'UTF8'),
    ALTER COLUMN checks_json TYPE bytea USING convert_to(checks_json, 'UTF8'),
    ALTER COLUMN signals_json TYPE bytea USING convert_to(signals_json, 'UTF8');

DROP FUNCTION doorman_write_events(text[], text[], text[], text[], int8[], text[], text[], text[], int8[], text[], text[], text[], text[], text[], text[], int4[], text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], text[], int8[], text[], text[], text[], text[], int8[], text[]);

CREATE FUNCTION doorman_write_events(
    link_tenant text[], link_kind text[], link_value text[], link_visitor text[], link_at int8[],
    ev_tenant text[], ev_id text[], ev_type text[], ev_at int8[], ev_external_user text[],
    ev_email text[], ev_user_key text[], ev_ip text[], ev_visitor text[], ev_payload text[],
    ev_score int4[], ev_band text[], ev_decision text[], ev_triggered text[], ev_device bytea[],
    ev_checks bytea[], ev_signals bytea[], ev_email_normalized text[], ev_ip_country text[],
    ev_phone text[], ev_phone_range text[], ev_referrer text[], ev_promo text[],
    ev_owner_kind text[], ev_owner_value text[],
    touch_tenant text[], touch_key text[], touch_at int8[],
    note_tenant text[], note_event text[], note_user_key text[], note_payload text[],
    note_at int8[], note_pattern text[]
) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    stored text[];
BEGIN
    INSERT INTO visitor_keys (tenant_id, kind, value, visitor_id, created_at)
        SELECT * FROM UNNEST(link_tenant, link_kind, link_value, link_visitor, link_at)
        ON CONFLICT (tenant_id, kind, value) DO NOTHING;

    SELECT array_agg(COALESCE(k.visitor_id, e.visitor) ORDER BY e.n) INTO stored
        FROM UNNEST(ev_tenant, ev_visitor, ev_owner_kind, ev_owner_value) WITH ORDINALITY
            AS e (tenant_id, visitor, kind, value, n)
        LEFT JOIN visitor_keys k ON k.tenant_id = e.tenant_id AND k.kind = e.kind AND k.value = e.value;

    -- As `visitor_seen_again!` and `user_seen_again!` in the Rust code: a row already there
    -- records the last time at most once a minute.
    INSERT INTO visitors (tenant_id, id, first_seen_at, last_seen_at)
        SELECT v.tenant_id, v.id, min(v.at), max(v.at)
        FROM UNNEST(ev_tenant, stored, ev_at) AS v (tenant_id, id, at)
        GROUP BY v.tenant_id, v.id ORDER BY v.tenant_id COLLATE "C", v.id COLLATE "C"
        ON CONFLICT (tenant_id, id) DO UPDATE SET last_seen_at = excluded.last_seen_at
        WHERE visitors.last_seen_at <= excluded.last_seen_at - 60000;

    INSERT INTO events (tenant_id, id, event_type, created_at, external_user_id, email, user_key,
            ip, visitor_id, payload_id, risk_score, risk_band, decision, triggered_rules,
            device_json, checks_json, signals_json, email_normalized, ip_country, phone,
            phone_range, referrer_user_id, promo_code)
        SELECT * FROM UNNEST(ev_tenant, ev_id, ev_type, ev_at, ev_external_user, ev_email,
            ev_user_key, ev_ip, stored, ev_payload, ev_score, ev_band, ev_decision, ev_triggered,
            ev_device, ev_checks, ev_signals, ev_email_normalized, ev_ip_country, ev_phone,
            ev_phone_range, ev_referrer, ev_promo);

    INSERT INTO device_users (tenant_id, visitor_id, user_key, first_seen_at, last_seen_at)
        SELECT u.tenant_id, u.visitor_id, u.user_key, min(u.at), max(u.at)
        FROM UNNEST(ev_tenant, stored, ev_user_key, ev_at) AS u (tenant_id, visitor_id, user_key, at)
        WHERE u.user_key <> ''
        GROUP BY u.tenant_id, u.visitor_id, u.user_key
        ORDER BY u.tenant_id COLLATE "C", u.visitor_id COLLATE "C", u.user_key COLLATE "C"
        ON CONFLICT (tenant_id, visitor_id, user_key) DO UPDATE SET last_seen_at = excluded.last_seen_at
        WHERE device_users.last_seen_at <= excluded.last_seen_at - 60000;

    FOR i IN 1 .. COALESCE(array_length(touch_key, 1), 0) LOOP
        UPDATE api_keys SET last_used_at = touch_at[i] WHERE tenant_id = touch_tenant[i] AND id = touch_key[i];
    END LOOP;

    -- Each event to each of its tenant's webhooks whose decisions match its pattern.
    INSERT INTO webhook_deliveries
            (tenant_id, id, webhook_id, event_id, user_key, payload, status, attempts, next_attempt_at, created_at)
        SELECT w.tenant_id, e.event_id || '.' || w.id, w.id, e.event_id, e.user_key, e.payload, 'PENDING', 0, e.at, e.at
        FROM UNNEST(note_tenant, note_event, note_user_key, note_payload, note_at, note_pattern)
            AS e (tenant_id, event_id, user_key, payload, at, pattern)
        JOIN webhooks w ON w.tenant_id = e.tenant_id AND (',' || w.decisions || ',') LIKE e.pattern;

    RETURN stored;
END
$$;
