package main

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/healthcert/icao"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/trust"
)

// runIssue runs "ithc issue": a certificate as JSON in, QR text out.
func runIssue(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("issue", "ithc issue --key KEY --cert CERT [--dcc] [--valid-for DURATION] [FILE|-]", stderr)
	keyPath := fs.String("key", "", "document signer private key: a PKCS#8 PEM file (mode 0600; encrypted ones read ITHC_KEY_PASSPHRASE) or a pkcs11:token=...;object=... reference (required)")
	certPath := fs.String("cert", "", "document signer certificate (PEM) (required)")
	asDCC := fs.Bool("dcc", false, "issue an EU DCC (the certificate must hold exactly one event) instead of the native ITHC payload")
	validFor := fs.Duration("valid-for", 365*24*time.Hour, "validity when the certificate has no expires_at")
	now := fs.String("now", "", "issue time when the certificate has no issued_at (RFC 3339; default: now)")
	batch := addBatchFlags(fs)
	encryptFor := fs.String("encrypt-for", "", "encrypt the code for these countries (CC,CC,...): only their authorities can read it (HCE1:)")
	var recipientKeys stringList
	fs.Var(&recipientKeys, "recipient-keys", "the recipients' published keys: a trust directory kept by \"ithc trust sync\" or a file of key records (with --encrypt-for; repeatable)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *keyPath == "" || *certPath == "" {
		return usageError("--key and --cert are required")
	}
	if *batch.file != "" && *encryptFor != "" {
		return usageError("--encrypt-for is not available with --batch yet; issue the codes one by one")
	}
	if *batch.file != "" {
		return runBatch(batch, pos, *keyPath, *certPath, *validFor, *now, *asDCC, stderr)
	}
	if len(pos) > 1 {
		return usageError("expected at most one certificate file")
	}
	var data []byte
	if len(pos) == 0 || pos[0] == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, limits.MaxJSONInput+1))
		if err == nil && len(data) > limits.MaxJSONInput {
			err = fmt.Errorf("standard input is larger than %d bytes", limits.MaxJSONInput)
		}
	} else {
		data, err = limits.ReadFile(pos[0], limits.MaxJSONInput)
	}
	if err != nil {
		return err
	}
	cert, err := healthcert.ParseJSON(data)
	if err != nil {
		return err
	}
	signer, err := openKey(*keyPath)
	if err != nil {
		return err
	}
	defer signer.Close()
	dscPEM, err := limits.ReadFile(*certPath, limits.MaxCertificatePEM)
	if err != nil {
		return err
	}
	certs, err := trust.LoadPEM(bytes.NewReader(dscPEM))
	if err != nil {
		return err
	}
	if len(certs) != 1 {
		return fmt.Errorf("%s holds %d certificates; give the one document signer certificate", *certPath, len(certs))
	}
	issuedAt := time.Now().UTC().Truncate(time.Second)
	if *now != "" {
		if issuedAt, err = time.Parse(time.RFC3339, *now); err != nil {
			return usageError("--now: %v", err)
		}
	}
	text, err := issueCode(cert, signer, certs[0], issuedAt, *validFor, *asDCC)
	if err != nil {
		return err
	}
	if *encryptFor != "" {
		if text, err = encryptCode(text, *encryptFor, recipientKeys, issuedAt, stderr); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, text)
	return nil
}

// issueCode completes a certificate (identifier, times, ICAO names,
// issuer country from the signer), validates it and signs it as an HC1 code.
func issueCode(cert *healthcert.Certificate, key crypto.Signer, dsc *x509.Certificate, issuedAt time.Time, validFor time.Duration, asDCC bool) (string, error) {
	if cert.Issuer.Country == "" && len(dsc.Subject.Country) > 0 {
		cert.Issuer.Country = dsc.Subject.Country[0]
	}
	if cert.IssuedAt.IsZero() {
		cert.IssuedAt = issuedAt
	}
	if cert.ExpiresAt.IsZero() {
		cert.ExpiresAt = cert.IssuedAt.Add(validFor)
	}
	if cert.ID == "" {
		id, err := healthcert.NewUVCI(cert.Issuer.Country, "", rand.Reader, true)
		if err != nil {
			return "", err
		}
		cert.ID = id
	}
	if cert.IssuedAt.Before(dsc.NotBefore) || cert.IssuedAt.After(dsc.NotAfter) {
		return "", withHint(fmt.Errorf("issued_at %s is outside the document signer's validity (%s to %s)",
			timeString(cert.IssuedAt), timeString(dsc.NotBefore), timeString(dsc.NotAfter)),
			"leave issued_at out to issue now, or sign with a document signer valid at that time")
	}
	if cert.ExpiresAt.After(dsc.NotAfter) {
		return "", withHint(fmt.Errorf("expires_at %s is after the document signer expires (%s): verifiers would reject the code",
			timeString(cert.ExpiresAt), timeString(dsc.NotAfter)), "shorten the validity or use a newer document signer")
	}
	if err := icao.Fill(&cert.Holder.Name); err != nil {
		return "", err
	}
	if err := cert.Validate(); err != nil {
		return "", err
	}
	in := hc1.SignInput{Native: cert}
	if asDCC {
		if len(cert.Events) != 1 {
			return "", fmt.Errorf("an EU DCC holds exactly one event; this certificate has %d (issue without --dcc for the native payload)", len(cert.Events))
		}
		p, err := dcc.FromEvent(cert.Holder, cert.Events[0], cert.ID, cert.Issuer.Name)
		if err != nil {
			return "", err
		}
		in = hc1.SignInput{Issuer: cert.Issuer.Country, IssuedAt: cert.IssuedAt, ExpiresAt: cert.ExpiresAt, DCC: p}
	}
	return hc1.Sign(in, key, hc1.SignOptions{Certificate: dsc})
}

func kidString(kid []byte) string { return base64.StdEncoding.EncodeToString(kid) }
