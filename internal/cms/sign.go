package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// SignOptions configures Sign. A nil *SignOptions means the zero value:
// the content encapsulated, signed now, only the signer certificate
// included, RSA keys signing with PKCS #1 v1.5.
type SignOptions struct {
	// Detached leaves the content out of the message (a detached
	// signature); the verifier supplies it.
	Detached bool

	// SigningTime is the signingTime attribute; the zero value means
	// time.Now(). It is written to the second, in UTC.
	SigningTime time.Time

	// Certificates are further certificates to include besides the signer
	// certificate, such as its issuing CA. Duplicates are written once;
	// the set is written in DER order (sorted by encoding), so the signer
	// certificate need not come first.
	Certificates []*x509.Certificate

	// PSS makes an RSA key sign with RSASSA-PSS (SHA-256, MGF1 with
	// SHA-256, 32 bytes of salt) instead of PKCS #1 v1.5. It is an error
	// with any other key.
	PSS bool

	// Rand is the source of randomness for the signature; nil means
	// crypto/rand.Reader. HSM signers ignore it.
	Rand io.Reader

	// ContentType is the encapsulated content type; nil means id-data.
	// Another type makes the SignedData version 3 (RFC 5652 §5.1).
	ContentType asn1.ObjectIdentifier
}

// Sign returns a DER CMS ContentInfo holding a SignedData of content signed
// by key, whose certificate is cert (see the package documentation for the
// exact shape and the algorithms). key may be any crypto.Signer, such as an
// HSM object; its public key must be cert's.
func Sign(content []byte, cert *x509.Certificate, key crypto.Signer, opts *SignOptions) ([]byte, error) {
	return sign(content, cert, key, opts, nil)
}

// signHooks let tests build messages Sign never writes.
type signHooks struct {
	attrs  func(attrs [][]byte) [][]byte // rewrites the encoded signed attributes (each a whole Attribute)
	noSort bool                          // keeps the signed attributes in the order attrs returns
	certs  func(certs [][]byte) [][]byte // rewrites the certificates written
}

func sign(content []byte, cert *x509.Certificate, key crypto.Signer, opts *SignOptions, hooks *signHooks) ([]byte, error) {
	if cert == nil || len(cert.Raw) == 0 {
		return nil, errors.New("cms: a parsed signer certificate is required")
	}
	if key == nil {
		return nil, errors.New("cms: a signing key is required")
	}
	if opts == nil {
		opts = &SignOptions{}
	}
	pub := key.Public()
	if eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("cms: the signing key does not belong to the signer certificate %q", cert.Subject)
	}
	s, sigAlg, err := signScheme(pub, opts.PSS)
	if err != nil {
		return nil, err
	}
	contentType, version := oidData, int64(1)
	if opts.ContentType != nil && !opts.ContentType.Equal(oidData) {
		contentType, version = opts.ContentType, 3
	}
	digest := s.hash
	if s.kind == kindEd25519 {
		digest = crypto.SHA512
	}
	h := digest.New()
	h.Write(content)
	contentDigest := h.Sum(nil)

	when := opts.SigningTime
	if when.IsZero() {
		when = time.Now()
	}
	attrs := [][]byte{
		attr(oidAttrContentType, encodeOID(contentType)),
		attr(oidAttrSigningTime, encodeTime(when)),
		attr(oidAttrMessageDigest, tlv(tagOctetString, contentDigest)),
	}
	if hooks != nil && hooks.attrs != nil {
		attrs = hooks.attrs(attrs)
	}
	if hooks == nil || !hooks.noSort {
		slices.SortFunc(attrs, bytes.Compare) // DER orders a SET OF by encoding
	}
	signed := tlv(tagSet, attrs...)

	random := opts.Rand
	if random == nil {
		random = rand.Reader
	}
	var sig []byte
	switch s.kind {
	case kindEd25519:
		sig, err = key.Sign(random, signed, crypto.Hash(0))
	default:
		hh := s.hash.New()
		hh.Write(signed)
		var so crypto.SignerOpts = s.hash
		if s.kind == kindRSAPSS {
			so = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: s.hash}
		}
		sig, err = key.Sign(random, hh.Sum(nil), so)
	}
	if err != nil {
		return nil, fmt.Errorf("cms: signing: %w", err)
	}

	digestAlg := tlv(tagSequence, encodeOID(hashOID(digest))) // parameters absent (RFC 5754 §2)
	signedTagged := append([]byte{}, signed...)
	signedTagged[0] = ctx(0, true) // [0] IMPLICIT SET OF Attribute
	signerInfo := tlv(tagSequence,
		encodeInt(big.NewInt(1)),
		tlv(tagSequence, cert.RawIssuer, encodeInt(cert.SerialNumber)),
		digestAlg,
		signedTagged,
		sigAlg,
		tlv(tagOctetString, sig),
	)

	certs := [][]byte{cert.Raw}
	for _, c := range opts.Certificates {
		if c == nil || len(c.Raw) == 0 {
			return nil, errors.New("cms: SignOptions.Certificates holds an unparsed certificate")
		}
		if !slices.ContainsFunc(certs, func(b []byte) bool { return bytes.Equal(b, c.Raw) }) {
			certs = append(certs, c.Raw)
		}
	}
	if len(certs) > limits.MaxCMSCertificates {
		return nil, fmt.Errorf("cms: %d certificates, more than the %d Parse accepts", len(certs), limits.MaxCMSCertificates)
	}
	slices.SortFunc(certs, bytes.Compare)
	if hooks != nil && hooks.certs != nil {
		certs = hooks.certs(certs)
	}

	encap := [][]byte{encodeOID(contentType)}
	if !opts.Detached {
		encap = append(encap, tlv(ctx(0, true), tlv(tagOctetString, content)))
	}
	signedData := tlv(tagSequence,
		encodeInt(big.NewInt(version)),
		tlv(tagSet, digestAlg),
		tlv(tagSequence, encap...),
		tlv(ctx(0, true), certs...),
		tlv(tagSet, signerInfo),
	)
	out := tlv(tagSequence, encodeOID(oidSignedData), tlv(ctx(0, true), signedData))
	if len(out) > limits.MaxCMS {
		return nil, fmt.Errorf("cms: the message would be %d bytes, more than the %d Parse accepts", len(out), limits.MaxCMS)
	}
	return out, nil
}

// attr encodes an Attribute with one value.
func attr(oid []int, value []byte) []byte {
	return tlv(tagSequence, encodeOID(oid), tlv(tagSet, value))
}

// signScheme picks the signature scheme for pub and encodes its
// AlgorithmIdentifier.
func signScheme(pub crypto.PublicKey, pss bool) (scheme, []byte, error) {
	if _, isRSA := pub.(*rsa.PublicKey); pss && !isRSA {
		return scheme{}, nil, fmt.Errorf("cms: SignOptions.PSS needs an RSA key, not %T", pub)
	}
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			return scheme{kind: kindECDSA, hash: crypto.SHA256}, tlv(tagSequence, encodeOID(oidECDSAWithSHA256)), nil
		case elliptic.P384():
			return scheme{kind: kindECDSA, hash: crypto.SHA384}, tlv(tagSequence, encodeOID(oidECDSAWithSHA384)), nil
		case elliptic.P521():
			return scheme{kind: kindECDSA, hash: crypto.SHA512}, tlv(tagSequence, encodeOID(oidECDSAWithSHA512)), nil
		}
		return scheme{}, nil, fmt.Errorf("cms: unsupported ECDSA curve %s", pub.Curve.Params().Name)
	case *rsa.PublicKey:
		if pss {
			return scheme{kind: kindRSAPSS, hash: crypto.SHA256, saltLength: crypto.SHA256.Size()},
				tlv(tagSequence, encodeOID(oidRSAPSS), pssParams(crypto.SHA256)), nil
		}
		return scheme{kind: kindRSAPKCS1, hash: crypto.SHA256}, tlv(tagSequence, encodeOID(oidSHA256WithRSA), derNull), nil
	case ed25519.PublicKey:
		return scheme{kind: kindEd25519}, tlv(tagSequence, encodeOID(oidEd25519)), nil
	}
	return scheme{}, nil, fmt.Errorf("cms: unsupported key type %T", pub)
}
