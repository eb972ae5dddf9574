package verifier_test

import (
	"fmt"
	"log"
	"os"

	"github.com/ithc/ithc/verifier"
)

// A verifier service over a data directory that holds no trust list yet:
// it answers, and says what it lacks. Run serves the same service over
// HTTP (Handler) and syncs it from the configured gateway.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "verifier-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg, err := verifier.ParseConfig([]byte(`{"data_dir": "data", "country": "FR"}`), dir)
	if err != nil {
		log.Fatal(err)
	}
	svc, err := verifier.New(cfg, verifier.Options{})
	if err != nil {
		log.Fatal(err)
	}
	r := svc.Verify(verifier.Request{Text: "HC1:NOT-A-CODE"})
	fmt.Println(r.Status, r.Stage)
	fmt.Println(svc.Status().TrustList.Present)
	// Output:
	// invalid_encoding base45
	// false
}
