package cms

import (
	"crypto/x509"
	"fmt"

	"github.com/ithc/ithc/internal/limits"
)

// Parse decodes a CMS ContentInfo holding a SignedData, strictly (see the
// package documentation for what is accepted), and returns it unverified:
// call Verify before trusting anything in it. Malformed input is reported
// as a *ParseError naming where the problem is.
func Parse(der []byte) (*SignedData, error) {
	if len(der) == 0 {
		return nil, parseErr("", "empty input")
	}
	if len(der) > limits.MaxCMS {
		return nil, parseErr("", "message of %d bytes exceeds the limit of %d bytes", len(der), limits.MaxCMS)
	}
	top := &cursor{data: der, ber: true}
	ci, err := top.expect(tagSequence, "contentInfo")
	if err != nil {
		return nil, err
	}
	if !top.empty() {
		return nil, parseErr("", "trailing data (%d bytes) after the ContentInfo", len(top.data))
	}
	c := top.into(ci, "contentInfo")
	o, err := c.expect(tagOID, "contentType")
	if err != nil {
		return nil, err
	}
	oid, err := parseOID(o.body)
	if err != nil {
		return nil, parseErr("contentInfo.contentType", "%v", err)
	}
	if !oid.Equal(oidSignedData) {
		return nil, parseErr("contentInfo.contentType", "%s is not id-signedData: only SignedData is accepted", describeOID(oid))
	}
	wrap, err := c.expect(ctx(0, true), "content")
	if err != nil {
		return nil, err
	}
	if err := c.done(); err != nil {
		return nil, err
	}
	w := c.into(wrap, "contentInfo.content")
	sdv, err := w.expect(tagSequence, "")
	if err != nil {
		return nil, err
	}
	if err := w.done(); err != nil {
		return nil, err
	}
	return parseSignedData(c.into(sdv, "signedData"))
}

// parseSignedData reads the fields of a SignedData (RFC 5652 §5.1).
func parseSignedData(c *cursor) (*SignedData, error) {
	sd := &SignedData{}
	v, err := c.expect(tagInteger, "version")
	if err != nil {
		return nil, err
	}
	if sd.Version, err = parseSmallInt(v.body); err != nil {
		return nil, parseErr(joinPath(c.path, "version"), "%v", err)
	}
	if sd.Version != 1 && sd.Version != 3 {
		return nil, parseErr(joinPath(c.path, "version"), "version %d is not supported (1 or 3: X.509 certificates and id-data content only)", sd.Version)
	}

	// digestAlgorithms is informational (each SignerInfo names its own);
	// its entries are checked for form only.
	set, err := c.expect(tagSet, "digestAlgorithms")
	if err != nil {
		return nil, err
	}
	dc := c.into(set, joinPath(c.path, "digestAlgorithms"))
	for i := 0; !dc.empty(); i++ {
		field := fmt.Sprintf("[%d]", i)
		if i >= limits.MaxCMSDigestAlgorithms {
			return nil, parseErr(dc.path, "more than %d digest algorithms", limits.MaxCMSDigestAlgorithms)
		}
		a, err := dc.next(field)
		if err != nil {
			return nil, err
		}
		if _, err := parseAlgorithm(a, joinPath(dc.path, field)); err != nil {
			return nil, err
		}
	}

	if err := parseEncapsulated(c, sd); err != nil {
		return nil, err
	}

	if c.peek() == ctx(0, true) {
		if err := parseCertificates(c, sd); err != nil {
			return nil, err
		}
	}
	if c.peek() == ctx(1, true) {
		return nil, parseErr(joinPath(c.path, "crls"), "revocation information in the message is not accepted")
	}

	set, err = c.expect(tagSet, "signerInfos")
	if err != nil {
		return nil, err
	}
	sc := c.into(set, joinPath(c.path, "signerInfos"))
	for i := 0; !sc.empty(); i++ {
		field := fmt.Sprintf("[%d]", i)
		if i >= limits.MaxCMSSigners {
			return nil, parseErr(sc.path, "more than %d signers", limits.MaxCMSSigners)
		}
		v, err := sc.expect(tagSequence, field)
		if err != nil {
			return nil, err
		}
		si, err := parseSignerInfo(sc.into(v, joinPath(sc.path, field)))
		if err != nil {
			return nil, err
		}
		sd.SignerInfos = append(sd.SignerInfos, *si)
	}
	if err := c.done(); err != nil {
		return nil, err
	}
	return sd, nil
}

// parseEncapsulated reads the EncapsulatedContentInfo into sd.
func parseEncapsulated(c *cursor, sd *SignedData) error {
	e, err := c.expect(tagSequence, "encapContentInfo")
	if err != nil {
		return err
	}
	ec := c.into(e, joinPath(c.path, "encapContentInfo"))
	o, err := ec.expect(tagOID, "eContentType")
	if err != nil {
		return err
	}
	oid, err := parseOID(o.body)
	if err != nil {
		return parseErr(joinPath(ec.path, "eContentType"), "%v", err)
	}
	sd.ContentType = oid
	if ec.empty() {
		sd.Detached = true
		return nil
	}
	w, err := ec.expect(ctx(0, true), "eContent")
	if err != nil {
		return err
	}
	wc := ec.into(w, joinPath(ec.path, "eContent"))
	os, err := wc.next("")
	if err != nil {
		return err
	}
	if sd.Content, err = octetString(os, wc.path); err != nil {
		return err
	}
	if err := wc.done(); err != nil {
		return err
	}
	return ec.done()
}

// octetString returns the contents of a primitive OCTET STRING, or the
// concatenated primitive segments of a constructed (BER) one, as a new
// slice (never nil).
func octetString(v value, path string) ([]byte, error) {
	switch v.tag {
	case tagOctetString:
		return append([]byte{}, v.body...), nil
	case tagOctetStringConstructed:
		// Two passes: check the segments and add up their sizes, then copy.
		n := 0
		for in, i := v.body, 0; len(in) > 0; i++ {
			seg, rest, err := readValue(in, true, 0)
			if err == nil && seg.tag != tagOctetString {
				err = fmt.Errorf("expected a primitive OCTET STRING, found %s", tagName(seg.tag))
			}
			if err != nil {
				return nil, parseErr(fmt.Sprintf("%s.segment[%d]", path, i), "%v", err)
			}
			n += len(seg.body)
			in = rest
		}
		out := make([]byte, 0, n)
		for in := v.body; len(in) > 0; {
			seg, rest, _ := readValue(in, true, 0)
			out = append(out, seg.body...)
			in = rest
		}
		return out, nil
	}
	return nil, parseErr(path, "expected OCTET STRING, found %s", tagName(v.tag))
}

// parseCertificates reads the [0] IMPLICIT CertificateSet into sd.
func parseCertificates(c *cursor, sd *SignedData) error {
	v, err := c.next("certificates")
	if err != nil {
		return err
	}
	cc := c.into(v, joinPath(c.path, "certificates"))
	for i := 0; !cc.empty(); i++ {
		field := fmt.Sprintf("[%d]", i)
		path := joinPath(cc.path, field)
		if i >= limits.MaxCMSCertificates {
			return parseErr(cc.path, "more than %d certificates", limits.MaxCMSCertificates)
		}
		if t := cc.peek(); t != tagSequence {
			return parseErr(path, "a %s choice: only X.509 certificates are accepted (no attribute or other certificate formats)", tagName(t))
		}
		cv, err := cc.next(field)
		if err != nil {
			return err
		}
		if cv.indefinite {
			return parseErr(path, "indefinite length (BER) in a certificate, which must be DER")
		}
		cert, err := x509.ParseCertificate(cv.raw)
		if err != nil {
			return parseErr(path, "%v", err)
		}
		sd.Certificates = append(sd.Certificates, cert)
	}
	return nil
}

// parseSignerInfo reads the fields of a SignerInfo (RFC 5652 §5.3).
func parseSignerInfo(c *cursor) (*SignerInfo, error) {
	si := &SignerInfo{}
	v, err := c.expect(tagInteger, "version")
	if err != nil {
		return nil, err
	}
	if si.Version, err = parseSmallInt(v.body); err != nil {
		return nil, parseErr(joinPath(c.path, "version"), "%v", err)
	}
	sidPath := joinPath(c.path, "sid")
	switch si.Version {
	case 1:
		if c.peek() != tagSequence {
			return nil, parseErr(sidPath, "a version 1 SignerInfo is identified by issuerAndSerialNumber (a SEQUENCE), found %s", tagName(c.peek()))
		}
		sid, err := c.next("sid")
		if err != nil {
			return nil, err
		}
		ic := c.into(sid, sidPath)
		name, err := ic.expect(tagSequence, "issuer")
		if err != nil {
			return nil, err
		}
		if name.indefinite {
			return nil, parseErr(joinPath(sidPath, "issuer"), "indefinite length (BER) in a name, which must be DER")
		}
		if err := checkDER(name.body, 1); err != nil {
			return nil, parseErr(joinPath(sidPath, "issuer"), "%v", err)
		}
		serial, err := ic.expect(tagInteger, "serialNumber")
		if err != nil {
			return nil, err
		}
		if si.SerialNumber, err = parseInt(serial.body); err != nil {
			return nil, parseErr(joinPath(sidPath, "serialNumber"), "%v", err)
		}
		if err := ic.done(); err != nil {
			return nil, err
		}
		si.Issuer = append([]byte{}, name.raw...)
	case 3:
		if c.peek() != ctx(0, false) {
			return nil, parseErr(sidPath, "a version 3 SignerInfo is identified by subjectKeyIdentifier ([0]), found %s", tagName(c.peek()))
		}
		sid, err := c.next("sid")
		if err != nil {
			return nil, err
		}
		if len(sid.body) == 0 {
			return nil, parseErr(sidPath, "empty subject key identifier")
		}
		si.SubjectKeyID = append([]byte{}, sid.body...)
	default:
		return nil, parseErr(joinPath(c.path, "version"), "SignerInfo version %d is not supported (1 or 3)", si.Version)
	}

	da, err := c.next("digestAlgorithm")
	if err != nil {
		return nil, err
	}
	digestAlg, err := parseAlgorithm(da, joinPath(c.path, "digestAlgorithm"))
	if err != nil {
		return nil, err
	}
	if si.DigestAlgorithm, err = digestHash(digestAlg); err != nil {
		return nil, parseErr(joinPath(c.path, "digestAlgorithm"), "%v", err)
	}

	if c.peek() != ctx(0, true) {
		return nil, parseErr(joinPath(c.path, "signedAttrs"), "missing: the signer must sign the contentType and messageDigest attributes (RFC 5652 §5.3)")
	}
	sa, err := c.next("signedAttrs")
	if err != nil {
		return nil, err
	}
	protection, err := si.parseSignedAttrs(sa, joinPath(c.path, "signedAttrs"))
	if err != nil {
		return nil, err
	}

	sv, err := c.next("signatureAlgorithm")
	if err != nil {
		return nil, err
	}
	sigAlg, err := parseAlgorithm(sv, joinPath(c.path, "signatureAlgorithm"))
	if err != nil {
		return nil, err
	}
	if si.scheme, err = resolveScheme(sigAlg, si.DigestAlgorithm); err != nil {
		return nil, parseErr(joinPath(c.path, "signatureAlgorithm"), "%s", reason(err))
	}
	si.SignatureAlgorithm = si.scheme.x509Algorithm()
	if protection != nil {
		if err := checkAlgorithmProtection(protection, digestAlg, sigAlg); err != nil {
			return nil, err
		}
	}

	sig, err := c.expect(tagOctetString, "signature")
	if err != nil {
		return nil, err
	}
	if len(sig.body) == 0 {
		return nil, parseErr(joinPath(c.path, "signature"), "empty signature")
	}
	si.Signature = append([]byte{}, sig.body...)

	if c.peek() == ctx(1, true) {
		ua, err := c.next("unsignedAttrs")
		if err != nil {
			return nil, err
		}
		// Unsigned attributes (counter-signatures, time stamps) are not
		// used; they must be well formed.
		if _, err := parseAttributes(ua, joinPath(c.path, "unsignedAttrs")); err != nil {
			return nil, err
		}
	}
	if err := c.done(); err != nil {
		return nil, err
	}
	return si, nil
}

// attribute is one Attribute (RFC 5652 §5.3) with its values.
type attribute struct {
	path   string
	name   string
	values []value
}

// parseAttributes reads a SET OF Attribute (the [0] or [1] IMPLICIT tag of
// v aside), which must be DER, hold 1 to limits.MaxCMSAttributes
// attributes and no attribute type twice.
func parseAttributes(v value, path string) ([]attribute, error) {
	if v.indefinite {
		return nil, parseErr(path, "indefinite length (BER) in attributes, which must be DER")
	}
	if err := checkDER(v.body, 1); err != nil {
		return nil, parseErr(path, "%v", err)
	}
	c := &cursor{data: v.body, path: path}
	seen := map[string]bool{}
	var out []attribute
	for i := 0; !c.empty(); i++ {
		field := fmt.Sprintf("[%d]", i)
		if i >= limits.MaxCMSAttributes {
			return nil, parseErr(path, "more than %d attributes", limits.MaxCMSAttributes)
		}
		av, err := c.expect(tagSequence, field)
		if err != nil {
			return nil, err
		}
		ac := c.into(av, joinPath(path, field))
		o, err := ac.expect(tagOID, "attrType")
		if err != nil {
			return nil, err
		}
		oid, err := parseOID(o.body)
		if err != nil {
			return nil, parseErr(joinPath(ac.path, "attrType"), "%v", err)
		}
		a := attribute{path: ac.path + " (" + shortOID(oid) + ")", name: oid.String()}
		if seen[a.name] {
			return nil, parseErr(a.path, "the attribute type appears twice")
		}
		seen[a.name] = true
		set, err := ac.expect(tagSet, "attrValues")
		if err != nil {
			return nil, err
		}
		if err := ac.done(); err != nil {
			return nil, err
		}
		vc := ac.into(set, joinPath(a.path, "attrValues"))
		for j := 0; !vc.empty(); j++ {
			if j >= limits.MaxCMSAttributeValues {
				return nil, parseErr(vc.path, "more than %d values", limits.MaxCMSAttributeValues)
			}
			val, err := vc.next(fmt.Sprintf("[%d]", j))
			if err != nil {
				return nil, err
			}
			a.values = append(a.values, val)
		}
		if len(a.values) == 0 {
			return nil, parseErr(a.path, "attribute without values")
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, parseErr(path, "empty set of attributes (at least one is required)")
	}
	return out, nil
}

// parseSignedAttrs reads the signed attributes v (the [0] IMPLICIT SET OF
// Attribute) into si, keeps their DER encoding with the SET OF tag for the
// signature, and returns the cmsAlgorithmProtection attribute, if any, for
// checking once the signature algorithm is known.
func (si *SignerInfo) parseSignedAttrs(v value, path string) (*attribute, error) {
	attrs, err := parseAttributes(v, path)
	if err != nil {
		return nil, err
	}
	var protection *attribute
	var haveType, haveDigest bool
	for i := range attrs {
		a := &attrs[i]
		single := func() (value, error) {
			if len(a.values) != 1 {
				return value{}, parseErr(a.path, "%d values: the attribute must have exactly one (RFC 5652 §11)", len(a.values))
			}
			return a.values[0], nil
		}
		switch a.name {
		case oidAttrContentType.String():
			val, err := single()
			if err != nil {
				return nil, err
			}
			if val.tag != tagOID {
				return nil, parseErr(a.path, "expected OBJECT IDENTIFIER, found %s", tagName(val.tag))
			}
			if si.contentType, err = parseOID(val.body); err != nil {
				return nil, parseErr(a.path, "%v", err)
			}
			haveType = true
		case oidAttrMessageDigest.String():
			val, err := single()
			if err != nil {
				return nil, err
			}
			if val.tag != tagOctetString {
				return nil, parseErr(a.path, "expected OCTET STRING, found %s", tagName(val.tag))
			}
			if len(val.body) != si.DigestAlgorithm.Size() {
				return nil, parseErr(a.path, "a digest of %d bytes, but %s digests have %d", len(val.body), describeOID(hashOID(si.DigestAlgorithm)), si.DigestAlgorithm.Size())
			}
			si.MessageDigest = append([]byte{}, val.body...)
			haveDigest = true
		case oidAttrSigningTime.String():
			val, err := single()
			if err != nil {
				return nil, err
			}
			if si.SigningTime, err = parseTime(val); err != nil {
				return nil, parseErr(a.path, "%v", err)
			}
		case oidAttrAlgorithmProtection.String():
			if _, err := single(); err != nil {
				return nil, err
			}
			protection = a
		}
	}
	if !haveType {
		return nil, parseErr(path, "the contentType attribute is missing (RFC 5652 §5.3 requires it)")
	}
	if !haveDigest {
		return nil, parseErr(path, "the messageDigest attribute is missing (RFC 5652 §5.3 requires it)")
	}
	si.signedAttrs = append([]byte{}, v.raw...)
	si.signedAttrs[0] = tagSet
	return protection, nil
}

// checkAlgorithmProtection checks a CMSAlgorithmProtection value (RFC 6211
// §2) against the SignerInfo's algorithms: in a SignedData it names the
// digest and the signature algorithm, and no MAC algorithm.
func checkAlgorithmProtection(a *attribute, digest, sig algorithmIdentifier) error {
	v, path := a.values[0], a.path
	if v.tag != tagSequence {
		return parseErr(path, "expected SEQUENCE, found %s", tagName(v.tag))
	}
	c := &cursor{data: v.body, path: path}
	dv, err := c.next("digestAlgorithm")
	if err != nil {
		return err
	}
	d, err := parseAlgorithm(dv, joinPath(path, "digestAlgorithm"))
	if err != nil {
		return err
	}
	if !d.equivalent(digest) {
		return parseErr(path, "digest algorithm %s differs from the SignerInfo's %s", describeOID(d.oid), describeOID(digest.oid))
	}
	if c.peek() != ctx(1, true) {
		return parseErr(path, "the signature algorithm is absent (RFC 6211 §2 requires it in SignedData)")
	}
	sv, err := c.next("signatureAlgorithm")
	if err != nil {
		return err
	}
	// [1] IMPLICIT AlgorithmIdentifier: the SEQUENCE's contents under [1].
	s, err := parseAlgorithm(value{tag: tagSequence, body: sv.body, raw: sv.raw}, joinPath(path, "signatureAlgorithm"))
	if err != nil {
		return err
	}
	if !s.equivalent(sig) {
		return parseErr(path, "signature algorithm %s differs from the SignerInfo's %s", describeOID(s.oid), describeOID(sig.oid))
	}
	if !c.empty() {
		return parseErr(path, "unexpected %s after the signature algorithm (a MAC algorithm has no place in SignedData)", tagName(c.peek()))
	}
	return nil
}
