package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/ithc/ithc/trust"
)

// runPKI runs "ithc pki init".
func runPKI(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "init" {
		return usageError("usage: ithc pki init --country CC --out DIR [--alg ES256|PS256|EdDSA]")
	}
	fs := newFlagSet("pki init", "ithc pki init --country CC --out DIR [--alg ES256|PS256|EdDSA] [--org NAME]", stderr)
	country := fs.String("country", "", "ISO 3166-1 alpha-2 code of the issuing country (required)")
	out := fs.String("out", "", "directory to write csca.pem, csca.key, dsc.pem, dsc.key (required)")
	alg := fs.String("alg", trust.AlgES256, "signature algorithm: ES256 (P-256), PS256 (RSA-3072) or EdDSA (Ed25519)")
	org := fs.String("org", "", "organisation name in the certificates (default \"ITHC Health Authority\")")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("unexpected argument %q", pos[0])
	}
	if *country == "" || *out == "" {
		return usageError("--country and --out are required")
	}
	c, err := trust.GenerateCountry(trust.CountryOptions{Country: *country, Organisation: *org, Algorithm: *alg})
	if err != nil {
		return err
	}
	if err := c.WriteDir(*out); err != nil {
		if errors.Is(err, trust.ErrExists) {
			return withHint(err, "choose another --out directory; existing keys are never overwritten")
		}
		return err
	}
	fmt.Fprintf(stdout, "country signing CA:  %s\n", filepath.Join(*out, trust.FileCSCACert))
	fmt.Fprintf(stdout, "document signer:     %s (kid %s, usage %s, valid until %s)\n",
		filepath.Join(*out, trust.FileDSCCert), kidString(trust.KID(c.DSC)),
		trust.UsageFromCertificate(c.DSC), c.DSC.NotAfter.UTC().Format("2006-01-02"))
	fmt.Fprintf(stdout, "private keys:        %s, %s (mode 0600)\n",
		filepath.Join(*out, trust.FileCSCAKey), filepath.Join(*out, trust.FileDSCKey))
	return nil
}
