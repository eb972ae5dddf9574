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

// A country turns its SMART Health Card issuer's revocation list into
// batches (one per timestamp); a verifier's index answers a card's query
// by its rid and issuance time, and the batches convert back to the list.
func ExampleSHCBatches() {
	const iss = "https://shc.health.example.cn"
	list, err := revocation.ParseSHCList([]byte(`{"kid":"3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s","method":"rid","ctr":1,
		"rids":["vwAjHdarZuc","FKDIxsTCGlU.1700000000"]}`))
	if err != nil {
		panic(err)
	}
	created := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	batches, err := revocation.SHCBatches(revocation.Header{ID: "cn-shc-1", Country: "CN", Iss: iss,
		Created: created, Expires: created.AddDate(1, 0, 0), Reason: "issued in error"}, list)
	if err != nil {
		panic(err)
	}
	x := revocation.NewIndex()
	x.Now = func() time.Time { return created }
	for _, b := range batches {
		fmt.Println(b.ID, b.RIDs, b.RevokedBefore.Unix() > 0)
		if err := x.Add(b); err != nil {
			panic(err)
		}
	}
	kid, _ := base64.RawURLEncoding.DecodeString(list.KID)
	card := func(rid string, nbf int64) *verify.RevocationQuery {
		return &verify.RevocationQuery{Format: verify.FormatSHC, KID: kid, Issuer: iss, RID: rid, IssuedAt: time.Unix(nbf, 0)}
	}
	fmt.Println(x.Revoked(card("vwAjHdarZuc", 1800000000)).Batch)
	fmt.Println(x.Revoked(card("FKDIxsTCGlU", 1600000000)).Batch)
	fmt.Println(x.Revoked(card("FKDIxsTCGlU", 1700000000)) == nil)
	fmt.Printf("%s\n", revocation.SHCListOf(iss, list.KID, 2, batches).Marshal())
	// Output:
	// cn-shc-1 [vwAjHdarZuc] false
	// cn-shc-1-1700000000 [FKDIxsTCGlU] true
	// cn-shc-1
	// cn-shc-1-1700000000
	// true
	// {"kid":"3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s","method":"rid","ctr":2,"rids":["FKDIxsTCGlU.1700000000","vwAjHdarZuc"]}
}
