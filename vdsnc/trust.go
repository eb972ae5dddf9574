package vdsnc

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/trust"
)

// CSCAPool holds trusted certificates: country signing CAs (self-signed,
// or link certificates from a CSCA rollover, as master lists carry them)
// and signer certificates trusted as they are. It implements Anchors. Add
// certificates before sharing it; lookups are then safe for concurrent
// use.
type CSCAPool struct {
	bySubject map[string][]*x509.Certificate
	byKeyID   map[string][]*x509.Certificate
	byDER     map[[32]byte]*x509.Certificate
}

// NewCSCAPool returns an empty pool.
func NewCSCAPool() *CSCAPool {
	return &CSCAPool{
		bySubject: map[string][]*x509.Certificate{},
		byKeyID:   map[string][]*x509.Certificate{},
		byDER:     map[[32]byte]*x509.Certificate{},
	}
}

// Len returns the number of certificates in the pool.
func (p *CSCAPool) Len() int { return len(p.byDER) }

// Add trusts cert. A certificate already in the pool is ignored. A CA
// certificate (basic constraints CA) may issue signers; any other
// certificate is trusted only as the signer of seals that carry exactly
// it. The pool holds at most limits.MaxTrustCertificates certificates.
func (p *CSCAPool) Add(cert *x509.Certificate) error {
	sum := sha256.Sum256(cert.Raw)
	if _, ok := p.byDER[sum]; ok {
		return nil
	}
	if len(p.byDER) >= limits.MaxTrustCertificates {
		return fmt.Errorf("vdsnc: more than %d trusted certificates", limits.MaxTrustCertificates)
	}
	p.byDER[sum] = cert
	if cert.BasicConstraintsValid && cert.IsCA {
		p.bySubject[string(cert.RawSubject)] = append(p.bySubject[string(cert.RawSubject)], cert)
		if len(cert.SubjectKeyId) > 0 {
			p.byKeyID[string(cert.SubjectKeyId)] = append(p.byKeyID[string(cert.SubjectKeyId)], cert)
		}
	}
	return nil
}

// Issuers implements Anchors.
func (p *CSCAPool) Issuers(cert *x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	if c, ok := p.byDER[sha256.Sum256(cert.Raw)]; ok && bytes.Equal(c.Raw, cert.Raw) {
		out = append(out, c)
	}
	out = append(out, p.bySubject[string(cert.RawIssuer)]...)
	if len(cert.AuthorityKeyId) > 0 {
		for _, c := range p.byKeyID[string(cert.AuthorityKeyId)] {
			if !bytes.Equal(c.RawSubject, cert.RawIssuer) { // not listed yet
				out = append(out, c)
			}
		}
	}
	return out
}

// LoadCSCAs builds a pool from certificate files and directories, read as
// trust.LoadCertificateFiles reads them. Any problem is an error naming
// the file, and no pool is returned.
func LoadCSCAs(paths ...string) (*CSCAPool, error) {
	certs, err := trust.LoadCertificateFiles(paths...)
	if err != nil {
		return nil, fmt.Errorf("vdsnc: %w", err)
	}
	p := NewCSCAPool()
	for _, c := range certs {
		if err := p.Add(c); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// checkChain finds the anchor that issued the signer certificate (or the
// signer itself, trusted as it is), of the country of the seal's issuing
// state and valid at now.
func checkChain(cert *x509.Certificate, anchors Anchors, state string, now time.Time, skew time.Duration) (*x509.Certificate, *Error) {
	if anchors == nil {
		return nil, fail(StatusIssuerNotTrusted, StageChain, "no trusted CSCA given")
	}
	country, known := Alpha2(state)
	cands := anchors.Issuers(cert)
	if len(cands) == 0 {
		return nil, fail(StatusIssuerNotTrusted, StageChain, "no trusted CSCA issued the signer certificate (issuer %s)", cert.Issuer)
	}
	var errSig, errCountry, errTime *Error
	for _, c := range cands {
		if !bytes.Equal(c.Raw, cert.Raw) && !issued(c, cert) {
			if err := cert.CheckSignatureFrom(c); err != nil {
				errSig = fail(StatusIssuerNotTrusted, StageChain, "the CSCA %s does not verify the signer certificate: %v", c.Subject, err)
				continue
			}
			rememberIssued(c, cert)
		}
		if !known || len(c.Subject.Country) == 0 || !strings.EqualFold(c.Subject.Country[0], country) {
			cc := "no country"
			if len(c.Subject.Country) > 0 {
				cc = "country " + c.Subject.Country[0]
			}
			errCountry = fail(StatusIssuerNotTrusted, StageChain, "the seal names issuing state %s but its signer chains to %s, of %s", state, c.Subject, cc)
			continue
		}
		if now.Before(c.NotBefore.Add(-skew)) || now.After(c.NotAfter.Add(skew)) {
			errTime = fail(StatusExpiredKeys, StageChain, "the CSCA %s is valid from %s to %s, not now %s", c.Subject, stamp(c.NotBefore), stamp(c.NotAfter), stamp(now))
			continue
		}
		return c, nil
	}
	for _, e := range []*Error{errCountry, errTime, errSig} {
		if e != nil {
			return nil, e
		}
	}
	return nil, fail(StatusIssuerNotTrusted, StageChain, "no trusted CSCA issued the signer certificate")
}

// issuedCache remembers the (CSCA, signer) pairs whose signature
// verified, keyed by the SHA-256 of both certificates: a border verifier
// sees the same few signers all day, and the CSCA's signature (often
// P-384 or RSA) costs more than the seal's. It holds at most
// maxIssuedCache pairs, and is emptied when full.
var (
	issuedMu    sync.Mutex
	issuedCache = map[[64]byte]struct{}{}
)

const maxIssuedCache = 4096

func issuedKey(csca, cert *x509.Certificate) [64]byte {
	var k [64]byte
	a, b := sha256.Sum256(csca.Raw), sha256.Sum256(cert.Raw)
	copy(k[:32], a[:])
	copy(k[32:], b[:])
	return k
}

func issued(csca, cert *x509.Certificate) bool {
	k := issuedKey(csca, cert)
	issuedMu.Lock()
	defer issuedMu.Unlock()
	_, ok := issuedCache[k]
	return ok
}

func rememberIssued(csca, cert *x509.Certificate) {
	k := issuedKey(csca, cert)
	issuedMu.Lock()
	defer issuedMu.Unlock()
	if len(issuedCache) >= maxIssuedCache {
		clear(issuedCache)
	}
	issuedCache[k] = struct{}{}
}
