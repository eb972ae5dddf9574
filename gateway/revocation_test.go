package gateway_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway"
	"github.com/ithc/ithc/gateway/client"
	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/internal/testca"
	"github.com/ithc/ithc/revocation"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verifier"
	"github.com/ithc/ithc/verify"
)

// sampleUCI is the certificate identifier of the codes signCode makes.
var sampleUCI = testca.SampleDCC().Vaccinations[0].ID

// revBatch makes a batch of c revoking entries of signer dsc.
func revBatch(t testing.TB, c *country, id string, dsc *x509.Certificate, typ string, entries ...revocation.Hash) *revocation.Batch {
	t.Helper()
	now := time.Now()
	b, err := revocation.NewBatch(revocation.Header{ID: id, Country: c.code, KID: base64.StdEncoding.EncodeToString(trust.KID(dsc)),
		HashType: typ, Created: now.Add(-time.Minute), Expires: now.AddDate(1, 0, 0), Reason: "issued in error"}, entries)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signersUp onboards the countries on w, serves it, and uploads each
// country's document signer; it returns the gateway's URL and a client
// per country.
func signersUp(t testing.TB, w *world, cs ...*country) (string, []*client.Client) {
	t.Helper()
	for _, c := range cs {
		w.onboard(t, c)
	}
	url := w.serve(t)
	clients := make([]*client.Client, len(cs))
	for i, c := range cs {
		clients[i] = w.client(c, url)
		if _, err := clients[i].UploadSigner(context.Background(), c.pki.DSC); err != nil {
			t.Fatal(err)
		}
	}
	return url, clients
}

// syncAll syncs the trust list and the revocation data into dir.
func (w *world) syncAll(t testing.TB, url, dir string) *verifier.RevocationSyncResult {
	t.Helper()
	if _, err := w.sync(t, url, dir); err != nil {
		t.Fatal(err)
	}
	res, err := verifier.SyncRevocation(context.Background(), verifier.RevocationSyncOptions{SyncOptions: verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: dir, Client: w.httpClient()}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// verifyRevoked verifies text against the trust and revocation copies in
// dir.
func verifyRevoked(t testing.TB, dir, text string) *verify.Result {
	t.Helper()
	return verifySHC(t, dir, nil, text)
}

// A revoked certificate verifies before the revocation and as revoked
// after the next sync, with the batch's reason and date, for each hash
// type; deleting the batch un-revokes it at the next sync.
func TestRevocationRevokeSyncDelete(t *testing.T) {
	stores(t, func(t *testing.T, storeURL string) {
		w := newWorld(t, storeURL)
		cn, fr := newCountry(t, "CN"), newCountry(t, "FR")
		w.onboard(t, cn)
		w.onboard(t, fr)
		url := w.serve(t)
		cc := w.client(cn, url)
		if _, err := cc.UploadSigner(context.Background(), cn.pki.DSC); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "fr")
		code := signCode(t, "CN", cn.pki.DSC, cn.pki.DSCKey)
		other := signCode(t, "CN", cn.pki.DSC, cn.pki.DSCKey) // same UCI, another signature
		res := w.syncAll(t, url, dir)
		if res.Batches != 0 {
			t.Fatalf("first sync: %+v", res)
		}
		if r := verifyRevoked(t, dir, code); r.Status != verify.StatusVerified {
			t.Fatalf("before any revocation: %s (%s)", r.Status, r.Detail)
		}

		parsed, err := hc1.Parse(code)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			typ   string
			entry revocation.Hash
			// otherRevoked: whether the other code (same UCI) is revoked too.
			otherRevoked bool
		}{
			{"UCI", revocation.HashOfUCI(sampleUCI), true},
			{"COUNTRYCODEUCI", revocation.HashOfCountryUCI("CN", sampleUCI), true},
			{"SIGNATURE", revocation.HashOfSignature(parsed.Signature, true), false},
		} {
			id := "batch-" + strings.ToLower(tc.typ)
			wr, err := cc.UploadRevocation(context.Background(), revBatch(t, cn, id, cn.pki.DSC, tc.typ, tc.entry, revocation.HashOfUCI("unrelated")))
			if err != nil {
				t.Fatalf("%s: %v", tc.typ, err)
			}
			if wr.Kind != store.KindRevocation || wr.ID != id || wr.Country != "CN" {
				t.Errorf("%s: upload answer %+v", tc.typ, wr)
			}
			res := w.syncAll(t, url, dir)
			if !res.Incremental || res.Fetched != 1 || res.Batches != 1 {
				t.Errorf("%s: sync after the upload: %+v, want one batch fetched incrementally", tc.typ, res)
			}
			r := verifyRevoked(t, dir, code)
			if r.Status != verify.StatusRevoked || r.Revocation == nil || r.Revocation.Batch != id ||
				r.Revocation.Kind != strings.ToLower(tc.typ) || r.Revocation.Reason != "issued in error" {
				t.Fatalf("%s: after the revocation: %s %+v (%s), want revoked by %s", tc.typ, r.Status, r.Revocation, r.Detail, id)
			}
			if r := verifyRevoked(t, dir, other); (r.Status == verify.StatusRevoked) != tc.otherRevoked {
				t.Errorf("%s: the other code of the same UCI: %s", tc.typ, r.Status)
			}

			if _, err := cc.DeleteRevocation(context.Background(), "CN", id); err != nil {
				t.Fatalf("%s: delete: %v", tc.typ, err)
			}
			res = w.syncAll(t, url, dir)
			if res.Batches != 0 || res.Removed != 1 {
				t.Errorf("%s: sync after the delete: %+v", tc.typ, res)
			}
			if r := verifyRevoked(t, dir, code); r.Status != verify.StatusVerified {
				t.Fatalf("%s: after the delete: %s (%s), want verified", tc.typ, r.Status, r.Detail)
			}
		}

		// Every batch write is in the audit log with its signed request.
		var ups, dels int
		for _, a := range w.audit(t) {
			switch a.Action {
			case "revocation.upload":
				ups++
			case "revocation.delete":
				dels++
			}
			if a.Kind == store.KindRevocation && (a.Country != "CN" || len(a.Request) == 0) {
				t.Errorf("audit record %+v", a)
			}
		}
		if ups != 3 || dels != 3 {
			t.Errorf("audit: %d uploads, %d deletes, want 3 and 3", ups, dels)
		}
	})
}

// Country B cannot revoke A's certificates nor delete A's batches;
// replayed, stale, expired and malformed uploads are refused.
func TestRevocationRefusals(t *testing.T) {
	w := newWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "gateway.db"))
	cn, fr := newCountry(t, "CN"), newCountry(t, "FR")
	w.onboard(t, cn)
	w.onboard(t, fr)
	url := w.serve(t)
	cc, fc := w.client(cn, url), w.client(fr, url)
	ctx := context.Background()
	if _, err := cc.UploadSigner(ctx, cn.pki.DSC); err != nil {
		t.Fatal(err)
	}
	if _, err := fc.UploadSigner(ctx, fr.pki.DSC); err != nil {
		t.Fatal(err)
	}
	entry := revocation.HashOfUCI(sampleUCI)
	good := revBatch(t, cn, "cn-1", cn.pki.DSC, "UCI", entry)
	if _, err := cc.UploadRevocation(ctx, good); err != nil {
		t.Fatal(err)
	}
	v0 := w.version(t)

	expired := revBatch(t, cn, "cn-expired", cn.pki.DSC, "UCI", entry)
	expired.Created, expired.Expires = time.Now().AddDate(-1, 0, 0).Truncate(time.Second), time.Now().Add(-time.Hour).Truncate(time.Second)
	unknownKID := revBatch(t, cn, "cn-unknown", cn.pki.DSC, "UCI", entry)
	unknownKID.KID = base64.StdEncoding.EncodeToString([]byte("notakid!"))
	stale := *cc
	stale.Now = func() time.Time { return time.Now().Add(-48 * time.Hour) }
	replay, err := cc.Sign(good.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func() (*client.Written, error)
		code string
	}{
		// FR names CN's signer in a batch of its own country.
		{"other country's signer", func() (*client.Written, error) {
			b := revBatch(t, fr, "fr-1", cn.pki.DSC, "UCI", entry)
			return fc.UploadRevocation(ctx, b)
		}, "wrong_country"},
		// FR claims to be CN in the batch.
		{"other country's batch", func() (*client.Written, error) {
			return fc.UploadRevocation(ctx, revBatch(t, cn, "fr-2", cn.pki.DSC, "UCI", entry))
		}, "wrong_country"},
		{"delete other country's batch", func() (*client.Written, error) { return fc.DeleteRevocation(ctx, "FR", "cn-1") }, "wrong_country"},
		{"delete naming other country", func() (*client.Written, error) { return fc.DeleteRevocation(ctx, "CN", "cn-1") }, "wrong_country"},
		{"replayed upload", func() (*client.Written, error) {
			return cc.Send(ctx, http.MethodPost, "/v1/revocation/batches", replay)
		}, "duplicate_batch"},
		{"stale upload", func() (*client.Written, error) {
			return stale.UploadRevocation(ctx, revBatch(t, cn, "cn-stale", cn.pki.DSC, "UCI", entry))
		}, "stale_upload"},
		{"expired batch", func() (*client.Written, error) { return cc.UploadRevocation(ctx, expired) }, "expired_batch"},
		{"unknown kid", func() (*client.Written, error) { return cc.UploadRevocation(ctx, unknownKID) }, "unknown_signer"},
		{"not a batch", func() (*client.Written, error) {
			body, err := cc.Sign([]byte("hello"))
			if err != nil {
				return nil, err
			}
			return cc.Send(ctx, http.MethodPost, "/v1/revocation/batches", body)
		}, "bad_batch"},
		{"delete unknown", func() (*client.Written, error) { return cc.DeleteRevocation(ctx, "CN", "nope") }, "not_found"},
	} {
		_, err := tc.do()
		var ge *client.Error
		if !errors.As(err, &ge) || ge.Code != tc.code {
			t.Errorf("%s: %v, want the refusal %s", tc.name, err, tc.code)
		}
	}
	if v := w.version(t); v != v0 {
		t.Errorf("refused writes changed the store: version %d, was %d", v, v0)
	}
	if _, err := cc.DeleteRevocation(ctx, "CN", "cn-1"); err != nil {
		t.Fatal(err)
	}
	var ge *client.Error
	if _, err := cc.DeleteRevocation(ctx, "CN", "cn-1"); !errors.As(err, &ge) || ge.Code != "already_deleted" {
		t.Errorf("second delete: %v", err)
	}
	// A deleted batch's identifier is not reused.
	if _, err := cc.UploadRevocation(ctx, revBatch(t, cn, "cn-1", cn.pki.DSC, "UCI", entry)); !errors.As(err, &ge) || ge.Code != "duplicate_batch" {
		t.Errorf("reusing a deleted batch's identifier: %v", err)
	}
}

// Batches are dropped once expired: a verifier whose clock is past a
// batch's expiry does not keep it, and its certificate verifies.
func TestRevocationExpiredDropped(t *testing.T) {
	w := newWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "gateway.db"))
	cn := newCountry(t, "CN")
	url, cs := signersUp(t, w, cn)
	cc := cs[0]
	ctx := context.Background()
	short := revBatch(t, cn, "short", cn.pki.DSC, "UCI", revocation.HashOfUCI(sampleUCI))
	short.Expires = time.Now().Add(2 * time.Hour).Truncate(time.Second)
	long := revBatch(t, cn, "long", cn.pki.DSC, "UCI", revocation.HashOfUCI("another"))
	for _, b := range []*revocation.Batch{short, long} {
		if _, err := cc.UploadRevocation(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "v")
	if res := w.syncAll(t, url, dir); res.Batches != 2 {
		t.Fatalf("sync now: %+v", res)
	}
	code := signCode(t, "CN", cn.pki.DSC, cn.pki.DSCKey)
	if r := verifyRevoked(t, dir, code); r.Status != verify.StatusRevoked {
		t.Fatalf("before expiry: %s", r.Status)
	}
	later := func() time.Time { return time.Now().Add(3 * time.Hour) }
	res, err := verifier.SyncRevocation(ctx, verifier.RevocationSyncOptions{SyncOptions: verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: dir, Client: w.httpClient(), Now: later, Full: true}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Batches != 1 {
		t.Errorf("sync after expiry holds %d batches, want 1", res.Batches)
	}
	idx, _, err := verifier.LoadRevocation(dir, later())
	if err != nil {
		t.Fatal(err)
	}
	if s := idx.Stats(); s.Batches != 1 {
		t.Errorf("loaded index: %+v", s)
	}
	// An index asked at a later time ignores the expired batch even
	// before a sync drops it.
	idx2, _, err := verifier.LoadRevocation(dir+"-none", later())
	if idx2 != nil || err != nil {
		t.Errorf("LoadRevocation of a directory without revocation data: %v, %v", idx2, err)
	}
}

// A static export serves the revocation list and batches; a verifier
// syncs from it as from the gateway. A live index is updated in place by
// incremental syncs.
func TestRevocationExportAndLiveIndex(t *testing.T) {
	w := newWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "gateway.db"))
	cn := newCountry(t, "CN")
	url, cs := signersUp(t, w, cn)
	cc := cs[0]
	ctx := context.Background()
	if _, err := cc.UploadRevocation(ctx, revBatch(t, cn, "b1", cn.pki.DSC, "UCI", revocation.HashOfUCI(sampleUCI))); err != nil {
		t.Fatal(err)
	}
	exp := t.TempDir()
	st := w.gatewayCore(t)
	if _, files, err := st.Export(ctx, exp); err != nil {
		t.Fatal(err)
	} else if !slices.Contains(files, "v1/revocation/list") || !slices.Contains(files, "v1/revocation/batches/b1") {
		t.Errorf("export files %v", files)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(exp)))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "static")
	if _, err := verifier.Sync(ctx, verifier.SyncOptions{URL: srv.URL, Anchor: w.anchor, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	res, err := verifier.SyncRevocation(ctx, verifier.RevocationSyncOptions{SyncOptions: verifier.SyncOptions{URL: srv.URL, Anchor: w.anchor, Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Batches != 1 || res.Incremental {
		t.Errorf("sync from the export: %+v", res)
	}
	code := signCode(t, "CN", cn.pki.DSC, cn.pki.DSCKey)
	if r := verifyRevoked(t, dir, code); r.Status != verify.StatusRevoked {
		t.Errorf("after a sync from the export: %s", r.Status)
	}

	// Live index: synced from the gateway, updated in place.
	live := filepath.Join(t.TempDir(), "live")
	w.syncAll(t, url, live)
	idx, _, err := verifier.LoadRevocation(live, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ts, _, _, err := trust.LoadSynced(live)
	if err != nil {
		t.Fatal(err)
	}
	v := verify.New(ts, verify.Options{Revocation: idx})
	if r := v.Verify(code); r.Status != verify.StatusRevoked {
		t.Fatalf("live index: %s", r.Status)
	}
	if _, err := cc.DeleteRevocation(ctx, "CN", "b1"); err != nil {
		t.Fatal(err)
	}
	if _, err := verifier.SyncRevocation(ctx, verifier.RevocationSyncOptions{SyncOptions: verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: live, Client: w.httpClient()}, Index: idx}); err != nil {
		t.Fatal(err)
	}
	if r := v.Verify(code); r.Status != verify.StatusVerified {
		t.Errorf("live index after the delete: %s", r.Status)
	}
	if _, err := cc.UploadRevocation(ctx, revBatch(t, cn, "b2", cn.pki.DSC, "COUNTRYCODEUCI", revocation.HashOfCountryUCI("CN", sampleUCI))); err != nil {
		t.Fatal(err)
	}
	if _, err := verifier.SyncRevocation(ctx, verifier.RevocationSyncOptions{SyncOptions: verifier.SyncOptions{URL: url, Anchor: w.anchor, Dir: live, Client: w.httpClient()}, Index: idx}); err != nil {
		t.Fatal(err)
	}
	if r := v.Verify(code); r.Status != verify.StatusRevoked || r.Revocation.Batch != "b2" {
		t.Errorf("live index after a new batch: %s %+v", r.Status, r.Revocation)
	}
	// The previous good copy is kept beside the current one.
	if _, err := os.Stat(filepath.Join(live, verifier.DirRevocation+".prev", revocation.FileState)); err != nil {
		t.Errorf("previous copy: %v", err)
	}
}

// gatewayCore opens the world's store and returns a gateway core on it
// (for Export).
func (w *world) gatewayCore(t testing.TB) *gateway.Gateway {
	t.Helper()
	st := w.openStore(t)
	t.Cleanup(func() { st.Close() })
	g, err := gateway.FromConfig(w.cfg, st, openKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// A batch of the largest size goes through both stores and reaches a
// verifier; one entry more is refused by the client before sending.
func TestRevocationLargestBatch(t *testing.T) {
	stores(t, func(t *testing.T, storeURL string) {
		w := newWorld(t, storeURL)
		cn := newCountry(t, "CN")
		url, cs := signersUp(t, w, cn)
		cc := cs[0]
		ctx := context.Background()
		entries := make([]revocation.Hash, limits.MaxRevocationBatchEntries)
		buf := make([]byte, 16*len(entries))
		rand.Read(buf)
		for i := range entries {
			copy(entries[i][:], buf[16*i:])
		}
		entries[0] = revocation.HashOfUCI(sampleUCI)
		if _, err := cc.UploadRevocation(ctx, revBatch(t, cn, "big", cn.pki.DSC, "UCI", entries...)); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "v")
		if res := w.syncAll(t, url, dir); res.Entries != limits.MaxRevocationBatchEntries {
			t.Fatalf("sync: %+v", res)
		}
		if r := verifyRevoked(t, dir, signCode(t, "CN", cn.pki.DSC, cn.pki.DSCKey)); r.Status != verify.StatusRevoked {
			t.Errorf("status %s", r.Status)
		}
		var one revocation.Hash
		one[0] = 1
		if _, err := revocation.NewBatch(revBatch(t, cn, "x", cn.pki.DSC, "UCI", one).Header, append(entries, one)); err == nil {
			t.Error("a batch of more than the largest size was built")
		}
	})
}

// A verifier refuses a batch whose CMS is not the one the signed list
// describes (a tampering mirror) and keeps its previous copy.
func TestRevocationTamperedBatch(t *testing.T) {
	w := newWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "gateway.db"))
	cn, fr := newCountry(t, "CN"), newCountry(t, "FR")
	_, cs := signersUp(t, w, cn, fr)
	cc, fc := cs[0], cs[1]
	ctx := context.Background()
	b1 := revBatch(t, cn, "b1", cn.pki.DSC, "UCI", revocation.HashOfUCI(sampleUCI))
	if _, err := cc.UploadRevocation(ctx, b1); err != nil {
		t.Fatal(err)
	}
	if _, err := fc.UploadRevocation(ctx, revBatch(t, fr, "f1", fr.pki.DSC, "UCI", revocation.HashOfUCI("x"))); err != nil {
		t.Fatal(err)
	}
	exp := t.TempDir()
	if _, _, err := w.gatewayCore(t).Export(ctx, exp); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(exp)))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "v")
	if _, err := verifier.Sync(ctx, verifier.SyncOptions{URL: srv.URL, Anchor: w.anchor, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := verifier.SyncRevocation(ctx, verifier.RevocationSyncOptions{SyncOptions: verifier.SyncOptions{URL: srv.URL, Anchor: w.anchor, Dir: dir}}); err != nil {
		t.Fatal(err)
	}
	// The mirror serves FR's upload of the same body in place of CN's:
	// the same content, signed by the wrong country.
	forged, err := fc.Sign(b1.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"another country's CMS", forged, "not an onboarded upload certificate of CN"},
		{"garbage", []byte("0123456789"), "bytes, the list says"},
	} {
		pad := tc.data
		if tc.name != "garbage" {
			// Same size as the original, so the size check passes.
			orig, _ := os.ReadFile(filepath.Join(exp, "v1/revocation/batches/b1"))
			if len(pad) != len(orig) {
				t.Logf("%s: %d bytes vs %d; the size check refuses it first", tc.name, len(pad), len(orig))
				tc.want = "bytes, the list says"
			}
		}
		if err := os.WriteFile(filepath.Join(exp, "v1/revocation/batches/b1"), pad, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := verifier.SyncRevocation(ctx, verifier.RevocationSyncOptions{SyncOptions: verifier.SyncOptions{URL: srv.URL, Anchor: w.anchor, Dir: dir, Full: true}})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "keeping the local copy") {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
		if r := verifyRevoked(t, dir, signCode(t, "CN", cn.pki.DSC, cn.pki.DSCKey)); r.Status != verify.StatusRevoked {
			t.Errorf("%s: the previous copy was not kept: %s", tc.name, r.Status)
		}
	}
}
