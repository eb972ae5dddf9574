package vdsnc

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/ithc/ithc/vdsnc/internal/jcs"
)

// SignOptions configure Sign. The zero value is ready to use.
type SignOptions struct {
	// Rand is the randomness of the signature; nil means crypto/rand.
	Rand io.Reader
}

// Sign issues a seal: it checks c as a verifier will, signs the RFC 8785
// canonical form of its data with signer (any crypto.Signer: a file key or
// an HSM) and returns the seal's JSON, itself in canonical form:
//
//	{"data":{"hdr":{...},"msg":{...}},"sig":{"alg":"ES256","cer":"...","sigvl":"..."}}
//
// cert is the signer certificate; its public key must be signer's, an
// ECDSA key on P-256, P-384 or P-521 (ES256, ES384, ES512). The
// certificate must not contradict the seal (extended key usage and
// document type list, see Options.RequireExtensions) and its country must
// be the seal's issuing state. cer and sigvl are base64url with padding.
func Sign(c *Content, signer crypto.Signer, cert *x509.Certificate, opts SignOptions) ([]byte, error) {
	if c == nil || signer == nil || cert == nil {
		return nil, errors.New("vdsnc: sign: content, signer and certificate are required")
	}
	alg, err := AlgorithmFor(signer.Public())
	if err != nil {
		return nil, err
	}
	if !publicKeysEqual(signer.Public(), cert.PublicKey) {
		return nil, errors.New("vdsnc: sign: the signer certificate is not of the signing key")
	}
	data, err := c.tree()
	if err != nil {
		return nil, err
	}
	if _, err := checkKeyUsage(cert, c.Header.Type, false); err != nil {
		return nil, fmt.Errorf("vdsnc: sign: %v", err)
	}
	if w := countryMismatch(cert, c.Header.IssuingState); w != "" {
		return nil, fmt.Errorf("vdsnc: sign: %s", w)
	}
	signed, err := jcs.AppendCanonical(nil, data)
	if err != nil {
		return nil, fmt.Errorf("vdsnc: sign: %v", err)
	}
	curve, h, _ := curveOf(alg)
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	der, err := signer.Sign(rnd, digest(h, signed), h)
	if err != nil {
		return nil, fmt.Errorf("vdsnc: sign: %w", err)
	}
	raw, err := derToRaw(der, (curve.Params().BitSize+7)/8)
	if err != nil {
		return nil, err
	}
	sig := obj(jcs.Member{Key: "alg", Value: str(alg)},
		jcs.Member{Key: "cer", Value: str(base64.URLEncoding.EncodeToString(cert.Raw))},
		jcs.Member{Key: "sigvl", Value: str(base64.URLEncoding.EncodeToString(raw))})
	return jcs.AppendCanonical(nil, obj(jcs.Member{Key: "data", Value: data}, jcs.Member{Key: "sig", Value: sig}))
}

// publicKeysEqual compares two public keys of the standard library.
func publicKeysEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
