package healthcert_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ithc/ithc/healthcert"
)

func ExampleCertificate_Validate() {
	c := &healthcert.Certificate{
		ID:        "URN:UVCI:01:CN:NHC/4BK3VLU646LEFTNBYCMBKZ6P4U#8",
		Issuer:    healthcert.Issuer{Country: "CN", Name: "National Health Commission"},
		IssuedAt:  time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC),
		ExpiresAt: time.Date(2026, 11, 19, 8, 0, 0, 0, time.UTC), // before IssuedAt
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "张", Given: "伟", FamilyICAO: "ZHANG", GivenICAO: "WEI"},
			DateOfBirth: healthcert.Date{Year: 1990, Month: 5, Day: 17},
		},
		Events: []healthcert.Event{&healthcert.NucleicAcidTest{
			Common:     healthcert.Common{Disease: "840539006", Country: "CN"},
			Method:     "LP6464-4",
			SampleTime: time.Date(2026, 11, 19, 2, 30, 0, 0, time.UTC),
			Result:     "detected", // not a TestResult
		}},
	}
	var ve *healthcert.ValidationError
	if err := c.Validate(); errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// expires_at: 2026-11-19T08:00:00Z is not after issued_at 2026-11-20T08:00:00Z
	// events[0].result: "detected" is not one of negative, positive, inconclusive
}

func ExampleParseJSON() {
	in := `{"id":"DE-TEST-1","issuer":{"country":"DE"},"issued_at":"2026-11-20T09:00:00+01:00","expires_at":"2026-11-22T08:00:00Z",
	"holder":{"name":{"family":"Müller","family_icao":"MUELLER"},"date_of_birth":"1975"},
	"events":[{"type":"antigen_test","disease":"840539006","country":"DE","device":"1232","sample_time":"2026-11-20T07:00:00Z","result":"negative"}]}`
	c, err := healthcert.ParseJSON([]byte(in))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Validate())

	// Print the canonical form; an Encoder keeps '<' unescaped.
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(out.Bytes())

	_, err = healthcert.ParseJSON([]byte(`{"id":"X","events":[{"type":"vaccination","dose":1}]}`))
	fmt.Println(err)
	// Output:
	// <nil>
	// {
	//   "id": "DE-TEST-1",
	//   "issuer": {
	//     "country": "DE"
	//   },
	//   "issued_at": "2026-11-20T08:00:00Z",
	//   "expires_at": "2026-11-22T08:00:00Z",
	//   "holder": {
	//     "name": {
	//       "family": "Müller",
	//       "family_icao": "MUELLER"
	//     },
	//     "date_of_birth": "1975"
	//   },
	//   "events": [
	//     {
	//       "type": "antigen_test",
	//       "disease": "840539006",
	//       "country": "DE",
	//       "device": "1232",
	//       "sample_time": "2026-11-20T07:00:00Z",
	//       "result": "negative"
	//     }
	//   ]
	// }
	// healthcert: invalid json: events[0].dose: unknown field "dose"
}

func ExampleNewUVCI() {
	zero := bytes.NewReader(make([]byte, 16)) // use nil (crypto/rand) in production
	id, err := healthcert.NewUVCI("CN", "NHC", zero, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(id)
	u, err := healthcert.ParseUVCI(id)
	fmt.Println(u.Country, u.Opaque, string(u.Checksum), err)
	// Output:
	// URN:UVCI:01:CN:NHC/AAAAAAAAAAAAAAAAAAAAAAAAAA#0
	// CN NHC/AAAAAAAAAAAAAAAAAAAAAAAAAA 0 <nil>
}

func ExampleParseDate() {
	for _, s := range []string{"1990-05-17", "1990-05", "1990", "", "1990-02-30"} {
		d, err := healthcert.ParseDate(s)
		fmt.Printf("%q complete=%v err=%v\n", d, d.IsComplete(), err)
	}
	// Output:
	// "1990-05-17" complete=true err=<nil>
	// "1990-05" complete=false err=<nil>
	// "1990" complete=false err=<nil>
	// "" complete=false err=<nil>
	// "" complete=false err=healthcert: invalid date: "1990-02-30": day 30 does not exist in 1990-02
}
