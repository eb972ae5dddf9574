package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/ithc/ithc/envelope"
	"github.com/ithc/ithc/gateway/store"
)

// Recipient encryption keys (issue 9, docs/format.md §8): each country
// publishes the public keys issuers encrypt codes for, as an
// envelope.KeyRecord uploaded as CMS signed by its upload certificate,
// like a document signer. The entries (kind "encryption", ID the key's kid
// in standard base64, type its algorithm) are part of /v1/trustlist, so a
// verifier's or issuer's sync brings them; /v1/trustlist?kind=encryption
// lists them alone.
//
//	POST   /v1/encryption-keys          upload a key record (CMS, mutual TLS)
//	DELETE /v1/encryption-keys          withdraw one (CMS of the same record);
//	                                    also POST /v1/encryption-keys/delete
//
// Rotation: a country uploads its next key with a not-before ahead of
// time, while the current key stays listed; issuers pick, per country, the
// newest key valid at issuance (envelope.KeyRing.Select). A key whose
// not-after has passed is refused at upload; one that expires stays listed
// until withdrawn, harmless since issuers skip it.

// encryptionRoutes registers the encryption endpoints.
func (g *Gateway) encryptionRoutes(route routeFunc) {
	route("POST /v1/encryption-keys", "encryption_key_upload", g.writeHandler(g.UploadEncryptionKey, http.StatusCreated))
	route("DELETE /v1/encryption-keys", "encryption_key_delete", g.writeHandler(g.DeleteEncryptionKey, http.StatusOK))
	route("POST /v1/encryption-keys/delete", "encryption_key_delete", g.writeHandler(g.DeleteEncryptionKey, http.StatusOK))
}

// exportEncryption writes the encryption files of a static export: none.
// Recipient keys are trust-list entries, so the export's v1/trustlist and
// v1/country/CC/trustlist already carry them, signed, and a static copy
// serves them as the gateway does (its ?kind=encryption narrowing aside,
// which a static server ignores like ?since).
func (g *Gateway) exportEncryption(ctx context.Context, write exportWriter) error { return nil }

// openKeyRecord opens a CMS upload of a recipient key record from caller.
func (g *Gateway) openKeyRecord(ctx context.Context, caller *Caller, body []byte) (*envelope.KeyRecord, []byte, error) {
	content, err := g.openUpload(ctx, caller, body)
	if err != nil {
		return nil, nil, err
	}
	rec, err := envelope.ParseKeyRecord(content)
	if err != nil {
		return nil, nil, refuse(400, "bad_key", "%v", err)
	}
	if rec.Country != caller.Country {
		return nil, nil, refuse(403, "wrong_country", "the key record is of %s, the caller is %s", rec.Country, caller.Country)
	}
	return rec, content, nil
}

// UploadEncryptionKey stores a recipient key record sent as CMS by caller.
// The record must be of the caller's country and not expired; its kid is
// never reused.
func (g *Gateway) UploadEncryptionKey(ctx context.Context, caller *Caller, body []byte) (*store.Entry, error) {
	rec, content, err := g.openKeyRecord(ctx, caller, body)
	if err != nil {
		return nil, err
	}
	if now := g.now(); !now.Before(rec.NotAfter) {
		return nil, refuse(400, "expired_key", "the key's validity ended %s (the gateway's time is %s)",
			rec.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	id := envelope.KIDString(rec.KID)
	e := &store.Entry{Kind: store.KindEncryption, ID: id, Country: caller.Country, Type: rec.Alg, Thumbprint: thumb(content), Data: content, Signature: body}
	a := &store.AuditRecord{Time: g.now(), Country: caller.Country, Caller: caller.Fingerprint, Action: "encryption.upload", Kind: store.KindEncryption, ID: id, Request: body}
	if err := g.store.Insert(ctx, e, a); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, refuse(409, "duplicate_kid", "an encryption key with kid %s exists or existed (kids are never reused)", id)
		}
		if errors.Is(err, store.ErrInvalid) {
			return nil, refuse(400, "invalid", "%v", err)
		}
		return nil, err
	}
	g.metrics.writes.WithLabelValues("encryption.upload").Inc()
	g.log.Info("encryption key uploaded", "country", caller.Country, "kid", id, "seq", e.Seq)
	return e, nil
}

// DeleteEncryptionKey withdraws caller's recipient key whose record is the
// CMS content (the same record that was uploaded).
func (g *Gateway) DeleteEncryptionKey(ctx context.Context, caller *Caller, body []byte) (*store.Entry, error) {
	rec, content, err := g.openKeyRecord(ctx, caller, body)
	if err != nil {
		return nil, err
	}
	id := envelope.KIDString(rec.KID)
	old, err := g.store.Get(ctx, store.KindEncryption, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuse(404, "not_found", "no encryption key with kid %s", id)
	}
	if err != nil {
		return nil, err
	}
	if old.Country != caller.Country {
		return nil, refuse(403, "wrong_country", "encryption key %s belongs to %s; %s cannot delete it", id, old.Country, caller.Country)
	}
	if string(old.Data) != string(content) {
		return nil, refuse(409, "kid_mismatch", "encryption key %s was published with a different record", id)
	}
	a := &store.AuditRecord{Time: g.now(), Country: caller.Country, Caller: caller.Fingerprint, Action: "encryption.delete", Kind: store.KindEncryption, ID: id, Request: body}
	e, err := g.store.Delete(ctx, store.KindEncryption, id, body, a)
	if errors.Is(err, store.ErrDeleted) {
		return nil, refuse(410, "already_deleted", "encryption key %s is already deleted", id)
	}
	if err != nil {
		return nil, err
	}
	g.metrics.writes.WithLabelValues("encryption.delete").Inc()
	g.log.Info("encryption key deleted", "country", caller.Country, "kid", id, "seq", e.Seq)
	return e, nil
}
