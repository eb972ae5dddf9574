-- 0001: entries and the audit log, in the first schema of search_path.

-- One row per (kind, id): its current state. Every write gives the row the
-- next seq, so seq is unique and max(seq) is the store's version.
CREATE TABLE entries (
	kind       text        NOT NULL,
	id         text        NOT NULL,
	seq        bigint      NOT NULL UNIQUE CHECK (seq > 0),
	country    text        NOT NULL,
	type       text        NOT NULL,
	thumbprint bytea       NOT NULL CHECK (octet_length(thumbprint) = 32),
	data       bytea       NOT NULL,
	signature  bytea       NOT NULL,
	created    timestamptz NOT NULL,
	updated    timestamptz NOT NULL,
	deleted    boolean     NOT NULL,
	PRIMARY KEY (kind, id)
);

CREATE INDEX entries_country_seq ON entries (country, seq);

-- An ID is never reused: rows are never removed, a tombstone stays one,
-- a row keeps its key, and a new state always has a higher seq.
CREATE FUNCTION entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'UPDATE' THEN
		RAISE EXCEPTION 'entries are never deleted: an ID is never reused';
	END IF;
	IF OLD.deleted OR NEW.kind <> OLD.kind OR NEW.id <> OLD.id OR NEW.seq <= OLD.seq THEN
		RAISE EXCEPTION 'an entry update must keep its key, raise its seq and not revive a tombstone';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER entries_guard BEFORE UPDATE OR DELETE ON entries
	FOR EACH ROW EXECUTE FUNCTION entries_guard();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
	FOR EACH STATEMENT EXECUTE FUNCTION entries_guard();

-- The audit log: one row per accepted write, append-only.
CREATE TABLE audit (
	seq       bigint      PRIMARY KEY CHECK (seq > 0),
	time      timestamptz NOT NULL,
	country   text        NOT NULL,
	caller    bytea       CHECK (caller IS NULL OR octet_length(caller) = 32),
	action    text        NOT NULL,
	kind      text        NOT NULL,
	id        text        NOT NULL,
	entry_seq bigint      NOT NULL,
	request   bytea       NOT NULL,
	FOREIGN KEY (kind, id) REFERENCES entries (kind, id)
);

CREATE INDEX audit_country_seq ON audit (country, seq);
CREATE INDEX audit_entry ON audit (kind, id);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only';
END
$$;

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
