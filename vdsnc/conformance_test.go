package vdsnc

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/internal/shareddata"
)

// TestCheckDirSamples is the done-when of issue 8: every sample seal
// verifies.
func TestCheckDirSamples(t *testing.T) {
	dir := shareddata.Path(t, "vdsnc")
	rep, err := CheckDir(dir, DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != len(sampleFiles(t)) || rep.Verified != rep.Total || rep.ChainChecked {
		t.Errorf("CheckDir() = %d/%d verified (chain %v): %+v", rep.Verified, rep.Total, rep.ChainChecked, rep.Seals)
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; last != "vdsnc: 5/5 seals verified" {
		t.Errorf("last line = %q", last)
	}
	if !strings.Contains(out.String(), "ok    uto-proof-of-test.json  icao.test UTO  signer CN=05,C=UT  checked at 2021-04-07T04:26:15Z") {
		t.Errorf("report:\n%s", out.String())
	}
	// At a time when the Utopia signers had expired, only the Australian
	// seal verifies.
	rep, err = CheckDir(dir, DirOptions{Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verified != 1 || rep.Seals[4].Status != StatusVerified || rep.Seals[0].Status != StatusExpiredKeys {
		t.Errorf("CheckDir(now) = %d verified: %+v", rep.Verified, rep.Seals)
	}
}

func TestCheckDirOwnSeals(t *testing.T) {
	ca := newCSCA(t, "CN", testNotBefore, testNotAfter)
	cert, key := ca.newSigner(t, signerOptions{name: "dir"})
	dir := t.TempDir()
	for name, c := range map[string]*Content{"a-vacc.json": vaccContent(t), "b-test.json": testContent(t)} {
		seal, err := Sign(c, key, cert, SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), seal, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "c-broken.json"), []byte(`{"data":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := CheckDir(dir, DirOptions{Anchors: pool(t, ca.cert)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != 3 || rep.Verified != 2 || !rep.ChainChecked || rep.Seals[2].Status != StatusInvalidEncoding {
		t.Errorf("CheckDir() = %+v", rep)
	}
	// The test seal is checked at its report time, after its signer's
	// start.
	if want := time.Date(2026, 5, 30, 7, 0, 0, 0, time.UTC); !rep.Seals[1].CheckedAt.Equal(want) {
		t.Errorf("test seal checked at %s, want %s", rep.Seals[1].CheckedAt, want)
	}
	b, err := json.Marshal(rep)
	if err != nil || !bytes.Contains(b, []byte(`"verified":2,"total":3`)) {
		t.Errorf("JSON = %s, %v", b, err)
	}
	// Another country's CSCA: nothing verifies.
	rep, err = CheckDir(dir, DirOptions{Anchors: pool(t, newCSCA(t, "FR", testNotBefore, testNotAfter).cert)})
	if err != nil || rep.Verified != 0 || rep.Seals[0].Status != StatusIssuerNotTrusted {
		t.Errorf("CheckDir(FR) = %+v, %v", rep, err)
	}
}

func TestCheckDirErrors(t *testing.T) {
	if _, err := CheckDir(t.TempDir(), DirOptions{}); err == nil || !strings.Contains(err.Error(), "no *.json seal") {
		t.Errorf("CheckDir(empty) = %v", err)
	}
	if _, err := CheckDir(filepath.Join(t.TempDir(), "missing"), DirOptions{}); err == nil {
		t.Error("CheckDir(missing) succeeded")
	}
}
