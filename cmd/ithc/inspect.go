package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
)

// inspection describes every layer of a code that could be decoded. It is
// what "ithc inspect --json" prints.
type inspection struct {
	Layers []layer `json:"layers"`
	// Error is the first decoding failure, if any; the layers before it
	// are still shown.
	Error string `json:"error,omitempty"`
	// Header and Claims of the COSE_Sign1 and its CWT.
	Header *headerInfo `json:"header,omitempty"`
	Claims *claimsInfo `json:"claims,omitempty"`
	// PayloadKind is "dcc" or "ithc"; one of DCC and Certificate is set.
	PayloadKind string                  `json:"payload_kind,omitempty"`
	DCC         *dcc.Payload            `json:"dcc,omitempty"`
	Certificate *healthcert.Certificate `json:"certificate,omitempty"`
	// PayloadCBOR is the hex of the payload sub-claim as received.
	PayloadCBOR string `json:"payload_cbor,omitempty"`
}

type layer struct {
	Name  string `json:"name"`
	Bytes int    `json:"bytes"`
	Note  string `json:"note,omitempty"`
}

type headerInfo struct {
	Alg       string `json:"alg"`
	AlgFrom   string `json:"alg_from"`
	KID       string `json:"kid,omitempty"`
	KIDFrom   string `json:"kid_from"`
	Tags      string `json:"tags"`
	Signature int    `json:"signature_bytes"`
}

type claimsInfo struct {
	Issuer    string    `json:"iss"`
	IssuedAt  time.Time `json:"iat"`
	ExpiresAt time.Time `json:"exp"`
}

// runInspect runs "ithc inspect": decode without trust, show every layer.
func runInspect(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", "ithc inspect [--json] [CODE|@FILE|-]", stderr)
	asJSON := fs.Bool("json", false, "print the layers as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	text, err := readCode(pos, stdin, limits.MaxQRText)
	if err != nil {
		return err
	}
	in := inspect(text)
	if *asJSON {
		if err := writeJSON(stdout, in, ""); err != nil {
			return err
		}
	} else {
		printInspection(stdout, in)
	}
	if in.Error != "" {
		return &exitError{code: 1, err: errorString("")}
	}
	return nil
}

// inspect runs the decoding stages one at a time, keeping what each produced.
func inspect(text string) *inspection {
	in := &inspection{Layers: []layer{{Name: "text", Bytes: len(text)}}}
	b45, err := hc1.Unprefix(text)
	if err != nil {
		in.Error = err.Error()
		return in
	}
	in.Layers = append(in.Layers, layer{Name: "base45", Bytes: len(b45), Note: "after the " + hc1.Prefix + " prefix"})
	compressed, err := hc1.DecodeBase45(b45)
	if err != nil {
		in.Error = err.Error()
		return in
	}
	in.Layers = append(in.Layers, layer{Name: "zlib", Bytes: len(compressed)})
	cose, err := hc1.Inflate(compressed)
	if err != nil {
		in.Error = err.Error()
		return in
	}
	in.Layers = append(in.Layers, layer{Name: "cose_sign1", Bytes: len(cose), Note: fmt.Sprintf("compression ratio %.2f", float64(len(cose))/float64(len(compressed)))})
	code, err := hc1.ParseCOSE(cose)
	if err != nil {
		in.Error = err.Error()
		return in
	}
	in.Layers = append(in.Layers,
		layer{Name: "protected_header", Bytes: len(code.Protected)},
		layer{Name: "cwt_claims", Bytes: len(code.Payload)},
		layer{Name: "payload", Bytes: len(code.RawPayload), Note: string(code.Kind)},
		layer{Name: "signature", Bytes: len(code.Signature)})
	tags := "untagged"
	if len(code.Tags) > 0 {
		tags = fmt.Sprint(code.Tags)
	}
	in.Header = &headerInfo{Alg: code.Alg.String(), AlgFrom: code.AlgFrom.String(), KIDFrom: code.KIDFrom.String(), Tags: tags, Signature: len(code.Signature)}
	if len(code.KID) > 0 {
		in.Header.KID = base64.StdEncoding.EncodeToString(code.KID)
	}
	in.Claims = &claimsInfo{Issuer: code.Claims.Issuer, IssuedAt: code.Claims.IssuedAt, ExpiresAt: code.Claims.ExpiresAt}
	in.PayloadKind = string(code.Kind)
	in.DCC, in.Certificate = code.DCC, code.Native
	in.PayloadCBOR = hex.EncodeToString(code.RawPayload)
	return in
}

func printInspection(w io.Writer, in *inspection) {
	fmt.Fprintln(w, "layers:")
	for _, l := range in.Layers {
		fmt.Fprintf(w, "  %-17s %5d bytes  %s\n", l.Name, l.Bytes, l.Note)
	}
	if h := in.Header; h != nil {
		fmt.Fprintf(w, "header:  alg %s (%s), kid %s (%s), tags %s\n", h.Alg, h.AlgFrom, orDash(h.KID), h.KIDFrom, h.Tags)
	}
	if c := in.Claims; c != nil {
		fmt.Fprintf(w, "claims:  iss %s, iat %s, exp %s\n", orDash(c.Issuer), timeString(c.IssuedAt), timeString(c.ExpiresAt))
	}
	if in.DCC != nil {
		fmt.Fprint(w, "payload (EU DCC):\n  ")
		if err := writeJSON(w, in.DCC, "  "); err != nil {
			fmt.Fprintf(w, "(%v)\n", err)
		}
	}
	if in.Certificate != nil {
		printCertificate(w, in.Certificate, in.PayloadKind)
	}
	if in.PayloadCBOR != "" {
		fmt.Fprintf(w, "payload CBOR: %s\n", in.PayloadCBOR)
	}
	if in.Error != "" {
		fmt.Fprintf(w, "stopped: %s\n", in.Error)
	}
}
