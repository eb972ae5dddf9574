package gateway_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/envelope"
	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verify"
)

// newEncryptionKey makes a recipient key of country valid from notBefore to
// notAfter.
func newEncryptionKey(t *testing.T, country string, notBefore, notAfter time.Time) (*ecdh.PrivateKey, *envelope.KeyRecord) {
	t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := envelope.NewKeyRecord(country, priv.PublicKey(), notBefore, notAfter)
	if err != nil {
		t.Fatal(err)
	}
	return priv, rec
}

// A country publishes its recipient key; an issuer syncs, encrypts a code
// for it; a verifier of that country syncs, decrypts and verifies; another
// country cannot read it. Then the key rotates and the old one is
// withdrawn.
func TestEncryptionKeysUploadSyncOpen(t *testing.T) {
	stores(t, func(t *testing.T, storeURL string) {
		ctx := context.Background()
		w := newWorld(t, storeURL)
		xa, xb, xc := newCountry(t, "XA"), newCountry(t, "XB"), newCountry(t, "XC")
		for _, c := range []*country{xa, xb, xc} {
			w.onboard(t, c)
		}
		url := w.serve(t)
		if _, err := w.client(xa, url).UploadSigner(ctx, xa.pki.DSC); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		xbKey, xbRec := newEncryptionKey(t, "XB", now.Add(-time.Hour), now.AddDate(1, 0, 0))
		wr, err := w.client(xb, url).UploadEncryptionKey(ctx, xbRec.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		if wr.Kind != store.KindEncryption || wr.ID != envelope.KIDString(xbRec.KID) || wr.Country != "XB" {
			t.Errorf("upload answered %+v", wr)
		}
		xcKey, xcRec := newEncryptionKey(t, "XC", now.Add(-time.Hour), now.AddDate(1, 0, 0))
		if _, err := w.client(xc, url).UploadEncryptionKey(ctx, xcRec.Marshal()); err != nil {
			t.Fatal(err)
		}

		// The issuer (XA) syncs the trust list and encrypts for XB.
		xaDir := filepath.Join(t.TempDir(), "xa-trust")
		if _, err := w.sync(t, url, xaDir); err != nil {
			t.Fatal(err)
		}
		ring, problems, err := envelope.LoadSyncedKeys(xaDir)
		if err != nil || len(problems) > 0 {
			t.Fatalf("LoadSyncedKeys() = %v, problems %v", err, problems)
		}
		if len(ring.Records()) != 2 {
			t.Fatalf("the synced list has %d recipient keys, want 2", len(ring.Records()))
		}
		rs, err := ring.Recipients([]string{"XB"}, now)
		if err != nil {
			t.Fatal(err)
		}
		code := signCode(t, "XA", xa.pki.DSC, xa.pki.DSCKey)
		encrypted, err := envelope.Seal(code, rs, envelope.SealOptions{})
		if err != nil {
			t.Fatal(err)
		}

		// XB's verifier syncs and verifies; XC's cannot read the code.
		xbDir := filepath.Join(t.TempDir(), "xb-trust")
		if _, err := w.sync(t, url, xbDir); err != nil {
			t.Fatal(err)
		}
		open := func(c string, key *ecdh.PrivateKey) *verify.Result {
			st, _, _, err := trust.LoadSynced(xbDir)
			if err != nil {
				t.Fatal(err)
			}
			known, _, _ := envelope.LoadSyncedKeys(xbDir)
			o, err := envelope.NewOpener([]envelope.OpenKey{{Country: c, Key: key}}, known)
			if err != nil {
				t.Fatal(err)
			}
			return verify.New(st, verify.Options{Decrypter: o, ClockSkew: verify.DefaultClockSkew}).Verify(encrypted)
		}
		if r := open("XB", xbKey); r.Status != verify.StatusVerified || r.Encryption == nil || r.Encryption.Recipients[0] != "XB" {
			t.Fatalf("XB: Verify() = %s (%s), encryption %+v; want verified", r.Status, r.Detail, r.Encryption)
		}
		if r := open("XC", xcKey); r.Status != verify.StatusDecryptionFailed || !strings.Contains(r.Detail, "encrypted for XB (kid") {
			t.Errorf("XC: Verify() = %s (%s), want decryption_failed naming XB", r.Status, r.Detail)
		}

		// Rotation: XB publishes its next key; both are listed, issuers
		// pick the newer, and XB's verifiers read codes for either.
		nextKey, nextRec := newEncryptionKey(t, "XB", now.Add(-time.Minute), now.AddDate(1, 6, 0))
		if _, err := w.client(xb, url).UploadEncryptionKey(ctx, nextRec.Marshal()); err != nil {
			t.Fatal(err)
		}
		if _, err := w.sync(t, url, xaDir); err != nil {
			t.Fatal(err)
		}
		ring, _, _ = envelope.LoadSyncedKeys(xaDir)
		if sel, err := ring.Select("XB", now); err != nil || sel.Country != "XB" || envelope.KIDString(sel.KID) != envelope.KIDString(nextRec.KID) {
			t.Errorf("Select(XB) during the overlap = %v, %v; want the new key", sel, err)
		}
		o, err := envelope.NewOpener([]envelope.OpenKey{{Key: nextKey}, {Key: xbKey}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range []*envelope.KeyRecord{xbRec, nextRec} {
			text, err := envelope.Seal(code, []envelope.Recipient{rec.Recipient()}, envelope.SealOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := o.Open(text); err != nil {
				t.Errorf("Open() of a code for %s with both keys: %v", envelope.KIDString(rec.KID), err)
			}
		}

		// Withdrawing the old key removes it from the next sync.
		if wr, err := w.client(xb, url).DeleteEncryptionKey(ctx, xbRec.Marshal()); err != nil || !wr.Deleted {
			t.Fatalf("DeleteEncryptionKey() = %+v, %v", wr, err)
		}
		if _, err := w.client(xb, url).DeleteEncryptionKey(ctx, xbRec.Marshal()); err == nil {
			t.Errorf("deleting twice succeeded")
		} else {
			wantRefusal(t, "second delete", err, 410, "already_deleted")
		}
		if _, err := w.sync(t, url, xaDir); err != nil {
			t.Fatal(err)
		}
		ring, _, _ = envelope.LoadSyncedKeys(xaDir)
		if ring.Lookup(xbRec.KID) != nil || ring.Lookup(nextRec.KID) == nil {
			t.Errorf("after the delete the list holds %d keys; want the old one gone and the new one kept", len(ring.Records()))
		}

		// The list of recipient keys alone.
		resp, err := w.httpClient().Get(url + "/v1/trustlist?kind=encryption")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		l, err := trust.VerifyList(body, w.anchor, time.Now())
		if err != nil || len(l.Entries) != 2 {
			t.Fatalf("/v1/trustlist?kind=encryption: %v, %d entries (want the two live keys)", err, len(l.Entries))
		}
	})
}

// The gateway refuses keys of another country, stale uploads, expired
// keys, reused kids and records that do not check; the trust list's copy
// of an entry counts only with its country's upload signature.
func TestEncryptionKeyRefusals(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "gateway.db"))
	xa, xb := newCountry(t, "XA"), newCountry(t, "XB")
	w.onboard(t, xa)
	w.onboard(t, xb)
	url := w.serve(t)
	now := time.Now()

	_, xbRec := newEncryptionKey(t, "XB", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	_, err := w.client(xa, url).UploadEncryptionKey(ctx, xbRec.Marshal())
	wantRefusal(t, "XA uploads XB's key", err, http.StatusForbidden, "wrong_country")

	stale := w.client(xb, url)
	stale.Now = func() time.Time { return now.Add(-48 * time.Hour) }
	_, err = stale.UploadEncryptionKey(ctx, xbRec.Marshal())
	wantRefusal(t, "a CMS signed two days ago", err, http.StatusBadRequest, "stale_upload")

	_, expired := newEncryptionKey(t, "XB", now.AddDate(-1, 0, 0), now.Add(-time.Hour))
	_, err = w.client(xb, url).UploadEncryptionKey(ctx, expired.Marshal())
	wantRefusal(t, "an expired key", err, http.StatusBadRequest, "expired_key")

	bad := *xbRec
	bad.Alg = "HPKE-3-KE"
	_, err = w.client(xb, url).UploadEncryptionKey(ctx, bad.Marshal())
	wantRefusal(t, "a record whose alg is not its key's", err, http.StatusBadRequest, "bad_key")
	_, err = w.client(xb, url).UploadEncryptionKey(ctx, []byte("not json"))
	wantRefusal(t, "not a record", err, http.StatusBadRequest, "bad_key")

	if _, err := w.client(xb, url).UploadEncryptionKey(ctx, xbRec.Marshal()); err != nil {
		t.Fatal(err)
	}
	_, err = w.client(xb, url).UploadEncryptionKey(ctx, xbRec.Marshal())
	wantRefusal(t, "the same kid again", err, http.StatusConflict, "duplicate_kid")
	_, err = w.client(xa, url).DeleteEncryptionKey(ctx, xbRec.Marshal())
	wantRefusal(t, "XA deletes XB's key", err, http.StatusForbidden, "wrong_country")
	if es := w.entries(t, store.KindEncryption); len(es) != 1 {
		t.Errorf("the store holds %d encryption entries, want 1", len(es))
	}

	// A list entry whose upload signature is not its country's is left
	// out of the keys, and said why.
	dir := filepath.Join(t.TempDir(), "trust")
	if _, err := w.sync(t, url, dir); err != nil {
		t.Fatal(err)
	}
	s, anchor, err := trust.ReadSynced(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.List.Entries {
		e := &s.List.Entries[i]
		if e.Kind == store.KindEncryption {
			forged, err := w.client(xa, url).Sign(e.Data)
			if err != nil {
				t.Fatal(err)
			}
			e.Signature = forged
		}
	}
	ring, problems := envelope.KeysFromList(&s.List, anchor)
	if len(ring.Records()) != 0 || len(problems) != 1 || !strings.Contains(problems[0].Reason, "not an onboarded upload certificate of XB") {
		t.Errorf("KeysFromList() of an entry signed by XA's upload certificate = %d keys, problems %v", len(ring.Records()), problems)
	}
}
