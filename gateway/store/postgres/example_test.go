package postgres_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/gateway/store/postgres"
)

// Several gateway processes open the same schema; each sees the others'
// writes in one commit-ordered sequence.
func ExampleOpen() {
	ctx := context.Background()
	s, err := postgres.Open(ctx, "postgres://gateway@db.example:5432/ithc?search_path=gateway")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	signers, version, err := s.List(ctx, store.Filter{Kinds: []string{store.KindSigner}, Country: "DE"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(signers), "German signers at version", version)
}
