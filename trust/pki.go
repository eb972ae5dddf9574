package trust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// The algorithm names of CountryOptions, as COSE and JOSE name them.
const (
	AlgES256 = "ES256" // ECDSA P-256 with SHA-256
	AlgPS256 = "PS256" // RSASSA-PSS with SHA-256 (RSA-3072 keys)
	AlgEdDSA = "EdDSA" // Ed25519
)

// CountryOptions configures GenerateCountry. The zero value of each field
// is documented next to it; Country is required.
type CountryOptions struct {
	// Country is the ISO 3166-1 alpha-2 code of the issuing country, such
	// as "CN". Lower case is accepted and upper-cased.
	Country string
	// Organisation is the subject O attribute of both certificates; empty
	// means "ITHC Health Authority".
	Organisation string
	// Algorithm is AlgES256 (the default when empty; P-256), AlgPS256
	// (RSA-3072) or AlgEdDSA (Ed25519).
	Algorithm string
	// Usage is the set of event classes the document signer may sign; zero
	// means test|vaccination|recovery, written as all three DCC key-usage
	// OIDs.
	Usage Usage
	// Now is the start of both validity windows; zero means time.Now().
	Now time.Time
	// CSCAValidity is how long the CSCA is valid; zero means 4 years.
	CSCAValidity time.Duration
	// DSCValidity is how long the document signer is valid; zero means 2
	// years. It must not exceed CSCAValidity.
	DSCValidity time.Duration
	// Random is the source of certificate serial numbers; nil means
	// crypto/rand.Reader. Since Go 1.26 key generation always uses the
	// system's secure source (tests wanting fixed keys use
	// testing/cryptotest.SetGlobalRandom).
	Random io.Reader
}

// Country is a country's minimal signing PKI: a country signing CA and one
// document signer it issued.
type Country struct {
	// Code is the ISO 3166-1 alpha-2 country code.
	Code string
	// CSCA is the self-signed country signing CA certificate.
	CSCA *x509.Certificate
	// CSCAKey is the CSCA private key.
	CSCAKey crypto.Signer
	// DSC is the document signer certificate, issued by CSCA.
	DSC *x509.Certificate
	// DSCKey is the document signer private key: the key that signs codes.
	DSCKey crypto.Signer
}

// The file names WriteDir writes.
const (
	FileCSCACert = "csca.pem"
	FileCSCAKey  = "csca.key"
	FileDSCCert  = "dsc.pem"
	FileDSCKey   = "dsc.key"
)

// ErrExists means WriteDir would overwrite a private key file.
var ErrExists = errors.New("trust: key file already exists")

// GenerateCountry creates a country signing CA and one document signer:
//
//   - CSCA: self-signed, subject C=<country>, O=<organisation>,
//     CN="ITHC CSCA <country>"; basicConstraints CA:TRUE, pathLen 0
//     (critical); keyUsage certSign|CRLSign (critical).
//   - DSC: issued by the CSCA, subject C, O, CN="ITHC DSC <country> 1";
//     CA:FALSE; keyUsage digitalSignature (critical); extended key usage
//     the DCC OIDs of opts.Usage; validity inside the CSCA's.
//
// The keys are generated in memory; Country.WriteDir stores them.
func GenerateCountry(opts CountryOptions) (*Country, error) {
	code, err := normaliseCountry(opts.Country)
	if err != nil {
		return nil, err
	}
	org := opts.Organisation
	if org == "" {
		org = "ITHC Health Authority"
	}
	alg := opts.Algorithm
	if alg == "" {
		alg = AlgES256
	}
	usage := opts.Usage
	if usage == 0 {
		usage = UsageTest | UsageVaccination | UsageRecovery
	}
	if usage&^(UsageTest|UsageVaccination|UsageRecovery) != 0 {
		return nil, fmt.Errorf("trust: generate: unknown usage bits %#x", uint8(usage))
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Second)
	cscaValidity, dscValidity := opts.CSCAValidity, opts.DSCValidity
	if cscaValidity == 0 {
		cscaValidity = 4 * 365 * 24 * time.Hour
	}
	if dscValidity == 0 {
		dscValidity = 2 * 365 * 24 * time.Hour
	}
	if cscaValidity < 0 || dscValidity < 0 {
		return nil, errors.New("trust: generate: negative validity")
	}
	if dscValidity > cscaValidity {
		return nil, fmt.Errorf("trust: generate: dsc validity %v exceeds csca validity %v", dscValidity, cscaValidity)
	}
	random := opts.Random
	if random == nil {
		random = rand.Reader
	}

	cscaKey, err := GenerateKey(alg)
	if err != nil {
		return nil, err
	}
	dscKey, err := GenerateKey(alg)
	if err != nil {
		return nil, err
	}
	sigAlg := signatureAlgorithm(alg)

	serial, err := randomSerial(random)
	if err != nil {
		return nil, err
	}
	cscaTmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Country: []string{code}, Organization: []string{org}, CommonName: "ITHC CSCA " + code},
		NotBefore:             now,
		NotAfter:              now.Add(cscaValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		SignatureAlgorithm:    sigAlg,
	}
	cscaDER, err := x509.CreateCertificate(random, cscaTmpl, cscaTmpl, cscaKey.Public(), cscaKey)
	if err != nil {
		return nil, fmt.Errorf("trust: generate: csca: %v", err)
	}
	csca, err := x509.ParseCertificate(cscaDER)
	if err != nil {
		return nil, fmt.Errorf("trust: generate: csca: %v", err)
	}

	serial, err = randomSerial(random)
	if err != nil {
		return nil, err
	}
	dscTmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Country: []string{code}, Organization: []string{org}, CommonName: "ITHC DSC " + code + " 1"},
		NotBefore:             now,
		NotAfter:              now.Add(dscValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage:    UsageOIDs(usage),
		BasicConstraintsValid: true,
		IsCA:                  false,
		SignatureAlgorithm:    sigAlg,
	}
	dscDER, err := x509.CreateCertificate(random, dscTmpl, csca, dscKey.Public(), cscaKey)
	if err != nil {
		return nil, fmt.Errorf("trust: generate: dsc: %v", err)
	}
	dsc, err := x509.ParseCertificate(dscDER)
	if err != nil {
		return nil, fmt.Errorf("trust: generate: dsc: %v", err)
	}
	return &Country{Code: code, CSCA: csca, CSCAKey: cscaKey, DSC: dsc, DSCKey: dscKey}, nil
}

// UsageOIDs returns the DCC extended-key-usage OIDs (current arc) of u, in
// the order test, vaccination, recovery. The zero Usage has none.
func UsageOIDs(u Usage) []asn1.ObjectIdentifier {
	var oids []asn1.ObjectIdentifier
	if u&UsageTest != 0 {
		oids = append(oids, OIDTest)
	}
	if u&UsageVaccination != 0 {
		oids = append(oids, OIDVaccination)
	}
	if u&UsageRecovery != 0 {
		oids = append(oids, OIDRecovery)
	}
	return oids
}

// GenerateKey generates a signing key for a CountryOptions algorithm name:
// AlgES256 (P-256), AlgPS256 (RSA-3072) or AlgEdDSA (Ed25519).
func GenerateKey(alg string) (crypto.Signer, error) {
	var (
		k   crypto.Signer
		err error
	)
	switch alg {
	case AlgES256:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case AlgPS256:
		k, err = rsa.GenerateKey(rand.Reader, 3072)
	case AlgEdDSA:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("trust: generate: unknown algorithm %q (want %s, %s or %s)", alg, AlgES256, AlgPS256, AlgEdDSA)
	}
	if err != nil {
		return nil, fmt.Errorf("trust: generate %s key: %v", alg, err)
	}
	return k, nil
}

func signatureAlgorithm(alg string) x509.SignatureAlgorithm {
	switch alg {
	case AlgPS256:
		return x509.SHA256WithRSAPSS
	case AlgEdDSA:
		return x509.PureEd25519
	}
	return x509.ECDSAWithSHA256
}

func randomSerial(r io.Reader) (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("trust: generate: serial number: %v", err)
	}
	b[0] &= 0x7f // positive
	b[0] |= 0x40 // and 16 bytes long
	return new(big.Int).SetBytes(b), nil
}

// WriteDir writes the country's certificates and keys to dir: csca.pem and
// dsc.pem (PEM certificates, mode 0644), csca.key and dsc.key (PKCS#8 PEM,
// mode 0600). The directory is created with mode 0700 when missing. It
// refuses, with ErrExists, to overwrite either key file, and checks both
// before writing anything. Each file is written to a temporary file in dir
// and then moved into place, so a crash leaves no partial file; the key
// files are linked into place, which fails rather than replace a key that
// appeared meanwhile.
func (c *Country) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("trust: write: %v", err)
	}
	for _, name := range []string{FileCSCAKey, FileDSCKey} {
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%w: %s (remove it first if you really mean to replace the country's keys)", ErrExists, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("trust: write: %v", err)
		}
	}
	cscaKey, err := marshalKey(c.CSCAKey)
	if err != nil {
		return err
	}
	dscKey, err := marshalKey(c.DSCKey)
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
		key  bool
	}{
		{FileCSCAKey, cscaKey, true},
		{FileDSCKey, dscKey, true},
		{FileCSCACert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.CSCA.Raw}), false},
		{FileDSCCert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DSC.Raw}), false},
	}
	for _, f := range files {
		if err := writeAtomic(dir, f.name, f.data, f.key); err != nil {
			return err
		}
	}
	return nil
}

func marshalKey(k crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("trust: write: private key: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// writeAtomic writes data to dir/name through a temporary file. A key file
// gets mode 0600 and never replaces an existing file; other files get mode
// 0644 and replace.
func writeAtomic(dir, name string, data []byte, key bool) (err error) {
	final := filepath.Join(dir, name)
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("trust: write %s: %v", final, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	mode := os.FileMode(0o644)
	if key {
		mode = 0o600
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("trust: write %s: %v", final, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("trust: write %s: %v", final, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("trust: write %s: %v", final, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("trust: write %s: %v", final, err)
	}
	if !key {
		if err := os.Rename(tmpName, final); err != nil {
			return fmt.Errorf("trust: write %s: %v", final, err)
		}
		return nil
	}
	if err := os.Link(tmpName, final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s", ErrExists, final)
		}
		return fmt.Errorf("trust: write %s: %v", final, err)
	}
	os.Remove(tmpName)
	return nil
}
