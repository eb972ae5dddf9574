package verifier_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"log"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/revocation"
	"github.com/ithc/ithc/verifier"
	"github.com/ithc/ithc/verify"
)

// A verifier's data directory with revocation data (as SyncRevocation
// writes it) loads into an index that verify.Options.Revocation takes.
func ExampleLoadRevocation() {
	dir, err := os.MkdirTemp("", "revocation-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	kid := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	created := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	b, err := revocation.NewBatch(revocation.Header{ID: "cn-1", Country: "CN", KID: base64.StdEncoding.EncodeToString(kid),
		HashType: "UCI", Created: created, Expires: created.AddDate(1, 0, 0), Reason: "issued in error"},
		[]revocation.Hash{revocation.HashOfUCI("URN:UVCI:01:CN:ABC#X")})
	if err != nil {
		log.Fatal(err)
	}
	body := b.Marshal()
	state := &revocation.State{Source: "https://gateway.example", Version: 9,
		Batches: []revocation.StateBatch{{Seq: 9, Info: revocation.InfoOf(b, sha256.Sum256(body), 2000)}}}
	if err := revocation.Save(filepath.Join(dir, verifier.DirRevocation), state, map[string][]byte{"cn-1": body}); err != nil {
		log.Fatal(err)
	}

	idx, st, err := verifier.LoadRevocation(dir, created.AddDate(0, 1, 0))
	if err != nil {
		log.Fatal(err)
	}
	opts := verify.Options{Revocation: idx}
	r := opts.Revocation.Revoked(&verify.RevocationQuery{KID: kid, Country: "CN", UCIs: []string{"URN:UVCI:01:CN:ABC#X"}})
	fmt.Println(st.Version, idx.Stats().Entries, r.Batch, r.Reason)
	// Output: 9 1 cn-1 issued in error
}

// SyncRevocation needs its options and a synced trust list beside it, and
// says so.
func TestSyncRevocationNeedsTrust(t *testing.T) {
	ctx := context.Background()
	if _, err := verifier.SyncRevocation(ctx, verifier.RevocationSyncOptions{}); err == nil || !strings.Contains(err.Error(), "required") {
		t.Errorf("no options: %v", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "anchor"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err = verifier.SyncRevocation(ctx, verifier.RevocationSyncOptions{SyncOptions: verifier.SyncOptions{URL: "https://127.0.0.1:1", Anchor: anchor, Dir: dir}})
	if err == nil || !strings.Contains(err.Error(), "sync the trust list") {
		t.Errorf("without a trust list: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, verifier.DirRevocation)); !os.IsNotExist(err) {
		t.Errorf("a failed sync wrote %s: %v", verifier.DirRevocation, err)
	}
}
