package testca

import (
	"bytes"
	"compress/zlib"
	"testing"

	"github.com/ithc/ithc/dcc"
)

// SampleDCC returns a new copy of a valid EU DCC vaccination payload
// (schema 1.3.0, the example holder of the EU test data), for tests that
// sign or verify a DCC and do not care about its content.
func SampleDCC() *dcc.Payload {
	return &dcc.Payload{
		Version:     "1.3.0",
		Name:        dcc.Name{Family: "Musterfrau-Gößinger", FamilyICAO: "MUSTERFRAU<GOESSINGER", Given: "Gabriele", GivenICAO: "GABRIELE"},
		DateOfBirth: "1998-02-26",
		Vaccinations: []dcc.Vaccination{{
			Disease: "840539006", VaccineType: "1119349007", Product: "EU/1/20/1528", Manufacturer: "ORG-100030215",
			DoseNumber: 1, TotalDoses: 2, Date: "2021-02-18", Country: "AT", Issuer: "Ministry of Health, Austria",
			ID: "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B",
		}},
	}
}

// HuffmanZlib returns the zlib stream, at best compression, of a COSE
// message from sign whose first deflate block is dynamic-Huffman, as most
// DCC issuers' codes are. Whether deflate picks that form depends on the
// random signature, so it signs again, up to 200 times, and skips the test
// if it never does.
func HuffmanZlib(tb testing.TB, sign func() ([]byte, error)) []byte {
	tb.Helper()
	for range 200 {
		cose, err := sign()
		if err != nil {
			tb.Fatal(err)
		}
		var buf bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
		if _, err := zw.Write(cose); err != nil {
			tb.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			tb.Fatal(err)
		}
		if z := buf.Bytes(); z[2]>>1&3 == 2 { // BTYPE of the first block
			return z
		}
	}
	tb.Skip("deflate picked no dynamic-Huffman block in 200 signatures")
	return nil
}
