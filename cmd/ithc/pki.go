package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/keys"
	"github.com/ithc/ithc/trust"
)

const pkiUsage = `ithc pki: a country's signing PKI, with keys in files or in an HSM.

Usage:
    ithc pki init --country CC --out DIR [--alg ES256|PS256|EdDSA] [--org NAME] [--key-store pkcs11:token=LABEL]
                  a country signing CA and a document signer in one step
    ithc pki csca --key REF --country CC --out FILE [--days N] [--alg ES256|PS256]
                  a country signing CA (self-signed; default 4 years)
    ithc pki dsc --key REF --csca FILE --csca-key REF --out FILE [--usage test,vaccination,recovery] [--days N]
                  a document signer issued by the CSCA (default 2 years, inside the CSCA's validity)
    ithc pki upload --key REF --country CC --out FILE [--days N]
                  the self-signed certificate that signs uploads to the gateway (default 1 year)
    ithc pki tls --key REF --country CC --out FILE [--days N]
                  the self-signed TLS client certificate for the gateway (default 1 year)
    ithc pki check [--csca FILE] [--role auto|csca|dsc|upload|tls] [--country CC] [--now TIME] [--json] FILE...
                  check certificates against the DCC/GDHCN certificate governance (exit 1 on violations)

A key REF is a PKCS#8 PEM file or a PKCS#11 URI, pkcs11:token=LABEL;object=LABEL.
csca, dsc, upload and tls make the key (a file gets mode 0600) and refuse an
existing one, unless --existing certifies the key already there. Key files are
encrypted when a passphrase is given: --passphrase-file FILE, or the
environment variable ITHC_KEY_PASSPHRASE. A token's PIN comes from the URI
(pin-source=file:PATH) or ITHC_PKCS11_PIN, its module from module-path= or
ITHC_PKCS11_MODULE (default /usr/lib/softhsm/libsofthsm2.so).

Examples:
    ithc pki init --country CN --out cn-keys
    ithc pki csca --key 'pkcs11:token=cn-csca;object=csca-2026' --country CN --out csca.pem
    ithc pki dsc --key dsc-2026.key --csca csca.pem --csca-key 'pkcs11:token=cn-csca;object=csca-2026' \
        --usage test,vaccination --out dsc-2026.pem
    ithc pki upload --key upload.key --country CN --out upload.pem
    ithc pki check --csca csca.pem dsc-2026.pem upload.pem
`

// runPKI runs "ithc pki ...".
func runPKI(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, pkiUsage)
		return usageError("ithc pki needs a command: init, csca, dsc, upload, tls or check")
	}
	switch args[0] {
	case "init":
		return runPKIInit(args[1:], stdout, stderr)
	case "csca", "dsc", "upload", "tls":
		return runPKICert(trust.Role(args[0]), args[1:], stdout, stderr)
	case "check":
		return runPKICheck(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, pkiUsage)
		return nil
	}
	return withHint(usageError("unknown pki command %q", args[0]), "run \"ithc pki help\"; the commands are init, csca, dsc, upload, tls and check")
}

// passphraseFor returns the passphrase source of a key: the file, else
// ITHC_KEY_PASSPHRASE, else none.
func passphraseFor(file string) func() ([]byte, error) {
	if file != "" {
		return keys.PassphraseFile(file)
	}
	return keys.PassphraseFromEnv()
}

func validCountry(c string) bool {
	if len(c) != 2 {
		return false
	}
	for _, ch := range []byte(strings.ToUpper(c)) {
		if ch < 'A' || ch > 'Z' {
			return false
		}
	}
	return true
}

// runPKIInit runs "ithc pki init": a CSCA and one document signer, keys in
// DIR or in a token, certificates in DIR.
func runPKIInit(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pki init", "ithc pki init --country CC --out DIR [--alg ES256|PS256|EdDSA] [--org NAME] [--key-store pkcs11:token=LABEL] [--passphrase-file FILE]", stderr)
	country := fs.String("country", "", "ISO 3166-1 alpha-2 code of the issuing country (required)")
	out := fs.String("out", "", "directory to write csca.pem and dsc.pem, and the keys csca.key and dsc.key unless --key-store names a token (required)")
	alg := fs.String("alg", keys.AlgES256, "document signer algorithm: ES256 (P-256), PS256 (RSA-3072) or EdDSA (Ed25519; the CSCA is then P-256)")
	org := fs.String("org", "", "organisation name in the certificates (default \"ITHC Health Authority\")")
	keyStore := fs.String("key-store", "", "make the keys in this PKCS#11 token (pkcs11:token=LABEL[?pin-source=file:PATH]) instead of files in --out")
	passFile := fs.String("passphrase-file", "", "encrypt the key files with the passphrase in FILE (default: $ITHC_KEY_PASSPHRASE if set)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("unexpected argument %q", pos[0])
	}
	if *country == "" || *out == "" {
		return usageError("--country and --out are required")
	}
	if !validCountry(*country) {
		return usageError("--country %q is not an ISO 3166-1 alpha-2 code (two letters, such as CN)", *country)
	}
	cc := strings.ToUpper(*country)
	switch *alg {
	case keys.AlgES256, keys.AlgPS256, keys.AlgEdDSA:
	default:
		return usageError("--alg %q: want ES256, PS256 or EdDSA", *alg)
	}
	cscaAlg := *alg
	if cscaAlg == keys.AlgEdDSA {
		cscaAlg = keys.AlgES256 // the governance allows only ECDSA and RSA for a CSCA
	}

	cscaRef, dscRef := filepath.Join(*out, trust.FileCSCAKey), filepath.Join(*out, trust.FileDSCKey)
	files := []string{trust.FileCSCACert, trust.FileDSCCert, trust.FileCSCAKey, trust.FileDSCKey}
	if *keyStore != "" {
		tok, err := keys.ParseTokenRef(*keyStore)
		if err != nil {
			return withHint(err, "--key-store names a token only, such as pkcs11:token=cn-hsm")
		}
		suffix := make([]byte, 4)
		rand.Read(suffix)
		tag := strings.ToLower(cc) + "-" + hex.EncodeToString(suffix)
		cscaRef, dscRef = tok.WithObject("ithc-csca-"+tag).String(), tok.WithObject("ithc-dsc-"+tag).String()
		files = []string{trust.FileCSCACert, trust.FileDSCCert, "csca.ref", "dsc.ref"}
	}
	for _, name := range files {
		p := filepath.Join(*out, name)
		if _, err := os.Lstat(p); err == nil {
			return withHint(fmt.Errorf("%s already exists", p), "choose another --out directory; existing keys are never overwritten")
		}
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return err
	}
	opts := keys.Options{Passphrase: passphraseFor(*passFile)}
	cscaKey, err := keys.Generate(cscaRef, cscaAlg, opts)
	if err != nil {
		return err
	}
	defer cscaKey.Close()
	csca, err := trust.NewCSCA(cscaKey, trust.CertOptions{Country: cc, Organisation: *org})
	if err != nil {
		return err
	}
	dscKey, err := keys.Generate(dscRef, *alg, opts)
	if err != nil {
		return err
	}
	defer dscKey.Close()
	dsc, err := trust.NewDSC(dscKey.Public(), csca, cscaKey, trust.CertOptions{NotBefore: csca.NotBefore})
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{trust.FileCSCACert, certPEM(csca)}, {trust.FileDSCCert, certPEM(dsc)}} {
		if err := writeNewFile(filepath.Join(*out, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "country signing CA:  %s\n", filepath.Join(*out, trust.FileCSCACert))
	fmt.Fprintf(stdout, "document signer:     %s (kid %s, usage %s, valid until %s)\n",
		filepath.Join(*out, trust.FileDSCCert), kidString(trust.KID(dsc)),
		trust.UsageFromCertificate(dsc), dsc.NotAfter.UTC().Format("2006-01-02"))
	if *keyStore == "" {
		enc := ""
		if opts.Passphrase != nil {
			enc = ", encrypted"
		}
		fmt.Fprintf(stdout, "private keys:        %s, %s (mode 0600%s)\n", cscaRef, dscRef, enc)
		return nil
	}
	for _, f := range []struct{ name, ref string }{{"csca.ref", cscaRef}, {"dsc.ref", dscRef}} {
		if err := writeNewFile(filepath.Join(*out, f.name), []byte(f.ref+"\n"), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "private keys:        in the token, never exported:\n")
	fmt.Fprintf(stdout, "  csca  %s\n  dsc   %s\n", cscaRef, dscRef)
	fmt.Fprintf(stdout, "                     (also in %s and %s)\n", filepath.Join(*out, "csca.ref"), filepath.Join(*out, "dsc.ref"))
	return nil
}

// runPKICert runs "ithc pki csca|dsc|upload|tls".
func runPKICert(role trust.Role, args []string, stdout, stderr io.Writer) error {
	synopsis := map[trust.Role]string{
		trust.RoleCSCA:   "ithc pki csca --key REF --country CC --out FILE [--existing] [--alg ES256|PS256] [--days N] [--org NAME] [--cn NAME] [--not-before TIME]",
		trust.RoleDSC:    "ithc pki dsc --key REF --csca FILE --csca-key REF --out FILE [--existing] [--usage LIST] [--alg ES256|PS256|EdDSA] [--days N] [--cn NAME] [--not-before TIME]",
		trust.RoleUpload: "ithc pki upload --key REF --country CC --out FILE [--existing] [--alg ES256|PS256] [--days N] [--org NAME] [--cn NAME] [--not-before TIME]",
		trust.RoleTLS:    "ithc pki tls --key REF --country CC --out FILE [--existing] [--alg ES256|PS256] [--days N] [--org NAME] [--cn NAME] [--not-before TIME]",
	}[role]
	fs := newFlagSet("pki "+string(role), synopsis, stderr)
	keyRef := fs.String("key", "", "the certificate's key: a PKCS#8 PEM file or a pkcs11: URI (required)")
	existing := fs.Bool("existing", false, "certify the existing key REF instead of making a new one")
	alg := fs.String("alg", keys.AlgES256, "algorithm of a new key: ES256 (P-256) or PS256 (RSA-3072); EdDSA (Ed25519) for a document signer in a file")
	out := fs.String("out", "", "file to write the certificate to, PEM (required; never overwritten)")
	days := fs.Int("days", 0, "validity in days (default: 4 years for a CSCA, 2 for a document signer, 1 for upload and TLS)")
	notBefore := fs.String("not-before", "", "start of the validity, RFC 3339 (default: now)")
	cn := fs.String("cn", "", "subject common name (default \"ITHC <ROLE> <CC> <serial>\")")
	passFile := fs.String("passphrase-file", "", "passphrase of the key file --key (default: $ITHC_KEY_PASSPHRASE if set)")
	var country, org, cscaPath, cscaKeyRef, cscaPassFile, usage *string
	if role == trust.RoleDSC {
		cscaPath = fs.String("csca", "", "the CSCA certificate, PEM (required)")
		cscaKeyRef = fs.String("csca-key", "", "the CSCA's key: a PKCS#8 PEM file or a pkcs11: URI (required)")
		cscaPassFile = fs.String("csca-passphrase-file", "", "passphrase of the key file --csca-key (default: $ITHC_KEY_PASSPHRASE if set)")
		usage = fs.String("usage", "test,vaccination,recovery", "event classes the signer may sign, written as DCC key-usage OIDs")
		country = fs.String("country", "", "country code; must be the CSCA's (default: the CSCA's)")
		org = fs.String("org", "", "organisation name (default: the CSCA's)")
	} else {
		country = fs.String("country", "", "ISO 3166-1 alpha-2 code of the country (required)")
		org = fs.String("org", "", "organisation name (default \"ITHC Health Authority\")")
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("unexpected argument %q", pos[0])
	}
	if *keyRef == "" || *out == "" {
		return usageError("--key and --out are required")
	}
	if role != trust.RoleDSC && *country == "" {
		return usageError("--country is required")
	}
	if *country != "" && !validCountry(*country) {
		return usageError("--country %q is not an ISO 3166-1 alpha-2 code (two letters, such as CN)", *country)
	}
	if *days < 0 {
		return usageError("--days must be positive")
	}
	opts := trust.CertOptions{Country: *country, Organisation: *org, CommonName: *cn, Validity: time.Duration(*days) * 24 * time.Hour}
	if *notBefore != "" {
		if opts.NotBefore, err = time.Parse(time.RFC3339, *notBefore); err != nil {
			return usageError("--not-before: %v", err)
		}
	}
	if _, err := os.Lstat(*out); err == nil {
		return withHint(fmt.Errorf("%s already exists", *out), "certificates are never overwritten; choose another --out")
	}

	// Everything that can fail without a key is checked before a key is
	// made, so that a mistake leaves no orphan key behind.
	var csca *x509.Certificate
	var cscaKey keys.Key
	if role == trust.RoleDSC {
		if *cscaPath == "" || *cscaKeyRef == "" {
			return usageError("--csca and --csca-key are required")
		}
		if opts.Usage, err = parseUsage(*usage); err != nil {
			return err
		}
		if csca, err = readOneCertificate(*cscaPath); err != nil {
			return err
		}
		start := opts.NotBefore
		if start.IsZero() {
			start = time.Now()
		}
		validity := opts.Validity
		if validity == 0 {
			validity = trust.DefaultDSCValidity
		}
		switch end := start.Add(validity); {
		case !start.Before(csca.NotAfter):
			return withHint(fmt.Errorf("the CSCA %s expired on %s", *cscaPath, csca.NotAfter.UTC().Format(time.DateOnly)),
				"make a new CSCA (ithc pki csca) and have it onboarded before issuing document signers")
		case start.Before(csca.NotBefore):
			return withHint(fmt.Errorf("the document signer would be valid from %s, before its CSCA (%s)",
				start.UTC().Format(time.RFC3339), csca.NotBefore.UTC().Format(time.RFC3339)), "give a later --not-before")
		case end.After(csca.NotAfter):
			return withHint(fmt.Errorf("the document signer would be valid until %s, after its CSCA expires (%s)",
				end.UTC().Format(time.DateOnly), csca.NotAfter.UTC().Format(time.DateOnly)),
				"give --days %d or less; a document signer must not outlive its CSCA", int(csca.NotAfter.Sub(start)/(24*time.Hour)))
		}
		if cscaKey, err = keys.Open(*cscaKeyRef, keys.Options{Passphrase: passphraseFor(*cscaPassFile)}); err != nil {
			return keyHint(err)
		}
		defer cscaKey.Close()
	}

	kopts := keys.Options{Passphrase: passphraseFor(*passFile)}
	var key keys.Key
	made := "made now"
	if *existing {
		key, err = keys.Open(*keyRef, kopts)
	} else {
		key, err = keys.Generate(*keyRef, *alg, kopts)
	}
	if err != nil {
		if errors.Is(err, keys.ErrExists) {
			return withHint(err, "add --existing to certify the key that is there, or name a new key")
		}
		return keyHint(err)
	}
	defer key.Close()
	if *existing {
		made = "existing"
	}

	var cert *x509.Certificate
	switch role {
	case trust.RoleCSCA:
		cert, err = trust.NewCSCA(key, opts)
	case trust.RoleDSC:
		cert, err = trust.NewDSC(key.Public(), csca, cscaKey, opts)
	case trust.RoleUpload:
		cert, err = trust.NewUploadCertificate(key, opts)
	case trust.RoleTLS:
		cert, err = trust.NewTLSCertificate(key, opts)
	}
	if err != nil {
		if !*existing {
			return withHint(err, "the key %s was made; certify it with --existing once the problem is fixed", *keyRef)
		}
		return err
	}
	if err := writeNewFile(*out, certPEM(cert), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s certificate: %s\n", roleName(role), *out)
	fmt.Fprintf(stdout, "  subject:  %s\n", cert.Subject.String())
	if role == trust.RoleDSC {
		fmt.Fprintf(stdout, "  issuer:   %s\n", cert.Issuer.String())
		fmt.Fprintf(stdout, "  kid:      %s\n", kidString(trust.KID(cert)))
		fmt.Fprintf(stdout, "  usage:    %s\n", trust.UsageFromCertificate(cert))
	}
	ref, _ := keys.ParseRef(*keyRef)
	fmt.Fprintf(stdout, "  key:      %s (%s, %s)\n", ref.String(), keyDescription(key.Public()), made)
	fmt.Fprintf(stdout, "  valid:    %s to %s\n", timeString(cert.NotBefore), timeString(cert.NotAfter))
	fmt.Fprintf(stdout, "  sha-256:  %s\n", fingerprint(cert))
	return nil
}

// keyHint adds what to do to the key errors people meet first.
func keyHint(err error) error {
	switch {
	case errors.Is(err, keys.ErrPassphraseRequired):
		return withHint(err, "give the passphrase with --passphrase-file FILE or the environment variable %s", keys.EnvPassphrase)
	case errors.Is(err, keys.ErrKeyPermissions):
		return withHint(err, "a key others can read must be considered leaked: restrict it, or make a new key")
	case errors.Is(err, keys.ErrBadRef):
		return withHint(err, "a key is a PEM file path or pkcs11:token=LABEL;object=LABEL")
	}
	return err
}

func roleName(r trust.Role) string {
	switch r {
	case trust.RoleCSCA:
		return "country signing CA"
	case trust.RoleDSC:
		return "document signer"
	case trust.RoleUpload:
		return "upload"
	case trust.RoleTLS:
		return "TLS client"
	}
	return string(r)
}

func keyDescription(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// parseUsage parses --usage: a comma-separated list of test, vaccination
// and recovery.
func parseUsage(s string) (trust.Usage, error) {
	var u trust.Usage
	for _, part := range strings.Split(s, ",") {
		switch strings.TrimSpace(strings.ToLower(part)) {
		case "test":
			u |= trust.UsageTest
		case "vaccination":
			u |= trust.UsageVaccination
		case "recovery":
			u |= trust.UsageRecovery
		default:
			return 0, usageError("--usage: %q is not test, vaccination or recovery", part)
		}
	}
	return u, nil
}

// readOneCertificate reads a file holding exactly one certificate.
func readOneCertificate(path string) (*x509.Certificate, error) {
	data, err := limits.ReadFile(path, limits.MaxCertificatePEM)
	if err != nil {
		return nil, err
	}
	certs, err := trust.LoadPEM(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("%s holds %d certificates; give the one CSCA certificate", path, len(certs))
	}
	return certs[0], nil
}

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// writeNewFile writes data to path through a temporary file, linked into
// place so that an existing file is never replaced.
func writeNewFile(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists (certificates are never overwritten)", path)
		}
		return err
	}
	return nil
}

// checkedCert is one certificate of "ithc pki check", as --json prints it.
type checkedCert struct {
	File       string            `json:"file"`
	Index      int               `json:"index"`
	Role       trust.Role        `json:"role"`
	Subject    string            `json:"subject"`
	SHA256     string            `json:"sha256,omitempty"`
	Issuer     string            `json:"checked_against,omitempty"`
	OK         bool              `json:"ok"`
	Violations []trust.Violation `json:"violations"`
}

// runPKICheck runs "ithc pki check": the governance check of certificates.
func runPKICheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pki check", "ithc pki check [--csca FILE] [--role auto|csca|dsc|upload|tls] [--country CC] [--now TIME] [--json] FILE...", stderr)
	var cscaPaths stringList
	fs.Var(&cscaPaths, "csca", "CSCA certificate(s) that issued the document signers checked (repeatable; CSCAs among FILE count too)")
	roleFlag := fs.String("role", "auto", "role of every certificate: csca, dsc, upload, tls, or auto (guessed from each certificate's extensions)")
	country := fs.String("country", "", "country every certificate must belong to")
	now := fs.String("now", "", "time at which the certificates must be valid, RFC 3339 (\"now\" for the current time; default: not checked)")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return withHint(usageError("no certificate file given"), "ithc pki check --csca csca.pem dsc.pem")
	}
	role := trust.Role("")
	if *roleFlag != "auto" {
		if role, err = trust.ParseRole(*roleFlag); err != nil {
			return usageError("--role: %v", err)
		}
	}
	opts := trust.CheckOptions{Country: *country}
	switch *now {
	case "":
	case "now":
		opts.Now = time.Now()
	default:
		if opts.Now, err = time.Parse(time.RFC3339, *now); err != nil {
			return usageError("--now: %v", err)
		}
	}

	type input struct {
		file  string
		index int
		der   []byte
		cert  *x509.Certificate // nil when Go's parser refuses it
	}
	var inputs []input
	var cas []*x509.Certificate
	read := func(path string, checked bool) error {
		data, err := limits.ReadFile(path, limits.MaxCertificatePEM)
		if err != nil {
			return err
		}
		ders, err := certificateDERs(data)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for i, der := range ders {
			c, _ := x509.ParseCertificate(der)
			if c != nil && c.IsCA {
				cas = append(cas, c)
			}
			if checked {
				inputs = append(inputs, input{file: path, index: i + 1, der: der, cert: c})
			}
		}
		return nil
	}
	for _, p := range cscaPaths {
		if err := read(p, false); err != nil {
			return err
		}
	}
	for _, p := range pos {
		if err := read(p, true); err != nil {
			return err
		}
	}

	var results []checkedCert
	failed := 0
	perFile := map[string]int{}
	for _, in := range inputs {
		perFile[in.file]++
	}
	for _, in := range inputs {
		r := checkedCert{File: in.file, Index: in.index, Role: role, Violations: []trust.Violation{}}
		var err error
		if in.cert == nil {
			if r.Role == "" {
				r.Role = trust.RoleDSC
			}
			_, err = trust.CheckCertificateDER(in.der, r.Role, nil, opts)
		} else {
			if r.Role == "" {
				r.Role = trust.InferRole(in.cert)
			}
			r.Subject, r.SHA256 = in.cert.Subject.String(), fingerprint(in.cert)
			var issuer *x509.Certificate
			if r.Role == trust.RoleDSC {
				issuer = findIssuer(in.cert, cas)
				if issuer != nil {
					r.Issuer = issuer.Subject.String()
				}
			}
			err = trust.CheckCertificate(in.cert, r.Role, issuer, opts)
		}
		var ge *trust.GovernanceError
		switch {
		case err == nil:
			r.OK = true
		case errors.As(err, &ge):
			r.Violations = ge.Violations
			if r.Subject == "" {
				r.Subject = ge.Subject
			}
			failed++
		default:
			return err
		}
		results = append(results, r)
	}

	if *asJSON {
		if err := writeJSON(stdout, results, ""); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			verdict := "OK  "
			if !r.OK {
				verdict = "FAIL"
			}
			name := r.File
			if perFile[r.File] > 1 {
				name = fmt.Sprintf("%s#%d", r.File, r.Index)
			}
			fmt.Fprintf(stdout, "%s %-6s %s  %s\n", verdict, r.Role, name, orDash(r.Subject))
			for _, v := range r.Violations {
				fmt.Fprintf(stdout, "     - %s\n", v)
			}
		}
		fmt.Fprintf(stdout, "%d certificates checked, %d with violations\n", len(results), failed)
	}
	if failed > 0 {
		return &exitError{code: 1, err: errorString("")}
	}
	return nil
}

// findIssuer returns the CA among cas whose subject is cert's issuer and
// whose key verifies cert's signature, else one whose subject matches
// (so that the check reports the bad signature), else nil.
func findIssuer(cert *x509.Certificate, cas []*x509.Certificate) *x509.Certificate {
	var byName *x509.Certificate
	for _, ca := range cas {
		if !bytes.Equal(ca.RawSubject, cert.RawIssuer) || bytes.Equal(ca.Raw, cert.Raw) {
			continue
		}
		if cert.CheckSignatureFrom(ca) == nil {
			return ca
		}
		if byName == nil {
			byName = ca
		}
	}
	return byName
}

// certificateDERs splits a PEM file into its CERTIFICATE blocks, or
// returns a DER file as it is.
func certificateDERs(data []byte) ([][]byte, error) {
	if !bytes.Contains(data, []byte("-----BEGIN ")) {
		if len(data) == 0 {
			return nil, trust.ErrNoCertificates
		}
		return [][]byte{data}, nil
	}
	var out [][]byte
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch {
		case b.Type == "CERTIFICATE":
			out = append(out, b.Bytes)
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			return nil, errors.New("holds a private key; give certificates only")
		default:
			return nil, fmt.Errorf("unexpected PEM block %q (want CERTIFICATE)", b.Type)
		}
	}
	if bytes.Contains(rest, []byte("-----BEGIN ")) {
		return nil, errors.New("a PEM block is malformed")
	}
	if len(out) == 0 {
		return nil, trust.ErrNoCertificates
	}
	return out, nil
}
