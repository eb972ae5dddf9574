package trust

import (
	"crypto/x509"
	"encoding/asn1"

	"github.com/ithc/ithc/healthcert"
)

// The DCC extended-key-usage OIDs that restrict a document signer to event
// types, and the legacy arc some countries used in 2021.
var (
	OIDTest        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 1}
	OIDVaccination = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2}
	OIDRecovery    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 3}

	OIDLegacyTest        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 1}
	OIDLegacyVaccination = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 2}
	OIDLegacyRecovery    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 3}
)

// Usage is a set of event classes a signer may sign. The zero value means
// unrestricted.
type Usage uint8

// The event classes. Following the DCC specification, the test class covers
// every kind of test; for ITHC's native events that is nucleic-acid,
// antigen and antibody (serology) tests.
const (
	UsageTest Usage = 1 << iota
	UsageVaccination
	UsageRecovery
)

// UsageOf returns the class an event type belongs to.
func UsageOf(t healthcert.EventType) Usage {
	switch t {
	case healthcert.TypeVaccination:
		return UsageVaccination
	case healthcert.TypeRecovery:
		return UsageRecovery
	case healthcert.TypeNucleicAcidTest, healthcert.TypeAntigenTest, healthcert.TypeAntibodyTest:
		return UsageTest
	}
	return 0
}

// Allows reports whether a signer with usage u may sign an event of type t.
// An unrestricted usage allows every type; an unknown type is never allowed
// by a restricted usage.
func (u Usage) Allows(t healthcert.EventType) bool {
	if u == 0 {
		return true
	}
	c := UsageOf(t)
	return c != 0 && u&c == c
}

// String lists the classes, such as "test,vaccination", or "any".
func (u Usage) String() string {
	if u == 0 {
		return "any"
	}
	s := ""
	for _, p := range []struct {
		u    Usage
		name string
	}{{UsageTest, "test"}, {UsageVaccination, "vaccination"}, {UsageRecovery, "recovery"}} {
		if u&p.u != 0 {
			if s != "" {
				s += ","
			}
			s += p.name
		}
	}
	return s
}

// UsageFromCertificate reads the health key-usage OIDs (current and legacy
// arcs) from the extended key usage of cert. Other extended key usages are
// ignored: a document signer whose extension lists only other purposes may
// sign every class. RFC 5280 would restrict such a certificate to the
// purposes listed, but the DCC specification restricts only by its own
// OIDs, and real document signers carry others (Spain's list TLS client
// authentication and e-mail protection and sign every type). The EU test
// data disagrees with itself here: Spain's files 1101 and 1103 expect such
// a signer to pass, Iceland's file 3 (an ICAO document-signer OID only)
// expects it to fail.
func UsageFromCertificate(cert *x509.Certificate) Usage {
	var u Usage
	for _, oid := range cert.UnknownExtKeyUsage {
		switch {
		case oid.Equal(OIDTest), oid.Equal(OIDLegacyTest):
			u |= UsageTest
		case oid.Equal(OIDVaccination), oid.Equal(OIDLegacyVaccination):
			u |= UsageVaccination
		case oid.Equal(OIDRecovery), oid.Equal(OIDLegacyRecovery):
			u |= UsageRecovery
		}
	}
	return u
}

// NewSigner precomputes a Signer from a document signer certificate. Country
// overrides the certificate's subject C attribute when not empty.
func NewSigner(cert *x509.Certificate, country string) *Signer {
	if country == "" && len(cert.Subject.Country) > 0 {
		country = cert.Subject.Country[0]
	}
	return &Signer{
		Certificate: cert,
		PublicKey:   cert.PublicKey,
		KID:         KID(cert),
		Country:     country,
		Usage:       UsageFromCertificate(cert),
	}
}
