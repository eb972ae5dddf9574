package hc1

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/trust"
)

type dgcVector struct {
	Name       string `json:"-"`
	Prefix     string `json:"PREFIX"`
	Base45     string `json:"BASE45"`
	Compressed string `json:"COMPRESSED"`
	COSE       string `json:"COSE"`
	TestCtx    struct {
		Certificate string `json:"CERTIFICATE"`
		Description string `json:"DESCRIPTION"`
	} `json:"TESTCTX"`
	Expected map[string]bool `json:"EXPECTEDRESULTS"`
}

func dgcVectors(tb testing.TB) []*dgcVector {
	dir := shareddata.Path(tb, "dgc")
	var out []*dgcVector
	for _, f := range shareddata.DGCFiles(tb) {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		v := new(dgcVector)
		if err := json.Unmarshal(b, v); err != nil {
			tb.Logf("%s: not a vector: %v", f, err)
			continue
		}
		v.Name, _ = filepath.Rel(dir, f)
		out = append(out, v)
	}
	return out
}

func hexField(s string) ([]byte, bool) {
	if s == "" {
		return nil, false
	}
	b, err := hex.DecodeString(strings.TrimSpace(s))
	return b, err == nil
}

// TestDGCVectors checks each stage a vector names, on its own: the input
// of a stage is the vector's own field for it where present (BASE45,
// COMPRESSED, COSE), otherwise the output of the previous stage.
func TestDGCVectors(t *testing.T) {
	for _, v := range dgcVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			check := func(key string, err error) {
				t.Helper()
				want, ok := v.Expected[key]
				if !ok {
					return
				}
				if got := err == nil; got != want {
					t.Errorf("%s (%s) = %v (err %v), want %v", key, v.TestCtx.Description, got, err, want)
				}
			}
			b45, err := Unprefix(v.Prefix)
			check("EXPECTEDUNPREFIX", err)
			if err == nil {
				var se *Error
				if _, err2 := Unprefix(v.Prefix[len(Prefix):]); !errors.As(err2, &se) || se.Stage != StagePrefix {
					t.Errorf("Unprefix without prefix = %v, want a prefix-stage error", err2)
				}
			}
			if v.Base45 != "" {
				b45, err = v.Base45, nil
			}
			var compressed []byte
			if err == nil {
				compressed, err = DecodeBase45(b45)
			}
			check("EXPECTEDB45DECODE", err)
			if want, ok := hexField(v.Compressed); ok {
				if err == nil && !bytes.Equal(compressed, want) {
					t.Errorf("DecodeBase45 = %x, want COMPRESSED %x", compressed, want)
				}
				compressed, err = want, nil
			}
			var cose []byte
			if err == nil {
				cose, err = Inflate(compressed)
			}
			check("EXPECTEDCOMPRESSION", err)
			if want, ok := hexField(v.COSE); ok {
				if err == nil && v.Expected["EXPECTEDCOMPRESSION"] && !bytes.Equal(cose, want) {
					t.Errorf("Inflate = %x, want COSE %x", cose, want)
				}
				cose, err = want, nil
			}
			var code *Code
			if err == nil {
				code, err = ParseCOSE(cose)
			}
			check("EXPECTEDDECODE", err)
			if _, ok := v.Expected["EXPECTEDVERIFY"]; !ok {
				return
			}
			if err == nil {
				err = verifyWithCertificate(code, v.TestCtx.Certificate)
			}
			check("EXPECTEDVERIFY", err)
		})
	}
}

// verifyWithCertificate checks kid and signature against the one signer
// certificate of a vector (base64 DER).
func verifyWithCertificate(code *Code, b64 string) error {
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	if !bytes.Equal(code.KID, trust.KID(cert)) {
		return errors.New("kid does not match the certificate")
	}
	return code.VerifySignature(cert.PublicKey)
}
