// Package gateway is the mutual-recognition gateway: the service where
// countries publish their document signers (and later their rules,
// revocation batches and encryption keys) and from which every verifier in
// the world fetches them as signed lists.
//
// Three signatures make every list entry provable offline:
//
//   - the operator onboards a country by signing an onboarding record for
//     each of its certificates (CSCA, upload, TLS) with the trust anchor
//     key, which stays offline (Onboard takes it; the server holds only the
//     anchor certificate and refuses records whose signature does not
//     verify);
//   - a country uploads a document signer as CMS SignedData signed by its
//     onboarded upload certificate; the gateway stores that CMS with the
//     entry, so a verifier can see the country itself approved it;
//   - the gateway signs each list it serves with a list-signing key whose
//     certificate the trust anchor issued (trust.VerifyList checks it).
//
// Writes authenticate the caller by mutual TLS: the client certificate must
// be an onboarded TLS certificate, which fixes the caller's country, and a
// country can only write its own entries. Reads are public: the lists are
// signed, so any mirror, CDN or static copy (Export) is as good as the
// gateway itself.
//
// Storage is the store.Store interface (gateway/store): SQLite embedded,
// PostgreSQL for several instances. HTTP handlers are in http.go; the API
// is described by openapi.json, served at /openapi.json.
package gateway

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/internal/cms"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/valueset"
)

// Gateway is the service core, independent of HTTP.
type Gateway struct {
	store      store.Store
	anchor     *x509.Certificate
	listCert   *x509.Certificate
	listKey    crypto.Signer
	log        *slog.Logger
	now        func() time.Time
	uploadSkew time.Duration
	metrics    *metrics

	mu    sync.Mutex
	lists map[string]*signedList // cache: query key -> last signed list
	certs map[string]*onboarded  // cache: kind/thumbprint -> verified onboarding
}

type signedList struct {
	version int64
	data    []byte
}

type onboarded struct {
	seq     int64
	country string
	cert    *x509.Certificate
}

// Options configure New.
type Options struct {
	// Store keeps the entries; required.
	Store store.Store
	// Anchor is the trust anchor certificate; required.
	Anchor *x509.Certificate
	// ListCert and ListKey sign the lists; ListCert must be issued by
	// Anchor and carry trust.ListSigningOID.
	ListCert *x509.Certificate
	ListKey  crypto.Signer
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// UploadMaxAge is how old the signing time of an upload may be (and
	// how far in the future it may lie); zero means 24 hours. A captured
	// upload cannot be replayed later than that.
	UploadMaxAge time.Duration
}

// New checks opts and returns a gateway.
func New(opts Options) (*Gateway, error) {
	if opts.Store == nil || opts.Anchor == nil || opts.ListCert == nil || opts.ListKey == nil {
		return nil, errors.New("gateway: Store, Anchor, ListCert and ListKey are required")
	}
	g := &Gateway{
		store: opts.Store, anchor: opts.Anchor, listCert: opts.ListCert, listKey: opts.ListKey,
		log: opts.Logger, now: opts.Now, uploadSkew: opts.UploadMaxAge,
		lists: make(map[string]*signedList), certs: make(map[string]*onboarded),
		metrics: newMetrics(),
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	if g.uploadSkew == 0 {
		g.uploadSkew = 24 * time.Hour
	}
	if err := trust.CheckListSigner(g.listCert, g.anchor, g.now()); err != nil {
		return nil, fmt.Errorf("gateway: list signer: %w", err)
	}
	if !samePublicKey(g.listCert.PublicKey, g.listKey.Public()) {
		return nil, errors.New("gateway: the list signing key does not belong to the list signer certificate")
	}
	return g, nil
}

// Error is a refusal with an HTTP status and a stable code; its message
// names the problem.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return "gateway: " + e.Message }

func refuse(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Caller is an authenticated client: its onboarded TLS certificate and
// country.
type Caller struct {
	Country     string
	Fingerprint []byte // SHA-256 of the TLS client certificate
}

// Roles of onboarded certificates.
const (
	RoleCSCA   = store.KindCSCA
	RoleUpload = store.KindUpload
	RoleTLS    = store.KindTLS
)

// Thumbprint returns the hex SHA-256 of a certificate's DER, the ID of its
// onboarding entry.
func Thumbprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// Onboard records one certificate of a country, signing the record with the
// trust anchor key. It is the operator's command, run where the anchor key
// is (never by the server).
func Onboard(ctx context.Context, st store.Store, anchorKey crypto.Signer, anchor *x509.Certificate, country, role string, cert *x509.Certificate, now time.Time) (*store.Entry, error) {
	country = strings.ToUpper(country)
	if !validCountry(country) {
		return nil, fmt.Errorf("gateway: onboard: country %q is not an ISO 3166-1 alpha-2 code", country)
	}
	if !samePublicKey(anchorKey.Public(), anchor.PublicKey) {
		return nil, errors.New("gateway: onboard: the key is not the trust anchor certificate's key")
	}
	switch role {
	case RoleCSCA, RoleUpload, RoleTLS:
	default:
		return nil, fmt.Errorf("gateway: onboard: role %q is not csca, upload or tls", role)
	}
	if err := checkOnboardCert(country, role, cert, now); err != nil {
		return nil, fmt.Errorf("gateway: onboard %s %s: %w", country, role, err)
	}
	rec := trust.OnboardingRecord{Country: country, Role: role, Certificate: cert.Raw, Thumbprint: Thumbprint(cert), Approved: now.UTC()}
	sig, err := trust.SignOnboarding(rec, anchorKey)
	if err != nil {
		return nil, err
	}
	e := &store.Entry{Kind: role, ID: rec.Thumbprint, Country: country, Thumbprint: thumb(cert.Raw), Data: cert.Raw, Signature: sig}
	a := &store.AuditRecord{Time: now, Action: "onboard." + role, Kind: role, ID: rec.Thumbprint, Request: sig}
	if err := st.Insert(ctx, e, a); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, fmt.Errorf("gateway: onboard: %s certificate %s is already onboarded", role, rec.Thumbprint)
		}
		return nil, err
	}
	info, _ := json.Marshal(map[string]any{"country": country, "onboarded": now.UTC()})
	ce := &store.Entry{Kind: store.KindCountry, ID: country, Country: country, Thumbprint: thumb(info), Data: info}
	if _, err := st.Get(ctx, store.KindCountry, country); errors.Is(err, store.ErrNotFound) {
		ca := &store.AuditRecord{Time: now, Action: "onboard.country", Kind: store.KindCountry, ID: country, Request: info}
		if err := st.Insert(ctx, ce, ca); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
	}
	return e, nil
}

// checkOnboardCert applies the DCC/GDHCN certificate governance
// (trust.CheckCertificate) to an onboarded certificate: the role's key,
// key usage, basic constraints and extended key usage, the subject country
// and validity at now.
func checkOnboardCert(country, role string, cert *x509.Certificate, now time.Time) error {
	return trust.CheckCertificate(cert, trust.Role(role), nil, trust.CheckOptions{Country: country, Now: now})
}

// SeedValueSets publishes the embedded value sets when the store lacks them
// or holds different content.
func (g *Gateway) SeedValueSets(ctx context.Context) error {
	for _, f := range valueset.Files() {
		old, err := g.store.Get(ctx, store.KindValueSet, f.Name)
		if err == nil && string(old.Data) == string(f.Data) {
			continue
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		e := &store.Entry{Kind: store.KindValueSet, ID: f.Name, Type: "tsv", Thumbprint: thumb(f.Data), Data: f.Data}
		a := &store.AuditRecord{Time: g.now(), Action: "valueset.publish", Kind: store.KindValueSet, ID: f.Name}
		if err := g.store.Replace(ctx, e, a); err != nil {
			return fmt.Errorf("gateway: seeding value set %s: %w", f.Name, err)
		}
	}
	return nil
}

// lookupOnboarded finds the live, anchor-signed onboarding entry of a
// certificate.
func (g *Gateway) lookupOnboarded(ctx context.Context, role string, cert *x509.Certificate) (*onboarded, error) {
	id := Thumbprint(cert)
	e, err := g.store.Get(ctx, role, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if e.Deleted {
		return nil, nil
	}
	key := role + "/" + id
	g.mu.Lock()
	o := g.certs[key]
	g.mu.Unlock()
	if o != nil && o.seq == e.Seq {
		return o, nil
	}
	rec, c, err := trust.VerifyOnboarding(e.Signature, g.anchor)
	if err != nil {
		g.log.Error("onboarding record refused", "kind", role, "id", id, "err", err)
		return nil, nil
	}
	if rec.Role != role || rec.Thumbprint != id || rec.Country != e.Country {
		g.log.Error("onboarding record does not match its entry", "kind", role, "id", id)
		return nil, nil
	}
	o = &onboarded{seq: e.Seq, country: rec.Country, cert: c}
	g.mu.Lock()
	g.certs[key] = o
	g.mu.Unlock()
	return o, nil
}

// Authenticate maps a TLS client certificate to a caller. It fails when no
// certificate was presented, the certificate is not an onboarded TLS
// certificate, or it is outside its validity.
func (g *Gateway) Authenticate(ctx context.Context, peer []*x509.Certificate) (*Caller, error) {
	if len(peer) == 0 {
		return nil, refuse(401, "unauthenticated", "a client TLS certificate is required to write")
	}
	c := peer[0]
	now := g.now()
	if now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return nil, refuse(401, "unauthenticated", "the client TLS certificate is not valid now (valid %s to %s)",
			c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
	}
	o, err := g.lookupOnboarded(ctx, RoleTLS, c)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, refuse(403, "unknown_client", "the client TLS certificate %s is not onboarded", Thumbprint(c))
	}
	sum := sha256.Sum256(c.Raw)
	return &Caller{Country: o.country, Fingerprint: sum[:]}, nil
}

// openUpload checks a CMS upload from caller and returns its content and
// the request bytes as stored.
func (g *Gateway) openUpload(ctx context.Context, caller *Caller, body []byte) ([]byte, error) {
	der, err := decodeCMSBody(body)
	if err != nil {
		return nil, err
	}
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, refuse(400, "bad_cms", "%v", err)
	}
	signer, err := sd.Verify(cms.VerifyOptions{})
	if err != nil {
		return nil, refuse(400, "bad_signature", "%v", err)
	}
	o, err := g.lookupOnboarded(ctx, RoleUpload, signer)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, refuse(403, "unknown_upload_certificate", "the CMS is signed by %q (%s), which is not an onboarded upload certificate",
			signer.Subject, Thumbprint(signer))
	}
	if o.country != caller.Country {
		return nil, refuse(403, "wrong_country", "the CMS is signed by an upload certificate of %s, but the TLS client is %s", o.country, caller.Country)
	}
	if signer.KeyUsage != 0 && signer.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, refuse(403, "bad_upload_certificate", "the upload certificate's key usage does not allow digital signatures")
	}
	now := g.now()
	if now.Before(signer.NotBefore) || now.After(signer.NotAfter) {
		return nil, refuse(400, "expired_upload_certificate", "the upload certificate is not valid now (valid %s to %s)",
			signer.NotBefore.UTC().Format(time.RFC3339), signer.NotAfter.UTC().Format(time.RFC3339))
	}
	if st := sd.SigningTime(); st.IsZero() {
		return nil, refuse(400, "bad_cms", "the CMS has no signing-time attribute")
	} else if d := now.Sub(st); d > g.uploadSkew || -d > g.uploadSkew {
		return nil, refuse(400, "stale_upload", "the CMS was signed at %s, more than %s from the gateway's time %s",
			st.UTC().Format(time.RFC3339), g.uploadSkew, now.UTC().Format(time.RFC3339))
	}
	return sd.Content, nil
}

// UploadSigner stores a document signer sent as CMS by caller.
func (g *Gateway) UploadSigner(ctx context.Context, caller *Caller, body []byte) (*store.Entry, error) {
	content, err := g.openUpload(ctx, caller, body)
	if err != nil {
		return nil, err
	}
	dsc, err := x509.ParseCertificate(content)
	if err != nil {
		return nil, refuse(400, "bad_certificate", "the CMS content is not a DER certificate: %v", err)
	}
	if err := g.checkSigner(ctx, caller.Country, dsc); err != nil {
		return nil, err
	}
	kid := trust.KID(dsc)
	id := base64.StdEncoding.EncodeToString(kid)
	e := &store.Entry{Kind: store.KindSigner, ID: id, Country: caller.Country, Type: "DSC", Thumbprint: thumb(dsc.Raw), Data: dsc.Raw, Signature: body}
	a := &store.AuditRecord{Time: g.now(), Country: caller.Country, Caller: caller.Fingerprint, Action: "signer.upload", Kind: store.KindSigner, ID: id, Request: body}
	if err := g.store.Insert(ctx, e, a); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, refuse(409, "duplicate_kid", "a signer with kid %s exists or existed (kids are never reused)", id)
		}
		if errors.Is(err, store.ErrInvalid) {
			return nil, refuse(400, "invalid", "%v", err)
		}
		return nil, err
	}
	g.metrics.writes.WithLabelValues("signer.upload").Inc()
	g.log.Info("signer uploaded", "country", caller.Country, "kid", id, "seq", e.Seq)
	return e, nil
}

// checkSigner applies the governance and chain checks to an uploaded DSC.
func (g *Gateway) checkSigner(ctx context.Context, country string, dsc *x509.Certificate) error {
	now := g.now()
	if now.Before(dsc.NotBefore) || now.After(dsc.NotAfter) {
		return refuse(400, "expired_certificate", "the document signer is not valid now (valid %s to %s)",
			dsc.NotBefore.UTC().Format(time.RFC3339), dsc.NotAfter.UTC().Format(time.RFC3339))
	}
	if err := trust.CheckPublicKey(dsc.PublicKey); err != nil {
		return refuse(400, "bad_certificate", "%v", err)
	}
	if dsc.IsCA {
		return refuse(400, "bad_certificate", "a document signer must not be a CA")
	}
	if c := certCountry(dsc); c != country {
		return refuse(403, "wrong_country", "the document signer's subject country is %q, the caller is %s", c, country)
	}
	cscas, _, err := g.store.List(ctx, store.Filter{Kinds: []string{store.KindCSCA}, Country: country})
	if err != nil {
		return err
	}
	var reasons []string
	for _, e := range cscas {
		csca, err := x509.ParseCertificate(e.Data)
		if err != nil {
			continue
		}
		if o, err := g.lookupOnboarded(ctx, RoleCSCA, csca); err != nil || o == nil {
			continue
		}
		if err := dsc.CheckSignatureFrom(csca); err != nil {
			reasons = append(reasons, fmt.Sprintf("not signed by %s", Thumbprint(csca)[:16]))
			continue
		}
		if dsc.NotBefore.Before(csca.NotBefore) || dsc.NotAfter.After(csca.NotAfter) {
			return refuse(400, "validity_not_nested", "the document signer's validity (%s to %s) exceeds its CSCA's (%s to %s)",
				dsc.NotBefore.UTC().Format(time.DateOnly), dsc.NotAfter.UTC().Format(time.DateOnly),
				csca.NotBefore.UTC().Format(time.DateOnly), csca.NotAfter.UTC().Format(time.DateOnly))
		}
		if err := trust.CheckCertificate(dsc, trust.RoleDSC, csca, trust.CheckOptions{Country: country, Now: now}); err != nil {
			return refuse(400, "governance", "%v", err)
		}
		return nil
	}
	if len(cscas) == 0 {
		return refuse(403, "no_csca", "%s has no onboarded CSCA", country)
	}
	return refuse(403, "not_chained", "the document signer does not chain to an onboarded CSCA of %s (%s)", country, strings.Join(reasons, "; "))
}

// DeleteSigner turns caller's signer named in the CMS body into a
// tombstone.
func (g *Gateway) DeleteSigner(ctx context.Context, caller *Caller, body []byte) (*store.Entry, error) {
	content, err := g.openUpload(ctx, caller, body)
	if err != nil {
		return nil, err
	}
	dsc, err := x509.ParseCertificate(content)
	if err != nil {
		return nil, refuse(400, "bad_certificate", "the CMS content is not a DER certificate: %v", err)
	}
	id := base64.StdEncoding.EncodeToString(trust.KID(dsc))
	old, err := g.store.Get(ctx, store.KindSigner, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuse(404, "not_found", "no signer with kid %s", id)
	}
	if err != nil {
		return nil, err
	}
	if old.Country != caller.Country {
		return nil, refuse(403, "wrong_country", "signer %s belongs to %s; %s cannot delete it", id, old.Country, caller.Country)
	}
	if string(old.Data) != string(dsc.Raw) {
		return nil, refuse(409, "kid_mismatch", "signer %s is a different certificate", id)
	}
	a := &store.AuditRecord{Time: g.now(), Country: caller.Country, Caller: caller.Fingerprint, Action: "signer.delete", Kind: store.KindSigner, ID: id, Request: body}
	e, err := g.store.Delete(ctx, store.KindSigner, id, body, a)
	if errors.Is(err, store.ErrDeleted) {
		return nil, refuse(410, "already_deleted", "signer %s is already deleted", id)
	}
	if err != nil {
		return nil, err
	}
	g.metrics.writes.WithLabelValues("signer.delete").Inc()
	g.log.Info("signer deleted", "country", caller.Country, "kid", id, "seq", e.Seq)
	return e, nil
}

// ListQuery selects a signed list.
type ListQuery struct {
	Kinds   []string
	Country string
	Type    string
	Since   int64
	// descriptions makes the list of revocation batch descriptions: the
	// entries without their signed uploads (a verifier fetches each
	// batch's CMS on its own), and a full list without expired batches.
	descriptions bool
}

func (q ListQuery) key() string {
	k := append([]string(nil), q.Kinds...)
	sort.Strings(k)
	return fmt.Sprintf("%s|%s|%s|%d|%t", strings.Join(k, ","), q.Country, q.Type, q.Since, q.descriptions)
}

// maxCachedLists bounds the signed-list cache.
const maxCachedLists = 256

// SignedList returns the signed list q selects and the version it was read
// at. A list is signed once per version and query, then served from memory.
func (g *Gateway) SignedList(ctx context.Context, q ListQuery) ([]byte, int64, error) {
	version, err := g.store.Version(ctx)
	if err != nil {
		return nil, 0, err
	}
	key := q.key()
	g.mu.Lock()
	c := g.lists[key]
	g.mu.Unlock()
	if c != nil && c.version == version {
		return c.data, c.version, nil
	}
	entries, version, err := g.store.List(ctx, store.Filter{Kinds: q.Kinds, Country: q.Country, Type: q.Type, Since: q.Since, Deleted: q.Since > 0})
	if err != nil {
		return nil, 0, err
	}
	markers, _, err := g.store.List(ctx, store.Filter{Kinds: []string{KindMarker}})
	if err != nil {
		return nil, 0, err
	}
	var epoch int64
	if len(markers) > 0 {
		epoch = markers[len(markers)-1].Seq
	}
	l := trust.List{Format: trust.ListFormat, Version: version, Since: q.Since, Epoch: epoch, Issued: g.now().UTC(),
		Kinds: q.Kinds, Country: q.Country, Type: q.Type, Entries: make([]trust.ListEntry, 0, len(entries))}
	for _, e := range entries {
		le := trust.ListEntry{Seq: e.Seq, Kind: e.Kind, ID: e.ID, Country: e.Country, Type: e.Type,
			Thumbprint: hex.EncodeToString(e.Thumbprint), Data: e.Data, Signature: e.Signature, Timestamp: e.Updated.UTC(), Deleted: e.Deleted}
		if q.descriptions {
			if q.Since == 0 && expiredBatch(e, l.Issued) {
				continue
			}
			le.Signature = nil
		}
		l.Entries = append(l.Entries, le)
	}
	payload, err := json.Marshal(l)
	if err != nil {
		return nil, 0, err
	}
	data, err := trust.SignJWS(payload, trust.ListType, g.listKey, g.listCert)
	if err != nil {
		return nil, 0, err
	}
	g.metrics.listBuilds.Inc()
	g.mu.Lock()
	if len(g.lists) >= maxCachedLists {
		for k := range g.lists {
			delete(g.lists, k)
			break
		}
	}
	g.lists[key] = &signedList{version: version, data: data}
	g.mu.Unlock()
	return data, version, nil
}

// Audit returns the audit log.
func (g *Gateway) Audit(ctx context.Context, f store.AuditFilter) ([]*store.AuditRecord, error) {
	return g.store.Audit(ctx, f)
}

func thumb(data []byte) []byte {
	sum := sha256.Sum256(data)
	return sum[:]
}

func certCountry(c *x509.Certificate) string {
	if len(c.Subject.Country) == 0 {
		return ""
	}
	return strings.ToUpper(c.Subject.Country[0])
}

func validCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

func samePublicKey(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// decodeCMSBody accepts a CMS as DER or as base64 (the EU gateway's
// national backends send base64 with Content-Type application/cms).
func decodeCMSBody(body []byte) ([]byte, error) {
	if len(body) == 0 {
		return nil, refuse(400, "bad_cms", "empty body: a CMS SignedData is required")
	}
	if body[0] == 0x30 {
		return body, nil
	}
	s := strings.Join(strings.Fields(string(body)), "")
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, refuse(400, "bad_cms", "the body is neither DER nor base64: %v", err)
	}
	return der, nil
}

// Offboard withdraws an onboarded certificate (CSCA, upload or TLS) named
// by its hex SHA-256 thumbprint: its entry becomes a tombstone, so it no
// longer authenticates or signs uploads, and verifiers drop it (and every
// signer chained only to it) at their next sync. It is the operator's
// command, run on the gateway host.
func Offboard(ctx context.Context, st store.Store, thumbprint string, now time.Time) (*store.Entry, error) {
	thumbprint = strings.ToLower(thumbprint)
	for _, role := range []string{RoleCSCA, RoleUpload, RoleTLS} {
		e, err := st.Get(ctx, role, thumbprint)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if e.Deleted {
			return nil, fmt.Errorf("gateway: offboard: %s certificate %s is already withdrawn", role, thumbprint)
		}
		a := &store.AuditRecord{Time: now, Country: "", Action: "offboard." + role, Kind: role, ID: thumbprint, Request: []byte(thumbprint)}
		return st.Delete(ctx, role, thumbprint, e.Signature, a)
	}
	return nil, fmt.Errorf("gateway: offboard: no onboarded certificate with thumbprint %s", thumbprint)
}

// KindMarker is the kind of the entry Advance writes: it is in no list.
const KindMarker = "marker"

// Advance raises the store's version to version, above its current one,
// by writing a marker entry there with its audit record. It is the
// operator's repair after restoring a backup (docs/operations.md): the
// restored store's version is below the highest one verifiers have seen,
// so they refuse its lists as a rollback, and writes would reuse versions
// they already hold. Advance to at least that highest version; the writes
// lost with the restore must then be made again (deletions first), and
// verifiers receive them as changes. It is run on the gateway host, like
// Onboard.
func Advance(ctx context.Context, st store.Store, version int64, reason string, now time.Time) (*store.Entry, error) {
	cur, err := st.Version(ctx)
	if err != nil {
		return nil, err
	}
	if version <= cur {
		return nil, fmt.Errorf("gateway: advance: the store is at version %d already; give a version above it (the highest version verifiers have seen)", cur)
	}
	info, err := json.Marshal(map[string]any{"advanced_from": cur, "advanced_to": version, "reason": reason, "time": now.UTC()})
	if err != nil {
		return nil, err
	}
	id := fmt.Sprintf("advance-%d", version)
	e := &store.Entry{Kind: KindMarker, ID: id, Type: "advance", Thumbprint: thumb(info), Data: info}
	a := &store.AuditRecord{Time: now, Action: "store.advance", Kind: KindMarker, ID: id, Request: info}
	if err := st.Advance(ctx, version, e, a); err != nil {
		return nil, fmt.Errorf("gateway: advance: %w", err)
	}
	return e, nil
}
