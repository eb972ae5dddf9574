package verify

import (
	"encoding/base64"
	"sync"
	"testing"
	"time"

	"github.com/ithc/ithc/shc"
)

// recordingChecker revokes the queries whose rid it lists and records
// every query.
type recordingChecker struct {
	mu      sync.Mutex
	queries []RevocationQuery
	revoke  map[string]*Revocation
}

func (c *recordingChecker) Revoked(q *RevocationQuery) *Revocation {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := *q
	cp.KID = append([]byte(nil), q.KID...)
	c.queries = append(c.queries, cp)
	return c.revoke[q.RID]
}

// A verified SMART Health Card with a rid is looked up with its issuer,
// key thumbprint, rid and nbf, and refused as revoked at stage
// revocation when the checker says so; a card without a rid is not
// looked up.
func TestVerifySHCRevocation(t *testing.T) {
	date := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	rc := &recordingChecker{revoke: map[string]*Revocation{
		"revokedRid": {Batch: "AT-20260301-1", Kind: "rid", Reason: "issued in error", Date: date},
	}}
	m := newMulti(t, Options{Now: now, ClockSkew: DefaultClockSkew, Revocation: rc})
	issue := func(rid string) string {
		bundle, err := shc.FromCertificate(nativeCert())
		if err != nil {
			t.Fatal(err)
		}
		jws, err := shc.Issue(bundle, m.shcKey, shc.IssueOptions{Issuer: testIss, IssuedAt: iat, Rid: rid})
		if err != nil {
			t.Fatal(err)
		}
		return jws
	}
	kid, _ := shc.Thumbprint(&m.shcKey.PublicKey)

	r := m.v.Verify(qr(t, issue("revokedRid")))
	if r.Status != StatusRevoked || r.Stage != StageRevocation || r.Format != FormatSHC || r.Revocation == nil ||
		r.Revocation.Batch != "AT-20260301-1" || r.Revocation.Kind != "rid" {
		t.Fatalf("revoked card: %s at %s (%s), revocation %+v", r.Status, r.Stage, r.Detail, r.Revocation)
	}
	if want := "entry of kind rid in batch AT-20260301-1, revoked 2026-03-01: issued in error"; r.Detail != want {
		t.Errorf("Detail = %q, want %q", r.Detail, want)
	}
	if r.Signer == nil || r.Signer.KID != kid {
		t.Errorf("Signer = %+v", r.Signer)
	}
	if len(rc.queries) != 1 {
		t.Fatalf("%d queries, want 1", len(rc.queries))
	}
	q := rc.queries[0]
	if q.Format != FormatSHC || q.Issuer != testIss || q.RID != "revokedRid" || !q.IssuedAt.Equal(iat.Truncate(time.Millisecond)) ||
		base64.RawURLEncoding.EncodeToString(q.KID) != kid {
		t.Errorf("query = %+v (kid %s), want issuer %s, rid revokedRid, nbf %s, kid %s", q, base64.RawURLEncoding.EncodeToString(q.KID), testIss, iat, kid)
	}

	if r := m.v.Verify(issue("otherRid")); r.Status != StatusVerified || r.Revocation != nil {
		t.Errorf("card of another rid: %s (%s)", r.Status, r.Detail)
	}
	if len(rc.queries) != 2 {
		t.Errorf("%d queries, want 2", len(rc.queries))
	}
	if r := m.v.Verify(issue("")); r.Status != StatusVerified {
		t.Errorf("card without rid: %s (%s)", r.Status, r.Detail)
	}
	if len(rc.queries) != 2 {
		t.Errorf("a card without rid was looked up: %+v", rc.queries[len(rc.queries)-1])
	}
	// A card whose signature does not verify is not looked up.
	bad := issue("revokedRid")
	bad = bad[:len(bad)-4] + "AAAA"
	if r := m.v.Verify(bad); r.Status == StatusRevoked || len(rc.queries) != 2 {
		t.Errorf("a card with a broken signature: %s, %d queries", r.Status, len(rc.queries))
	}
}
