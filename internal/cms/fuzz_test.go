package cms

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzParseVerify feeds Parse and Verify arbitrary input, seeded with the
// messages openssl wrote (testdata) and with what Sign writes for every
// algorithm, attached, detached and in BER: no panic, a nil result with
// every error, a *ParseError for every parse error, and a verified signer
// certificate always one the message carries.
func FuzzParseVerify(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.der"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed vectors in testdata: %v", err)
	}
	for _, name := range files {
		f.Add(readVector(f, filepath.Base(name)))
	}
	content := readVector(f, "content.der")
	for _, s := range signers(f) {
		for _, detached := range []bool{false, true} {
			opts := s.opts()
			opts.Detached = detached
			der, err := Sign(content, s.cert, s.key, opts)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(der)
			if !detached {
				f.Add(berLikeBouncyCastle(f, der))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sd, err := Parse(data)
		if err != nil {
			if sd != nil {
				t.Fatalf("Parse() = %v with error %v", sd, err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse() error %v is a %T, want *ParseError", err, err)
			}
			return
		}
		for i, si := range sd.SignerInfos {
			if len(si.MessageDigest) != si.DigestAlgorithm.Size() || len(si.Signature) == 0 || len(si.signedAttrs) == 0 || si.signedAttrs[0] != tagSet {
				t.Fatalf("SignerInfo %d parsed inconsistently: %+v", i, si)
			}
		}
		opts := VerifyOptions{AllSigners: true}
		if sd.Detached {
			opts.Content = content
		}
		cert, err := sd.Verify(opts)
		if (err == nil) != (cert != nil) {
			t.Fatalf("Verify() = %v, %v: want a certificate or an error", cert, err)
		}
		if err == nil && !slices.ContainsFunc(sd.Certificates, cert.Equal) {
			t.Fatalf("Verify() returned a certificate the message does not carry")
		}
	})
}
