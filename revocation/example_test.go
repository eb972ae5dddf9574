package revocation_test

import (
	"encoding/base64"
	"fmt"
	"time"

	"github.com/ithc/ithc/revocation"
	"github.com/ithc/ithc/verify"
)

// A country builds a batch revoking one certificate identifier of a
// signer; a verifier's index, holding the batch, answers the verifier's
// revocation query of a code from that signer.
func Example() {
	kid := []byte{0xd9, 0x19, 0x37, 0x5f, 0xc1, 0xe7, 0xb6, 0xb2}
	created := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	b, err := revocation.NewBatch(revocation.Header{
		ID: "cn-2026-03-01", Country: "CN", KID: base64.StdEncoding.EncodeToString(kid),
		HashType: "UCI", Created: created, Expires: created.AddDate(1, 0, 0), Reason: "obtained by fraud",
	}, []revocation.Hash{revocation.HashOfUCI("URN:UVCI:01:CN:ABC123#X")})
	if err != nil {
		panic(err)
	}
	body := b.Marshal() // what the country signs as CMS and uploads

	parsed, err := revocation.ParseBatch(body)
	if err != nil {
		panic(err)
	}
	x := revocation.NewIndex()
	x.Now = func() time.Time { return created.AddDate(0, 1, 0) }
	if err := x.Add(parsed); err != nil {
		panic(err)
	}
	r := x.Revoked(&verify.RevocationQuery{KID: kid, Country: "CN", UCIs: []string{"URN:UVCI:01:CN:ABC123#X"}})
	fmt.Println(r.Batch, r.Kind, r.Reason)
	fmt.Println(x.Revoked(&verify.RevocationQuery{KID: kid, Country: "CN", UCIs: []string{"URN:UVCI:01:CN:OTHER#Y"}}) == nil)
	// Output:
	// cn-2026-03-01 uci obtained by fraud
	// true
}
