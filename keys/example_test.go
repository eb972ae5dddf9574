package keys_test

import (
	"crypto/ecdsa"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ithc/ithc/keys"
	"github.com/ithc/ithc/trust"
)

func ExampleParseRef() {
	for _, s := range []string{
		"cn-keys/dsc.key",
		"pkcs11:token=CN%20HSM;object=dsc-2026;id=%01%02?pin-source=file:/run/secrets/pin",
	} {
		r, err := keys.ParseRef(s)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("kind %d: path %q token %q object %q id %x pin from %q\n", r.Kind, r.Path, r.Token, r.Object, r.ID, r.PINSource)
	}
	_, err := keys.ParseRef("pkcs11:token=CN;object=dsc;colour=red")
	fmt.Println(err)
	// Output:
	// kind 1: path "cn-keys/dsc.key" token "" object "" id  pin from ""
	// kind 2: path "" token "CN HSM" object "dsc-2026" id 0102 pin from "file:/run/secrets/pin"
	// keys: invalid key reference: pkcs11: unknown attribute "colour" (known: token, serial, slot-id, object, id, type, module-path, pin-source, pin-value)
}

func ExampleGenerate() {
	dir, err := os.MkdirTemp("", "keys")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ref := filepath.Join(dir, "csca.key") // or "pkcs11:token=cn-csca;object=csca-2026"
	passphrase := func() ([]byte, error) { return []byte("correct horse battery staple"), nil }

	key, err := keys.Generate(ref, keys.AlgES256, keys.Options{Passphrase: passphrase})
	if err != nil {
		log.Fatal(err)
	}
	defer key.Close()
	csca, err := trust.NewCSCA(key, trust.CertOptions{Country: "CN"})
	if err != nil {
		log.Fatal(err)
	}
	info, _ := os.Stat(ref)
	fmt.Println(info.Mode().Perm(), csca.IsCA, csca.PublicKey.(*ecdsa.PublicKey).Curve.Params().Name)

	// Later, in another process: the same key, by the same reference.
	again, err := keys.Open(ref, keys.Options{Passphrase: passphrase})
	if err != nil {
		log.Fatal(err)
	}
	defer again.Close()
	fmt.Println(again.Public().(*ecdsa.PublicKey).Equal(csca.PublicKey))

	_, err = keys.Generate(ref, keys.AlgES256, keys.Options{})
	fmt.Println(err != nil)
	// Output:
	// -rw------- true P-256
	// true
	// true
}
