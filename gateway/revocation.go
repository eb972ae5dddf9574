package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/revocation"
)

// Revocation batches (docs/revocation.md). A country uploads a batch as
// CMS SignedData signed by its upload certificate, the content a
// revocation.Batch body naming one of the country's own document signers;
// the gateway keeps the CMS as the entry's Signature and a description of
// the batch (revocation.Info, JSON) as its Data. Verifiers fetch the
// signed list of descriptions, incrementally, and each new batch's CMS
// separately:
//
//	POST   /v1/revocation/batches          upload a batch (CMS, mutual TLS)
//	DELETE /v1/revocation/batches          delete one (CMS of a revocation.DeleteRequest); also POST /v1/revocation/batches/delete
//	GET    /v1/revocation/list[?since=N]   signed list of batch descriptions (tombstones when since > 0)
//	GET    /v1/revocation/batches/{id}     the batch's CMS, as the country signed it

// RevocationListPath and RevocationBatchPath are the read routes, relative
// to the gateway's (or a static export's) base URL.
const (
	RevocationListPath  = "/v1/revocation/list"
	RevocationBatchPath = "/v1/revocation/batches/"
)

// revocationRoutes registers the revocation endpoints.
func (g *Gateway) revocationRoutes(route routeFunc) {
	upload := g.largeWriteHandler(g.UploadRevocation, http.StatusCreated, limits.MaxRevocationUpload)
	del := g.largeWriteHandler(g.DeleteRevocation, http.StatusOK, MaxUploadBytes)
	route("POST /v1/revocation/batches", "revocation_upload", upload)
	route("DELETE /v1/revocation/batches", "revocation_delete", del)
	route("POST /v1/revocation/batches/delete", "revocation_delete", del)
	route("GET "+RevocationListPath, "revocation_list", g.queryHandler(revocationQuery(0), false))
	route("GET "+RevocationBatchPath+"{id}", "revocation_batch", g.revocationBatchHandler)
}

// UploadRevocation stores a revocation batch sent as CMS by caller. The
// batch must name caller's country and one of its document signers, and
// must not have expired; its ID is never reused, so a replayed upload is
// refused as a duplicate (and a stale one by its signing time).
func (g *Gateway) UploadRevocation(ctx context.Context, caller *Caller, body []byte) (*store.Entry, error) {
	content, err := g.openUpload(ctx, caller, body)
	if err != nil {
		return nil, err
	}
	b, err := revocation.ParseBatch(content)
	if err != nil {
		return nil, refuse(400, "bad_batch", "%v", err)
	}
	if b.Country != caller.Country {
		return nil, refuse(403, "wrong_country", "batch %s names the country %s, but the caller is %s", b.ID, b.Country, caller.Country)
	}
	if b.Type == revocation.HashSHCRID {
		if err := g.checkSHCIssuer(ctx, caller.Country, b); err != nil {
			return nil, err
		}
	} else {
		signer, err := g.store.Get(ctx, store.KindSigner, b.KID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, refuse(403, "unknown_signer", "batch %s revokes certificates of kid %s, which is no document signer of %s", b.ID, b.KID, caller.Country)
		}
		if err != nil {
			return nil, err
		}
		if signer.Country != caller.Country {
			return nil, refuse(403, "wrong_country", "kid %s is a document signer of %s; %s cannot revoke its certificates", b.KID, signer.Country, caller.Country)
		}
	}
	now := g.now()
	if !now.Before(b.Expires) {
		return nil, refuse(400, "expired_batch", "batch %s expired at %s", b.ID, b.Expires.Format("2006-01-02T15:04:05Z"))
	}
	if b.Created.After(now.Add(g.uploadSkew)) {
		return nil, refuse(400, "bad_batch", "batch %s is dated %s, in the future", b.ID, b.Created.Format("2006-01-02T15:04:05Z"))
	}
	der, err := decodeCMSBody(body)
	if err != nil {
		return nil, err
	}
	info, err := json.Marshal(revocation.InfoOf(b, sha256.Sum256(content), len(der)))
	if err != nil {
		return nil, err
	}
	e := &store.Entry{Kind: store.KindRevocation, ID: b.ID, Country: caller.Country, Type: b.HashType,
		Thumbprint: thumb(info), Data: info, Signature: der}
	a := &store.AuditRecord{Time: now, Country: caller.Country, Caller: caller.Fingerprint, Action: "revocation.upload",
		Kind: store.KindRevocation, ID: b.ID, Request: body}
	if err := g.store.Insert(ctx, e, a); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, refuse(409, "duplicate_batch", "a revocation batch %s exists or existed (batch identifiers are never reused)", b.ID)
		}
		if errors.Is(err, store.ErrInvalid) {
			return nil, refuse(400, "invalid", "%v", err)
		}
		return nil, err
	}
	g.metrics.writes.WithLabelValues("revocation.upload").Inc()
	g.log.Info("revocation batch uploaded", "country", caller.Country, "batch", b.ID, "kid", b.KID, "type", b.HashType, "entries", len(b.Entries), "seq", e.Seq, "iss", b.Iss)
	return e, nil
}

// checkSHCIssuer decides whether country may upload b, a batch of SMART
// Health Card rids. The gateway does not know SMART issuers: a country
// claims an issuer (iss) and its key (kid) by uploading the first live
// batch naming them, and from then on only that country's batches may
// name them, and a key stays under the issuer it was first named with
// (docs/revocation.md, "SMART Health Cards").
func (g *Gateway) checkSHCIssuer(ctx context.Context, country string, b *revocation.Batch) error {
	entries, _, err := g.store.List(ctx, store.Filter{Kinds: []string{store.KindRevocation}, Type: revocation.HashSHCRID.String()})
	if err != nil {
		return err
	}
	for _, e := range entries {
		in, err := revocation.ParseInfo(e.Data)
		if err != nil {
			continue
		}
		if (in.Iss == b.Iss || in.KID == b.KID) && in.Country != country {
			return refuse(403, "wrong_country", "the SMART issuer %s (key %s) is revoked by %s (batch %s); only %s may revoke its cards", in.Iss, in.KID, in.Country, in.ID, in.Country)
		}
		if in.KID == b.KID && in.Iss != b.Iss {
			return refuse(400, "bad_batch", "batch %s names key %s under the issuer %s, which batch %s names under %s", b.ID, b.KID, b.Iss, in.ID, in.Iss)
		}
	}
	return nil
}

// DeleteRevocation turns caller's batch named in a signed
// revocation.DeleteRequest into a tombstone: verifiers drop it, and the
// certificates it revoked verify again, at their next sync.
func (g *Gateway) DeleteRevocation(ctx context.Context, caller *Caller, body []byte) (*store.Entry, error) {
	content, err := g.openUpload(ctx, caller, body)
	if err != nil {
		return nil, err
	}
	d, err := revocation.ParseDeleteRequest(content)
	if err != nil {
		return nil, refuse(400, "bad_request", "%v", err)
	}
	if d.Country != caller.Country {
		return nil, refuse(403, "wrong_country", "the delete request names %s, but the caller is %s", d.Country, caller.Country)
	}
	old, err := g.store.Get(ctx, store.KindRevocation, d.Batch)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuse(404, "not_found", "no revocation batch %s", d.Batch)
	}
	if err != nil {
		return nil, err
	}
	if old.Country != caller.Country {
		return nil, refuse(403, "wrong_country", "revocation batch %s belongs to %s; %s cannot delete it", d.Batch, old.Country, caller.Country)
	}
	der, err := decodeCMSBody(body)
	if err != nil {
		return nil, err
	}
	a := &store.AuditRecord{Time: g.now(), Country: caller.Country, Caller: caller.Fingerprint, Action: "revocation.delete",
		Kind: store.KindRevocation, ID: d.Batch, Request: body}
	e, err := g.store.Delete(ctx, store.KindRevocation, d.Batch, der, a)
	if errors.Is(err, store.ErrDeleted) {
		return nil, refuse(410, "already_deleted", "revocation batch %s is already deleted", d.Batch)
	}
	if err != nil {
		return nil, err
	}
	g.metrics.writes.WithLabelValues("revocation.delete").Inc()
	g.log.Info("revocation batch deleted", "country", caller.Country, "batch", d.Batch, "seq", e.Seq)
	return e, nil
}

// RevocationList returns the signed list of batch descriptions: with since
// zero every live batch not yet expired, otherwise every change (tombstones
// included) after that version. Lists are signed once per version
// (SignedList).
func (g *Gateway) RevocationList(ctx context.Context, since int64) ([]byte, int64, error) {
	return g.SignedList(ctx, revocationQuery(since))
}

func revocationQuery(since int64) ListQuery {
	return ListQuery{Kinds: []string{store.KindRevocation}, Since: since, descriptions: true}
}

// expiredBatch reports whether a revocation entry describes a batch
// expired at now (or one whose description does not parse).
func expiredBatch(e *store.Entry, now time.Time) bool {
	in, err := revocation.ParseInfo(e.Data)
	return err != nil || !now.Before(in.Expires)
}

// RevocationBatch returns the CMS of a live batch.
func (g *Gateway) RevocationBatch(ctx context.Context, id string) ([]byte, error) {
	if err := revocation.CheckID(id); err != nil {
		return nil, refuse(400, "bad_query", "%v", err)
	}
	e, err := g.store.Get(ctx, store.KindRevocation, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuse(404, "not_found", "no revocation batch %s", id)
	}
	if err != nil {
		return nil, err
	}
	if e.Deleted {
		return nil, refuse(410, "deleted", "revocation batch %s was deleted", id)
	}
	return e.Signature, nil
}

func (g *Gateway) revocationBatchHandler(w http.ResponseWriter, r *http.Request) error {
	data, err := g.RevocationBatch(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	// A batch never changes: its ID is never reused.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("Content-Type", "application/cms")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, err = w.Write(data)
	return err
}

// largeWriteHandler is writeHandler with a body limit of its own.
func (g *Gateway) largeWriteHandler(op func(context.Context, *Caller, []byte) (*store.Entry, error), okStatus int, limit int64) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.TLS == nil {
			return refuse(401, "unauthenticated", "writes need mutual TLS")
		}
		caller, err := g.Authenticate(r.Context(), r.TLS.PeerCertificates)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return refuse(http.StatusRequestEntityTooLarge, "too_large", "the body exceeds %d bytes", limit)
			}
			return refuse(400, "bad_body", "reading the body: %v", err)
		}
		e, err := op(r.Context(), caller, body)
		if err != nil {
			return err
		}
		return writeJSON(w, okStatus, map[string]any{"kind": e.Kind, "id": e.ID, "country": e.Country, "seq": e.Seq, "deleted": e.Deleted})
	}
}

// exportRevocation writes the revocation files of a static export: the full
// list (v1/revocation/list) and each listed batch's CMS
// (v1/revocation/batches/ID). A gateway without any live batch exports no
// revocation files.
func (g *Gateway) exportRevocation(ctx context.Context, write exportWriter) error {
	entries, _, err := g.store.List(ctx, store.Filter{Kinds: []string{store.KindRevocation}})
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	data, _, err := g.RevocationList(ctx, 0)
	if err != nil {
		return err
	}
	if err := write(RevocationListPath[1:], data); err != nil {
		return err
	}
	now := g.now()
	for _, e := range entries {
		if in, err := revocation.ParseInfo(e.Data); err != nil || !now.Before(in.Expires) {
			continue
		}
		if err := write(RevocationBatchPath[1:]+e.ID, e.Signature); err != nil {
			return err
		}
	}
	return nil
}
