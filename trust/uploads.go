package trust

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/ithc/ithc/internal/cms"
)

// Uploads are the onboarded upload certificates of a list whose
// onboarding records the trust anchor signed, keyed "CC/hex thumbprint".
// Every entry a country publishes (document signer, rule, revocation
// batch, encryption key) carries the CMS its upload certificate signed;
// Open and CheckEntry verify that CMS against these certificates.
type Uploads map[string]bool

// UploadsOf returns the upload certificates of l whose onboarding records
// verify under anchor and match their entries. Entries that do not are
// left out here; BuildStore reports them.
func UploadsOf(l *List, anchor *x509.Certificate) Uploads {
	u := Uploads{}
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Deleted || e.Kind != "upload" {
			continue
		}
		rec, _, err := VerifyOnboarding(e.Signature, anchor)
		if err != nil || rec.Role != e.Kind || rec.Country != e.Country || rec.Thumbprint != e.ID || !bytes.Equal(rec.Certificate, e.Data) {
			continue
		}
		u.add(e.Country, rec.Thumbprint)
	}
	return u
}

func (u Uploads) add(country, thumbprint string) { u[country+"/"+thumbprint] = true }

// Open verifies a CMS upload of country (DER, or base64 as the EU
// gateway's national backends send it) and returns its content: the
// signature must verify and the signer be an onboarded upload
// certificate of country.
func (u Uploads) Open(country string, signed []byte) ([]byte, error) {
	der := signed
	if len(der) > 0 && der[0] != 0x30 {
		d, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(der), nil)))
		if err != nil {
			return nil, errors.New("upload signature: neither DER nor base64")
		}
		der = d
	}
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("upload signature: %v", err)
	}
	signer, err := sd.Verify(cms.VerifyOptions{})
	if err != nil {
		return nil, fmt.Errorf("upload signature: %v", err)
	}
	if !u[fmt.Sprintf("%s/%x", country, sha256.Sum256(signer.Raw))] {
		return nil, fmt.Errorf("upload signature: signed by %q, not an onboarded upload certificate of %s", signer.Subject, country)
	}
	return sd.Content, nil
}

// CheckEntry checks that e's Signature is a CMS over exactly e's Data by
// an onboarded upload certificate of e's country.
func (u Uploads) CheckEntry(e *ListEntry) error {
	content, err := u.Open(e.Country, e.Signature)
	if err != nil {
		return err
	}
	if !bytes.Equal(content, e.Data) {
		return fmt.Errorf("upload signature: the signed content is not this %s", e.Kind)
	}
	return nil
}
