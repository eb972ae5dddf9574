package trust

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// syncedWith returns a synced list holding the document signers of the
// given countries.
func syncedWith(t *testing.T, version int64, codes ...string) (*SyncedList, []*Country) {
	t.Helper()
	s := &SyncedList{Source: "https://gateway.example", Synced: testNow.Add(time.Duration(version) * time.Hour)}
	s.List.Version = version
	var cs []*Country
	for _, code := range codes {
		c, err := GenerateCountry(CountryOptions{Country: code, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		id := base64.StdEncoding.EncodeToString(KID(c.DSC))
		s.List.Entries = append(s.List.Entries, ListEntry{Kind: "signer", ID: id, Country: code, Data: c.DSC.Raw})
		s.Signers = append(s.Signers, id)
		cs = append(cs, c)
	}
	return s, cs
}

// A copy damaged on disk is detected when read, never loaded as keys; the
// previous good copy serves meanwhile, and saying so.
func TestSyncedDamaged(t *testing.T) {
	first, _ := syncedWith(t, 1, "CN")
	second, cs := syncedWith(t, 2, "FR", "DE")
	anchor := cs[0].CSCA // any certificate serves as the anchor file here

	damage := map[string]func([]byte) []byte{
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"flipped bit in a certificate": func(b []byte) []byte {
			i := strings.Index(string(b), `"data":"`) + len(`"data":"`) + 40
			c := append([]byte(nil), b...)
			if c[i] == 'A' {
				c[i] = 'B'
			} else {
				c[i] = 'A'
			}
			return c
		},
		"empty":    func([]byte) []byte { return nil },
		"not json": func([]byte) []byte { return []byte("<html>proxy error</html>") },
	}
	for name, f := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := SaveSynced(dir, anchor, first); err != nil {
				t.Fatal(err)
			}
			if err := SaveSynced(dir, anchor, second); err != nil {
				t.Fatal(err)
			}
			st, s, _, err := LoadSynced(dir)
			if err != nil || st.Len() != 2 || s.Recovered != "" {
				t.Fatalf("LoadSynced() of the good copy = %v signers, recovered %q, %v; want 2, \"\", nil", st, s.Recovered, err)
			}
			path := filepath.Join(dir, FileTrustList)
			good, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, f(good), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, _, err := ReadSynced(dir); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("ReadSynced() of a damaged copy = %v, want ErrCorrupt", err)
			}
			st, s, _, err = LoadSynced(dir)
			if err != nil {
				t.Fatalf("LoadSynced() with a good previous copy = %v", err)
			}
			if st.Len() != 1 || s.List.Version != 1 || !strings.Contains(s.Recovered, "damaged") {
				t.Errorf("LoadSynced() = %d signers at version %d, recovered %q; want the previous copy (1 signer, version 1) and a note", st.Len(), s.List.Version, s.Recovered)
			}
			// The next save replaces the damaged copy and keeps the good
			// previous one (a damaged copy never becomes the previous).
			third, _ := syncedWith(t, 3, "IT")
			if err := SaveSynced(dir, anchor, third); err != nil {
				t.Fatal(err)
			}
			if prev, err := readSyncedFile(filepath.Join(dir, FilePrevTrustList)); err != nil || prev.List.Version != 1 {
				t.Errorf("previous copy after saving over a damaged one: %v, %v; want version 1", prev, err)
			}
			if _, s, _, err := LoadSynced(dir); err != nil || s.List.Version != 3 || s.Recovered != "" {
				t.Errorf("LoadSynced() after the repair = %v, %v", s, err)
			}
		})
	}

	t.Run("both damaged", func(t *testing.T) {
		dir := t.TempDir()
		if err := SaveSynced(dir, anchor, first); err != nil {
			t.Fatal(err)
		}
		if err := SaveSynced(dir, anchor, second); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{FileTrustList, FilePrevTrustList} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(`{"sha256":"00","synced":{}}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if st, _, _, err := LoadSynced(dir); !errors.Is(err, ErrCorrupt) || st != nil {
			t.Errorf("LoadSynced() with both copies damaged = %v, %v; want nil and ErrCorrupt", st, err)
		}
	})
}

// An incremental list of another epoch (the gateway was restored and
// advanced) is refused with ErrEpoch: only the whole list will do.
func TestMergeEpoch(t *testing.T) {
	s := &SyncedList{List: List{Version: 10}}
	if err := s.Merge(&List{Version: 12, Since: 10, Epoch: 11}); !errors.Is(err, ErrEpoch) {
		t.Errorf("Merge() of another epoch = %v, want ErrEpoch", err)
	}
	if err := s.Merge(&List{Version: 12, Epoch: 11}); err != nil || s.List.Epoch != 11 {
		t.Errorf("Merge() of a full list = %v, epoch %d; want nil and 11", err, s.List.Epoch)
	}
	if err := s.Merge(&List{Version: 13, Since: 12, Epoch: 11}); err != nil {
		t.Errorf("Merge() of the same epoch = %v", err)
	}
}
