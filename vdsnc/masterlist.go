package vdsnc

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/ithc/ithc/internal/cms"
	"github.com/ithc/ithc/internal/limits"
)

// oidMasterList is id-icao-cscaMasterList, the encapsulated content type
// of an ICAO CSCA master list (Doc 9303-12, §9).
var oidMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}

// cscaMasterList is CscaMasterList ::= SEQUENCE { version INTEGER,
// certList SET OF Certificate }.
type cscaMasterList struct {
	Version  int
	CertList []asn1.RawValue `asn1:"set"`
}

// MasterListReport says what AddMasterList did.
type MasterListReport struct {
	// Added is the number of CSCAs added; Skipped the number crypto/x509
	// could not parse (explicit brainpool parameters are common in real
	// master lists) and that were left out.
	Added, Skipped int
	// Signer is the subject of the master list signer certificate.
	Signer string
}

// AddMasterList adds the CSCAs of an ICAO master list (DER CMS SignedData
// of content type id-icao-cscaMasterList) to p. The list's signature must
// verify, and its signer certificate (the Master List Signer) must be
// issued by a CSCA p already trusts and be valid at now: a master list
// extends trust, it cannot found it. Certificates the list holds that do
// not parse are skipped and counted; nothing is added when the list itself
// is refused.
func (p *CSCAPool) AddMasterList(der []byte, now time.Time) (*MasterListReport, error) {
	if len(der) > limits.MaxCMS {
		return nil, fmt.Errorf("vdsnc: master list: %d bytes, more than %d", len(der), limits.MaxCMS)
	}
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("vdsnc: master list: %w", err)
	}
	signer, err := sd.Verify(cms.VerifyOptions{ContentType: oidMasterList})
	if err != nil {
		return nil, fmt.Errorf("vdsnc: master list: %w", err)
	}
	issued := false
	for _, csca := range p.Issuers(signer) {
		if csca.IsCA && signer.CheckSignatureFrom(csca) == nil {
			issued = true
			break
		}
	}
	if !issued {
		return nil, fmt.Errorf("vdsnc: master list: its signer %q is not issued by a trusted CSCA", signer.Subject)
	}
	if now.Before(signer.NotBefore) || now.After(signer.NotAfter) {
		return nil, fmt.Errorf("vdsnc: master list: its signer %q is valid from %s to %s, not at %s", signer.Subject,
			signer.NotBefore.UTC().Format(time.DateOnly), signer.NotAfter.UTC().Format(time.DateOnly), now.UTC().Format(time.DateOnly))
	}
	var ml cscaMasterList
	rest, err := asn1.Unmarshal(sd.Content, &ml)
	if err != nil {
		return nil, fmt.Errorf("vdsnc: master list content: %w", err)
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("vdsnc: master list content: %d bytes after the CscaMasterList", len(rest))
	}
	if ml.Version != 0 {
		return nil, fmt.Errorf("vdsnc: master list version %d, want 0", ml.Version)
	}
	if len(ml.CertList)+p.Len() > limits.MaxTrustCertificates {
		return nil, fmt.Errorf("vdsnc: master list: %d certificates, more than the %d a pool holds", len(ml.CertList), limits.MaxTrustCertificates)
	}
	r := &MasterListReport{Signer: signer.Subject.String()}
	var parsed []*x509.Certificate
	for _, raw := range ml.CertList {
		c, err := x509.ParseCertificate(raw.FullBytes)
		if err != nil {
			r.Skipped++
			continue
		}
		parsed = append(parsed, c)
	}
	for _, c := range parsed {
		if err := p.Add(c); err != nil {
			return nil, err
		}
		r.Added++
	}
	return r, nil
}
