-- 0001: entries and the audit log.
--
-- Times are microseconds since the Unix epoch, UTC (the precision the
-- PostgreSQL store keeps, so both return the same times).

-- One row per (kind, id): its current state. Every write gives the row the
-- next seq, so seq is unique and max(seq) is the store's version.
CREATE TABLE entries (
	kind       TEXT    NOT NULL,
	id         TEXT    NOT NULL,
	seq        INTEGER NOT NULL UNIQUE CHECK (seq > 0),
	country    TEXT    NOT NULL,
	type       TEXT    NOT NULL,
	thumbprint BLOB    NOT NULL CHECK (length(thumbprint) = 32),
	data       BLOB    NOT NULL,
	signature  BLOB    NOT NULL,
	created    INTEGER NOT NULL,
	updated    INTEGER NOT NULL,
	deleted    INTEGER NOT NULL CHECK (deleted IN (0, 1)),
	PRIMARY KEY (kind, id)
) STRICT;

CREATE INDEX entries_country_seq ON entries (country, seq);

-- An ID is never reused: rows are never removed, a tombstone stays one,
-- a row keeps its key, and a new state always has a higher seq.
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN
	SELECT RAISE(ABORT, 'entries are never deleted: an ID is never reused');
END;

CREATE TRIGGER entries_update_rules BEFORE UPDATE ON entries
WHEN OLD.deleted = 1 OR NEW.kind IS NOT OLD.kind OR NEW.id IS NOT OLD.id OR NEW.seq <= OLD.seq
BEGIN
	SELECT RAISE(ABORT, 'an entry update must keep its key, raise its seq and not revive a tombstone');
END;

-- The audit log: one row per accepted write, append-only.
CREATE TABLE audit (
	seq       INTEGER PRIMARY KEY CHECK (seq > 0),
	time      INTEGER NOT NULL,
	country   TEXT    NOT NULL,
	caller    BLOB    CHECK (caller IS NULL OR length(caller) = 32),
	action    TEXT    NOT NULL,
	kind      TEXT    NOT NULL,
	id        TEXT    NOT NULL,
	entry_seq INTEGER NOT NULL,
	request   BLOB    NOT NULL,
	FOREIGN KEY (kind, id) REFERENCES entries (kind, id)
) STRICT;

CREATE INDEX audit_country_seq ON audit (country, seq);
CREATE INDEX audit_entry ON audit (kind, id);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
