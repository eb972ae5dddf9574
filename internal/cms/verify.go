package cms

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	_ "crypto/sha256" // the digests SignerInfos name
	_ "crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
)

// VerifyOptions configures Verify. The zero value verifies the one signer
// of a message that carries its content and the signer's certificate.
type VerifyOptions struct {
	// Content is the content of a detached signature. Nil means none; a
	// detached signature over empty content takes a non-nil empty slice.
	// Given for a message that carries its content, it must be equal to
	// that content.
	Content []byte

	// AllSigners verifies every signer instead of refusing a message with
	// more than one. Verify then returns the first signer's certificate.
	AllSigners bool

	// Certificates are further candidates for the signer certificate, for
	// messages that do not carry it. They are not trusted by being here:
	// Verify only checks that the signature is the key's.
	Certificates []*x509.Certificate

	// ContentType is the encapsulated content type the caller expects;
	// nil means id-data. An ICAO master list, for instance, is
	// 2.23.136.1.1.2. A message of another type is refused.
	ContentType asn1.ObjectIdentifier
}

// Verify checks the signature of sd (see the package documentation for
// exactly what is and is not checked) and returns the certificate of the
// signer (of the first signer with AllSigners). Certificate path
// validation is not done here: the caller must decide whether it trusts
// that certificate.
func (sd *SignedData) Verify(opts VerifyOptions) (*x509.Certificate, error) {
	want := opts.ContentType
	if want == nil {
		want = oidData
	}
	if !sd.ContentType.Equal(want) {
		return nil, fmt.Errorf("%w: the content is %s, the caller expects %s", ErrContentTypeMismatch, describeOID(sd.ContentType), describeOID(want))
	}
	content := sd.Content
	switch {
	case sd.Detached:
		if opts.Content == nil {
			return nil, ErrNoContent
		}
		content = opts.Content
	case opts.Content != nil && !bytes.Equal(opts.Content, sd.Content):
		return nil, errors.New("cms: VerifyOptions.Content differs from the content the message carries")
	}
	switch n := len(sd.SignerInfos); {
	case n == 0:
		return nil, fmt.Errorf("%w: the message has no signer", ErrSignerCount)
	case n > 1 && !opts.AllSigners:
		return nil, fmt.Errorf("%w: the message has %d signers, exactly one is accepted", ErrSignerCount, n)
	}
	candidates := make([]*x509.Certificate, 0, len(sd.Certificates)+len(opts.Certificates))
	candidates = append(append(candidates, sd.Certificates...), opts.Certificates...)
	var first *x509.Certificate
	for i := range sd.SignerInfos {
		cert, err := sd.SignerInfos[i].verify(content, sd.ContentType, candidates)
		if err != nil {
			if len(sd.SignerInfos) > 1 {
				return nil, fmt.Errorf("%w (signer %d of %d)", err, i, len(sd.SignerInfos))
			}
			return nil, err
		}
		if first == nil {
			first = cert
		}
	}
	return first, nil
}

// verify checks one signer over content and returns its certificate.
func (si *SignerInfo) verify(content []byte, contentType asn1.ObjectIdentifier, candidates []*x509.Certificate) (*x509.Certificate, error) {
	if si.signedAttrs == nil || !si.DigestAlgorithm.Available() {
		return nil, errors.New("cms: the SignerInfo was not made by Parse")
	}
	if !si.contentType.Equal(contentType) {
		return nil, fmt.Errorf("%w: the attribute says %s, the content is %s", ErrContentTypeMismatch, describeOID(si.contentType), describeOID(contentType))
	}
	h := si.DigestAlgorithm.New()
	h.Write(content)
	if sum := h.Sum(nil); !bytes.Equal(sum, si.MessageDigest) {
		return nil, fmt.Errorf("%w: the %s digest of the %d bytes of content is %x, the signed attribute holds %x",
			ErrDigestMismatch, describeOID(hashOID(si.DigestAlgorithm)), len(content), sum, si.MessageDigest)
	}
	var lastErr error
	for _, cert := range candidates {
		if !si.identifies(cert) {
			continue
		}
		if err := checkKey(si.scheme, cert.PublicKey); err != nil {
			lastErr = fmt.Errorf("cms: %v", err)
			continue
		}
		if !si.verifySignature(cert.PublicKey) {
			lastErr = fmt.Errorf("%w (%s, certificate %q)", ErrInvalidSignature, si.SignatureAlgorithm, cert.Subject)
			continue
		}
		return cert, nil
	}
	if lastErr != nil {
		return nil, lastErr
	}
	return nil, fmt.Errorf("%w (%s) among %d certificates", ErrUnknownSigner, si.describeID(), len(candidates))
}

// identifies reports whether cert is the one the signer identifier names.
func (si *SignerInfo) identifies(cert *x509.Certificate) bool {
	if si.SubjectKeyID != nil {
		return len(cert.SubjectKeyId) > 0 && bytes.Equal(cert.SubjectKeyId, si.SubjectKeyID)
	}
	return si.SerialNumber != nil && bytes.Equal(cert.RawIssuer, si.Issuer) && cert.SerialNumber.Cmp(si.SerialNumber) == 0
}

// describeID names the signer identifier for errors.
func (si *SignerInfo) describeID() string {
	if si.SubjectKeyID != nil {
		return "subject key identifier " + quoteBytes(si.SubjectKeyID)
	}
	issuer := quoteBytes(si.Issuer)
	var rdn pkix.RDNSequence
	if rest, err := asn1.Unmarshal(si.Issuer, &rdn); err == nil && len(rest) == 0 {
		var name pkix.Name
		name.FillFromRDNSequence(&rdn)
		issuer = fmt.Sprintf("%q", name.String())
	}
	serial := "?"
	if si.SerialNumber != nil {
		serial = si.SerialNumber.String()
	}
	return "issuer " + issuer + ", serial number " + serial
}

// verifySignature checks the signature over the signed attributes with
// pub, whose type checkKey has matched to the scheme.
func (si *SignerInfo) verifySignature(pub any) bool {
	if si.scheme.kind == kindEd25519 {
		return ed25519.Verify(pub.(ed25519.PublicKey), si.signedAttrs, si.Signature)
	}
	h := si.scheme.hash.New()
	h.Write(si.signedAttrs)
	digest := h.Sum(nil)
	switch si.scheme.kind {
	case kindECDSA:
		return ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), digest, si.Signature)
	case kindRSAPKCS1:
		return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), si.scheme.hash, digest, si.Signature) == nil
	case kindRSAPSS:
		opts := &rsa.PSSOptions{SaltLength: si.scheme.saltLength, Hash: si.scheme.hash}
		return rsa.VerifyPSS(pub.(*rsa.PublicKey), si.scheme.hash, digest, si.Signature, opts) == nil
	}
	return false
}
