package sqlite_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/gateway/store/sqlite"
)

// A gateway stores an uploaded document signer with the audit record of
// the upload, and a verifier syncs incrementally from the version it had.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "ithc-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "gateway.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	der := []byte("the signer certificate, DER") // from the CMS upload
	sum := sha256.Sum256(der)
	e := &store.Entry{Kind: store.KindSigner, ID: "dxWqeYbSh9k=", Country: "DE", Type: "DSC",
		Thumbprint: sum[:], Data: der, Signature: []byte("the CMS upload")}
	a := &store.AuditRecord{Time: time.Now(), Country: "DE", Action: "signer.upload", Request: []byte("the CMS upload")}
	if err := s.Insert(ctx, e, a); err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored", e.ID, "at seq", e.Seq, "audit record", a.Seq)

	// A verifier that had version 0 asks for what is newer.
	entries, version, err := s.List(ctx, store.Filter{Since: 0, Deleted: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(entries), "new entry; now at version", version)
	// Output:
	// stored dxWqeYbSh9k= at seq 1 audit record 1
	// 1 new entry; now at version 1
}
