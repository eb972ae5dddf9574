package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ithc/ithc/gateway/client"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/revocation"
	"github.com/ithc/ithc/shc"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verifier"
	"github.com/ithc/ithc/verify"
)

// shcIssuer is a SMART Health Card issuer of a country: its iss, key and
// thumbprint.
type shcIssuer struct {
	iss, kid string
	key      *ecdsa.PrivateKey
}

func newSHCIssuer(t testing.TB, iss string) *shcIssuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := shc.Thumbprint(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return &shcIssuer{iss: iss, kid: kid, key: key}
}

// card issues a SMART Health Card with rid, issued at nbf.
func (s *shcIssuer) card(t testing.TB, rid string, nbf time.Time) string {
	t.Helper()
	cert := &healthcert.Certificate{
		Holder: healthcert.Holder{Name: healthcert.Name{Family: "Zhang", Given: "Wei"}, DateOfBirth: healthcert.Date{Year: 1990, Month: 5, Day: 17}},
		Events: []healthcert.Event{&healthcert.Vaccination{Product: "cvx:208", Date: healthcert.Date{Year: 2021, Month: 6, Day: 1}}},
	}
	bundle, err := shc.FromCertificate(cert)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := shc.Issue(bundle, s.key, shc.IssueOptions{Issuer: s.iss, IssuedAt: nbf, Rid: rid})
	if err != nil {
		t.Fatal(err)
	}
	qr, err := shc.EncodeQR(jws)
	if err != nil {
		t.Fatal(err)
	}
	return qr
}

// batch makes a SHCRID batch of country c revoking rids of s's cards
// issued before before (zero: every card).
func (s *shcIssuer) batch(t testing.TB, c *country, id string, before time.Time, rids ...string) *revocation.Batch {
	t.Helper()
	now := time.Now()
	b, err := revocation.NewSHCBatch(revocation.Header{ID: id, Country: c.code, KID: s.kid, HashType: "SHCRID", Iss: s.iss,
		Created: now.Add(-time.Minute), Expires: now.AddDate(1, 0, 0), Reason: "obtained by fraud", RevokedBefore: before}, rids)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// verifySHC verifies a code against the trust list and the revocation copy
// in dir and, for SMART Health Cards, the SMART keys given (none: nil).
func verifySHC(t testing.TB, dir string, keys shc.KeyResolver, text string) *verify.Result {
	t.Helper()
	st, _, _, err := trust.LoadSynced(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := verify.Options{ClockSkew: verify.DefaultClockSkew}
	idx, _, err := verifier.LoadRevocation(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if idx != nil {
		opts.Revocation = idx
	}
	return verify.NewWithTrust(verify.Trust{HC1: st, SHC: keys}, opts).Verify(text)
}

// A country revokes SMART Health Cards of its issuer through the gateway
// by rid: a card verifies before, is revoked after the verifier's next
// sync unless it was issued after the batch's timestamp, and verifies
// again once the batch is deleted. The verifier's copy converts back to
// the issuer's rid list. Another country cannot name the issuer or its
// key.
func TestRevocationSHC(t *testing.T) {
	stores(t, func(t *testing.T, storeURL string) {
		w := newWorld(t, storeURL)
		cn, fr := newCountry(t, "CN"), newCountry(t, "FR")
		w.onboard(t, cn)
		w.onboard(t, fr)
		url := w.serve(t)
		cc, fc := w.client(cn, url), w.client(fr, url)
		ctx := context.Background()

		iss := newSHCIssuer(t, "https://shc.health.example.cn")
		keys := shc.NewKeyStore()
		keys.AddKeys(&shc.Key{KID: iss.kid, Public: &iss.key.PublicKey, Issuer: iss.iss})
		nbf := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		cardA, cardB, cardC := iss.card(t, "ridA", nbf), iss.card(t, "ridB", nbf), iss.card(t, "ridC", nbf)
		dir := filepath.Join(t.TempDir(), "fr")
		w.syncAll(t, url, dir)
		for _, c := range []string{cardA, cardB, cardC} {
			if r := verifySHC(t, dir, keys, c); r.Status != verify.StatusVerified {
				t.Fatalf("before any revocation: %s (%s)", r.Status, r.Detail)
			}
		}

		// rid A for the cards issued before a time before the card's nbf:
		// not revoked.
		if _, err := cc.UploadRevocation(ctx, iss.batch(t, cn, "cn-shc-before", nbf.Add(-time.Minute), "ridA")); err != nil {
			t.Fatal(err)
		}
		if res := w.syncAll(t, url, dir); res.Fetched != 1 || res.Batches != 1 {
			t.Errorf("sync: %+v", res)
		}
		if r := verifySHC(t, dir, keys, cardA); r.Status != verify.StatusVerified {
			t.Errorf("rid A revoked before a time before the card's issuance: %s (%s)", r.Status, r.Detail)
		}
		// rid A before a time after nbf, rid B whatever the time: revoked.
		if _, err := cc.UploadRevocation(ctx, iss.batch(t, cn, "cn-shc-after", nbf.Add(time.Minute), "ridA")); err != nil {
			t.Fatal(err)
		}
		if _, err := cc.UploadRevocation(ctx, iss.batch(t, cn, "cn-shc-all", time.Time{}, "ridB")); err != nil {
			t.Fatal(err)
		}
		w.syncAll(t, url, dir)
		for _, tc := range []struct {
			name, card, batch string
		}{
			{"rid A", cardA, "cn-shc-after"},
			{"rid B", cardB, "cn-shc-all"},
			{"rid C", cardC, ""},
		} {
			r := verifySHC(t, dir, keys, tc.card)
			if tc.batch == "" {
				if r.Status != verify.StatusVerified {
					t.Errorf("%s: %s (%s), want verified", tc.name, r.Status, r.Detail)
				}
				continue
			}
			if r.Status != verify.StatusRevoked || r.Stage != verify.StageRevocation || r.Revocation == nil || r.Revocation.Batch != tc.batch ||
				r.Revocation.Kind != "rid" || r.Revocation.Reason != "obtained by fraud" {
				t.Errorf("%s: %s at %s (%s), %+v; want revoked by %s", tc.name, r.Status, r.Stage, r.Detail, r.Revocation, tc.batch)
			}
		}

		// The verifier's copy answers the issuer's rid list.
		st, from, err := revocation.ReadState(filepath.Join(dir, verifier.DirRevocation))
		if err != nil {
			t.Fatal(err)
		}
		var bs []*revocation.Batch
		for i := range st.Batches {
			b, err := revocation.ReadBody(from, &st.Batches[i].Info)
			if err != nil {
				t.Fatal(err)
			}
			bs = append(bs, b)
		}
		got := string(revocation.SHCListOf(iss.iss, iss.kid, 3, bs).Marshal())
		want := `{"kid":"` + iss.kid + `","method":"rid","ctr":3,"rids":["ridA.` + strconv.FormatInt(nbf.Add(time.Minute).Unix(), 10) + `","ridB"]}`
		if got != want {
			t.Errorf("rid list of the copy = %s\nwant %s", got, want)
		}

		// Only CN names its issuer and key.
		other := newSHCIssuer(t, "https://shc.health.example.fr")
		sameKey := *iss
		sameKey.iss = other.iss
		otherKey := *other
		otherKey.iss = iss.iss
		for _, tc := range []struct {
			name string
			do   func() (*client.Written, error)
			code string
		}{
			{"FR names CN's issuer", func() (*client.Written, error) {
				return fc.UploadRevocation(ctx, otherKey.batch(t, fr, "fr-shc-1", time.Time{}, "ridA"))
			}, "wrong_country"},
			{"FR names CN's key", func() (*client.Written, error) {
				return fc.UploadRevocation(ctx, sameKey.batch(t, fr, "fr-shc-2", time.Time{}, "ridA"))
			}, "wrong_country"},
			{"CN names its key under another issuer", func() (*client.Written, error) {
				return cc.UploadRevocation(ctx, sameKey.batch(t, cn, "cn-shc-3", time.Time{}, "ridA"))
			}, "bad_batch"},
			{"FR claims to be CN", func() (*client.Written, error) {
				return fc.UploadRevocation(ctx, iss.batch(t, cn, "fr-shc-4", time.Time{}, "ridA"))
			}, "wrong_country"},
		} {
			_, err := tc.do()
			var ge *client.Error
			if !errors.As(err, &ge) || ge.Code != tc.code {
				t.Errorf("%s: %v, want the refusal %s", tc.name, err, tc.code)
			}
		}
		// FR names an issuer of its own.
		if _, err := fc.UploadRevocation(ctx, other.batch(t, fr, "fr-shc-5", time.Time{}, "ridA")); err != nil {
			t.Errorf("FR's own issuer: %v", err)
		}

		// Deleted, the batch un-revokes at the next sync.
		if _, err := cc.DeleteRevocation(ctx, "CN", "cn-shc-after"); err != nil {
			t.Fatal(err)
		}
		w.syncAll(t, url, dir)
		if r := verifySHC(t, dir, keys, cardA); r.Status != verify.StatusVerified {
			t.Errorf("rid A after its batch was deleted: %s (%s)", r.Status, r.Detail)
		}
		if r := verifySHC(t, dir, keys, cardB); r.Status != verify.StatusRevoked {
			t.Errorf("rid B after another batch was deleted: %s (%s)", r.Status, r.Detail)
		}
	})
}
