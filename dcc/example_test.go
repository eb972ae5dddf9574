package dcc_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/healthcert"
)

func ExampleParseCBOR() {
	// The payload as package hc1 hands it over (here made by FromEvent).
	holder := healthcert.Holder{Name: healthcert.Name{Family: "张", Given: "伟", FamilyICAO: "ZHANG", GivenICAO: "WEI"},
		DateOfBirth: healthcert.Date{Year: 1980, Month: 5, Day: 17}}
	ev := &healthcert.NucleicAcidTest{Common: healthcert.Common{Disease: dcc.DiseaseCOVID19, Country: "CN", Centre: "Beijing CDC"},
		Method: dcc.TestTypeNAAT, SampleTime: time.Date(2021, 6, 11, 8, 0, 0, 0, time.UTC), Result: healthcert.ResultNegative}
	issued, _ := dcc.FromEvent(holder, ev, "URN:UVCI:01:CN:ABC#X", "National Health Commission")
	b, _ := issued.MarshalCBOR()

	p, err := dcc.ParseCBOR(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Check(nil); err != nil { // the schema stage
		fmt.Println(err)
		return
	}
	c, err := p.Certificate()
	if err != nil {
		fmt.Println(err)
		return
	}
	t := c.Events[0].(*healthcert.NucleicAcidTest)
	fmt.Println(c.Holder.Name.FamilyICAO, c.Events[0].Type(), t.Result, t.SampleTime.Format(time.RFC3339))
	// Output: ZHANG nucleic_acid_test negative 2021-06-11T08:00:00Z
}

func ExamplePayload_Check() {
	p, _ := dcc.ParseJSON([]byte(`{"ver":"1.3.0","nam":{"fnt":"LI"},"dob":"1970",
		"r":[{"tg":"840539006","fr":"2021-01-01","co":"XY","is":"Ministry","df":"2021-01-12","du":"2021-06-30","ci":"01:XY:1"}]}`))
	err := p.Check(nil)
	var se *dcc.SchemaError
	if errors.As(err, &se) {
		for _, pr := range se.Problems {
			fmt.Println(pr.Field, "-", pr.Message)
		}
	}
	// Output: r[0].co - "XY" is not a code of value set country-2-codes
}

func ExampleFromEvent() {
	holder := healthcert.Holder{Name: healthcert.Name{FamilyICAO: "MUELLER", GivenICAO: "JUERGEN"}}
	_, err := dcc.FromEvent(holder, &healthcert.AntibodyTest{Isotype: healthcert.IgG}, "id", "issuer")
	fmt.Println(errors.Is(err, dcc.ErrNotRepresentable))
	// Output: true
}

func ExampleDecodeGeneric() {
	v, _ := dcc.DecodeGeneric([]byte{0xa1, 0x62, 'd', 'n', 0x01})
	fmt.Println(v)
	// Output: map[dn:1]
}
