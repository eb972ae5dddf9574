package shc

import (
	"crypto/ecdsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// LoadIssuerDir adds to s the keys an issuer publishes, read from a copy
// of its web folder: dir/.well-known/jwks.json (or dir/well-known/jwks.json,
// for copies that drop the dot) and, for each key with a crlVersion,
// crl/<kid>.json beside it. A revocation list that is missing or malformed
// does not stop the load: the key gets CRLErr, and Verify refuses its cards.
func (s *KeyStore) LoadIssuerDir(iss, dir string) ([]Finding, error) {
	var wk string
	for _, name := range []string{".well-known", "well-known"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(filepath.Join(p, "jwks.json")); err == nil {
			wk = p
			break
		}
	}
	if wk == "" {
		return nil, fmt.Errorf("shc: %s has no .well-known/jwks.json", dir)
	}
	data, err := limits.ReadFile(filepath.Join(wk, "jwks.json"), limits.MaxSHCFile)
	if err != nil {
		return nil, fmt.Errorf("shc: %w", err)
	}
	keys, findings, err := ParseJWKS(iss, data)
	if err != nil {
		return findings, fmt.Errorf("%w (%s)", err, filepath.Join(wk, "jwks.json"))
	}
	for _, k := range keys {
		if k.CRLVersion == 0 {
			continue
		}
		p := filepath.Join(wk, "crl", k.KID+".json")
		data, err := limits.ReadFile(p, limits.MaxSHCFile)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				err = fmt.Errorf("shc: key %s announces revocation list version %d, but %s does not exist", k.KID, k.CRLVersion, p)
			}
			k.CRLErr = err
			continue
		}
		k.CRL, k.CRLErr = ParseCRL(data, k.KID, k.CRLVersion)
	}
	s.AddKeys(keys...)
	return findings, nil
}

// Directory is a list of trusted issuers without their keys, in the
// format of the VCI directory's vci-issuers.json:
// {"participating_issuers": [{"iss", "name", "canonical_iss"?}]}.
type Directory struct {
	names map[string]string
}

// ParseDirectory reads an issuer list. The list's top-level key may be
// any name (VCI writes "participating_issuers"; its example file
// "example_issuers"), provided it is the only one.
func ParseDirectory(data []byte) (*Directory, error) {
	if len(data) > limits.MaxSHCFile {
		return nil, fmt.Errorf("shc: issuer directory of %d bytes, more than %d", len(data), limits.MaxSHCFile)
	}
	if _, err := parseJSON(data); err != nil {
		return nil, fmt.Errorf("shc: issuer directory is not json: %v", err)
	}
	var top map[string][]struct {
		Iss          string `json:"iss"`
		Name         string `json:"name"`
		CanonicalIss string `json:"canonical_iss"`
	}
	if err := json.Unmarshal(data, &top); err != nil || len(top) != 1 {
		return nil, errors.New("shc: not an issuer directory: expected one array of issuers such as \"participating_issuers\"")
	}
	d := &Directory{names: map[string]string{}}
	for _, list := range top {
		if len(list) > limits.MaxSHCIssuers {
			return nil, fmt.Errorf("shc: issuer directory of %d issuers, more than %d", len(list), limits.MaxSHCIssuers)
		}
		for i, e := range list {
			if e.Iss == "" {
				return nil, fmt.Errorf("shc: issuer directory entry %d has no iss", i)
			}
			d.names[e.Iss] = e.Name
		}
	}
	return d, nil
}

// Lookup reports whether iss is listed, and its name.
func (d *Directory) Lookup(iss string) (string, bool) {
	name, ok := d.names[iss]
	return name, ok
}

// Len returns the number of issuers listed.
func (d *Directory) Len() int { return len(d.names) }

// ParseVCISnapshot reads the VCI directory's daily key snapshot
// (vci_snapshot.json) after checking its detached signature: sig is an
// ECDSA signature, DER-encoded, over the SHA-512 digest of the snapshot's
// exact bytes, by the key of certPEM (vci_snapshot.crt, the directory's
// P-521 signing certificate), which must be valid at now and allowed to
// sign (digitalSignature). The certificate is the trust anchor: pin the
// file, do not fetch it with the snapshot.
//
// The store holds every listed issuer's usable keys, with their
// revocation lists; a key whose list is malformed gets CRLErr. Keys that
// are not ES256 signing keys, or whose kid is not their thumbprint, are
// left out with a finding each.
func ParseVCISnapshot(snapshot, sig, certPEM []byte, now time.Time) (*KeyStore, []Finding, error) {
	if len(snapshot) > limits.MaxSHCFile {
		return nil, nil, fmt.Errorf("shc: vci snapshot of %d bytes, more than %d", len(snapshot), limits.MaxSHCFile)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, nil, errors.New("shc: vci snapshot certificate is not a PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("shc: vci snapshot certificate: %v", err)
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return nil, nil, fmt.Errorf("shc: vci snapshot certificate is valid from %s to %s, not at %s",
			cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, nil, errors.New("shc: vci snapshot certificate may not sign (no digitalSignature key usage)")
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, nil, fmt.Errorf("shc: vci snapshot certificate holds a %T, not an ECDSA key", cert.PublicKey)
	}
	digest := sha512.Sum512(snapshot)
	if !ecdsa.VerifyASN1(pub, digest[:], sig) {
		return nil, nil, errors.New("shc: the vci snapshot signature does not verify: the snapshot was altered or signed by another key")
	}
	if _, err := parseJSON(snapshot); err != nil {
		return nil, nil, fmt.Errorf("shc: vci snapshot is not json: %v", err)
	}
	var snap struct {
		IssuerInfo []struct {
			Issuer struct {
				Iss  string `json:"iss"`
				Name string `json:"name"`
			} `json:"issuer"`
			Keys []json.RawMessage `json:"keys"`
			CRLs []struct {
				Kid    string          `json:"kid"`
				Method string          `json:"method"`
				Ctr    json.RawMessage `json:"ctr"`
				Rids   []string        `json:"rids"`
			} `json:"crls"`
		} `json:"issuerInfo"`
	}
	if err := json.Unmarshal(snapshot, &snap); err != nil {
		return nil, nil, fmt.Errorf("shc: vci snapshot: %v", err)
	}
	if len(snap.IssuerInfo) > limits.MaxSHCIssuers {
		return nil, nil, fmt.Errorf("shc: vci snapshot of %d issuers, more than %d", len(snap.IssuerInfo), limits.MaxSHCIssuers)
	}
	s := NewKeyStore()
	var findings []Finding
	for _, info := range snap.IssuerInfo {
		iss := info.Issuer.Iss
		if len(info.Keys) > limits.MaxSHCKeys {
			findings = append(findings, warn(CodeInvalidKey, "issuer %q: %d keys, more than %d; left out", iss, len(info.Keys), limits.MaxSHCKeys))
			continue
		}
		var keys []*Key
		for i, raw := range info.Keys {
			k, f, err := parseJWK(iss, raw)
			findings = append(findings, f...)
			if err != nil {
				findings = append(findings, warn(CodeInvalidKey, "issuer %q key %d left out: %v", iss, i, err))
				continue
			}
			k.IssuerName = info.Issuer.Name
			keys = append(keys, k)
		}
		for _, k := range keys {
			if k.CRLVersion == 0 {
				continue
			}
			k.CRLErr = fmt.Errorf("shc: key %s announces revocation list version %d, the snapshot has none", k.KID, k.CRLVersion)
			for _, c := range info.CRLs {
				if c.Kid == k.KID {
					k.CRL, k.CRLErr = newCRL(c.Kid, c.Method, c.Ctr, c.Rids, k.KID, k.CRLVersion)
					break
				}
			}
		}
		s.AddKeys(keys...)
	}
	return s, findings, nil
}
