package hc1_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
)

// exampleCert is the small certificate of the worked example in
// docs/format.md.
func exampleCert() *healthcert.Certificate {
	return &healthcert.Certificate{
		ID:        "URN:UVCI:01:CN:8Q4XK2#4",
		Issuer:    healthcert.Issuer{Country: "CN", Name: "NHC"},
		IssuedAt:  time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC),
		ExpiresAt: time.Date(2024, 3, 31, 8, 0, 0, 0, time.UTC),
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "张", Given: "伟", FamilyICAO: "ZHANG", GivenICAO: "WEI"},
			DateOfBirth: healthcert.Date{Year: 1985, Month: 7},
			Document:    &healthcert.TravelDocument{Type: "P", Number: "E1234567", IssuingState: "CN"},
		},
		Events: []healthcert.Event{
			&healthcert.NucleicAcidTest{
				Common:     healthcert.Common{Disease: "840539006", Country: "CN"},
				Method:     "LP6464-4",
				SampleTime: time.Date(2024, 2, 29, 7, 30, 0, 0, time.UTC),
				Result:     healthcert.ResultNegative,
			},
			&healthcert.AntibodyTest{
				Common:     healthcert.Common{Disease: "840539006", Country: "CN"},
				Isotype:    healthcert.IgM,
				Method:     "CLIA",
				SampleTime: time.Date(2024, 2, 29, 7, 30, 0, 0, time.UTC),
				Result:     healthcert.ResultNegative,
				Quantity:   &healthcert.Quantity{Value: 0.25, Unit: "{index}", CutOff: 1},
			},
		},
	}
}

// The native payload of a certificate with a nucleic-acid test and an IgM
// antibody test: docs/format.md annotates these bytes.
func ExampleMarshalNative() {
	b, err := hc1.MarshalNative(exampleCert())
	if err != nil {
		panic(err)
	}
	fmt.Println(len(b), "bytes")
	fmt.Println(hex.EncodeToString(b))
	// Output:
	// 180 bytes
	// a50001017755524e3a555643493a30313a434e3a385134584b32233402634e484303a60163e5bca00263e4bc9f03655a48414e470463574549051a012ee5cc07a3016150026845313233343536370362434e0482a6000201693834303533393030360262434e08684c50363436342d340a1a65e032780b01a8000301693834303533393030360262434e086349674d0964434c49410b1a65e032780c010da301fa3e80000002677b696e6465787d03fa3f800000
}

func ExampleSign() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "DSC", Country: []string{"CN"}},
		NotBefore: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	cert, _ := x509.ParseCertificate(der)

	// Any crypto.Signer works, such as a PKCS#11 key.
	text, err := hc1.Sign(hc1.SignInput{Native: exampleCert()}, key, hc1.SignOptions{Certificate: cert})
	if err != nil {
		panic(err)
	}
	fmt.Println(text[:4], len(text) < 500)

	code, err := hc1.Parse(text)
	if err != nil {
		panic(err)
	}
	fmt.Println(code.Alg, code.Kind, code.Claims.Issuer, code.VerifySignature(cert.PublicKey))
	// Output:
	// HC1: true
	// ES256 ithc CN <nil>
}

func ExampleParse() {
	// A code of the EU DCC conformance test data (common/2DCode/raw/CO1.json
	// is PS256; this one is the tag-18 ES256 vector CO13).
	code, err := hc1.Parse("HC1:NCFTW2H:7*I00305X35X8:J01-Q1T8Y524FVJ2SF/RNGNTZTQBLSBRICIIENI4F65C*/BI3S2N4: VOHRTUE3:CYA8R$6PEH:J0P-OWA60$OTBOBFVNBV%*TH3QKP6TPU6*BJ*GI76W6L2S1JD1Q*AC5CG6QJUTT PEV8GN9829+CDI.HYJ1O970HLP0R-0LX74B8GX01- KA.AU22FP3260905M1B%80$B0H$G6B6WGGDCJDN2GTROYLMT4DH6*PMY4JL22KXBXKN:ZOR13PVHP44.HLRC2RWF.JBF%RJLG29R 8BMIOLC0C35NJIMTVL5G/I738U4PBK/LW6QR.8YM5VPMW-3ALD*RN-.9+D43EFKBE7+IKVQ5NLDXMLAF$.8V1T03JPQ22LAXRS2%5X7MQ$HVP3ZJ27*D+ESU/FE:NIONTHKRLQ$:PVYSVSAQJKTLUW$4V8LCH3D-K--OTM32SD-96%Z0GTL.PP.OIGCW2U6867T*MC6TY0C2ZEHJ3%6RLMU-BVU:IZCV40QTO1:FGOP7+WFEXND/K*0UBYUJ$T 0K :A-8U1-6W SEQV65S+3BRETCBC8:18TT 3")
	if err != nil {
		panic(err)
	}
	fmt.Println(code.Alg, code.Kind, code.Claims.Issuer, hex.EncodeToString(code.KID))
	fmt.Println(code.DCC.Name.FamilyICAO, code.DCC.Vaccinations[0].Product)
	// Output:
	// ES256 dcc AT e23704ca1adc69e6
	// MUSTERFRAU<GOESSINGER EU/1/20/1528
}
