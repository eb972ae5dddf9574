package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
)

// Object identifiers of RFC 5652 (CMS), RFC 5754 (SHA-2 in CMS), RFC 4055
// (RSA-PSS), RFC 5753/5758 (ECDSA), RFC 8419 (EdDSA in CMS) and RFC 6211
// (algorithm protection).
var (
	oidData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

	oidAttrContentType         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrAlgorithmProtection = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 52}

	oidMD5    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidMGF1            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidRSAPSS          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidSHA1WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519         = asn1.ObjectIdentifier{1, 3, 101, 112}
)

// oidNames names OIDs in errors.
var oidNames = map[string]string{
	oidData.String():                    "id-data",
	oidSignedData.String():              "id-signedData",
	"1.2.840.113549.1.7.3":              "id-envelopedData",
	"1.2.840.113549.1.9.16.1.4":         "id-ct-TSTInfo",
	oidAttrContentType.String():         "contentType",
	oidAttrMessageDigest.String():       "messageDigest",
	oidAttrSigningTime.String():         "signingTime",
	oidAttrAlgorithmProtection.String(): "cmsAlgorithmProtection",
	"1.2.840.113549.1.9.15":             "smimeCapabilities",
	"1.2.840.113549.1.9.16.2.47":        "signingCertificateV2",
	oidMD5.String():                     "md5",
	oidSHA1.String():                    "sha1",
	oidSHA224.String():                  "sha224",
	oidSHA256.String():                  "sha256",
	oidSHA384.String():                  "sha384",
	oidSHA512.String():                  "sha512",
	oidRSAEncryption.String():           "rsaEncryption",
	oidMGF1.String():                    "id-mgf1",
	oidRSAPSS.String():                  "id-RSASSA-PSS",
	oidSHA1WithRSA.String():             "sha1WithRSAEncryption",
	oidSHA256WithRSA.String():           "sha256WithRSAEncryption",
	oidSHA384WithRSA.String():           "sha384WithRSAEncryption",
	oidSHA512WithRSA.String():           "sha512WithRSAEncryption",
	oidECPublicKey.String():             "id-ecPublicKey",
	oidECDSAWithSHA1.String():           "ecdsa-with-SHA1",
	oidECDSAWithSHA256.String():         "ecdsa-with-SHA256",
	oidECDSAWithSHA384.String():         "ecdsa-with-SHA384",
	oidECDSAWithSHA512.String():         "ecdsa-with-SHA512",
	oidEd25519.String():                 "id-Ed25519",
}

// algorithmIdentifier is an AlgorithmIdentifier (RFC 5280 §4.1.1.2).
type algorithmIdentifier struct {
	oid    asn1.ObjectIdentifier
	params []byte // the encoded parameters, nil when absent
}

var derNull = []byte{tagNull, 0}

func (a algorithmIdentifier) paramsAbsentOrNull() bool {
	return len(a.params) == 0 || bytes.Equal(a.params, derNull)
}

// equivalent reports whether a and b name the same algorithm with the same
// parameters, absent and NULL parameters being equivalent (RFC 4055 §2.1,
// RFC 5754 §2).
func (a algorithmIdentifier) equivalent(b algorithmIdentifier) bool {
	if !a.oid.Equal(b.oid) {
		return false
	}
	if a.paramsAbsentOrNull() && b.paramsAbsentOrNull() {
		return true
	}
	return bytes.Equal(a.params, b.params)
}

// parseAlgorithm reads an AlgorithmIdentifier from the contents of v
// (a SEQUENCE), which must be DER.
func parseAlgorithm(v value, path string) (algorithmIdentifier, error) {
	if v.tag != tagSequence {
		return algorithmIdentifier{}, parseErr(path, "expected SEQUENCE, found %s", tagName(v.tag))
	}
	if v.indefinite {
		return algorithmIdentifier{}, parseErr(path, "indefinite length (BER) in an AlgorithmIdentifier")
	}
	c := &cursor{data: v.body, path: path}
	o, err := c.expect(tagOID, "algorithm")
	if err != nil {
		return algorithmIdentifier{}, err
	}
	oid, err := parseOID(o.body)
	if err != nil {
		return algorithmIdentifier{}, parseErr(joinPath(path, "algorithm"), "%v", err)
	}
	a := algorithmIdentifier{oid: oid}
	if !c.empty() {
		p, err := c.next("parameters")
		if err != nil {
			return algorithmIdentifier{}, err
		}
		if p.constructed() {
			if err := checkDER(p.body, 1); err != nil {
				return algorithmIdentifier{}, parseErr(joinPath(path, "parameters"), "%v", err)
			}
		}
		a.params = p.raw
	}
	if err := c.done(); err != nil {
		return algorithmIdentifier{}, err
	}
	return a, nil
}

// digestHash returns the hash function a digest AlgorithmIdentifier names.
// Only SHA-256, SHA-384 and SHA-512 are accepted.
func digestHash(a algorithmIdentifier) (crypto.Hash, error) {
	var h crypto.Hash
	switch {
	case a.oid.Equal(oidSHA256):
		h = crypto.SHA256
	case a.oid.Equal(oidSHA384):
		h = crypto.SHA384
	case a.oid.Equal(oidSHA512):
		h = crypto.SHA512
	case a.oid.Equal(oidSHA1), a.oid.Equal(oidMD5), a.oid.Equal(oidSHA224):
		return 0, fmt.Errorf("digest algorithm %s is not accepted (SHA-256, SHA-384 or SHA-512 are)", describeOID(a.oid))
	default:
		return 0, fmt.Errorf("unsupported digest algorithm %s", describeOID(a.oid))
	}
	if !a.paramsAbsentOrNull() {
		return 0, fmt.Errorf("parameters of %s must be absent or NULL", describeOID(a.oid))
	}
	return h, nil
}

// hashOID returns the OID of a hash Sign uses.
func hashOID(h crypto.Hash) asn1.ObjectIdentifier {
	switch h {
	case crypto.SHA384:
		return oidSHA384
	case crypto.SHA512:
		return oidSHA512
	default:
		return oidSHA256
	}
}

// sigKind is a family of signature algorithms.
type sigKind int

const (
	kindECDSA sigKind = iota + 1
	kindRSAPKCS1
	kindRSAPSS
	kindEd25519
)

func (k sigKind) String() string {
	switch k {
	case kindECDSA:
		return "ECDSA"
	case kindRSAPKCS1:
		return "RSA PKCS #1 v1.5"
	case kindRSAPSS:
		return "RSASSA-PSS"
	case kindEd25519:
		return "Ed25519"
	}
	return "unknown"
}

// scheme is how a SignerInfo's signature is computed: the family, the hash
// over the signed attributes (none for Ed25519, which signs them whole),
// and the PSS salt length.
type scheme struct {
	kind       sigKind
	hash       crypto.Hash
	saltLength int
}

// x509Algorithm names the scheme with crypto/x509's constants.
func (s scheme) x509Algorithm() x509.SignatureAlgorithm {
	return x509Algorithms[schemeKey{s.kind, s.hash}]
}

type schemeKey struct {
	kind sigKind
	hash crypto.Hash
}

var x509Algorithms = map[schemeKey]x509.SignatureAlgorithm{
	{kindECDSA, crypto.SHA256}:    x509.ECDSAWithSHA256,
	{kindECDSA, crypto.SHA384}:    x509.ECDSAWithSHA384,
	{kindECDSA, crypto.SHA512}:    x509.ECDSAWithSHA512,
	{kindRSAPKCS1, crypto.SHA256}: x509.SHA256WithRSA,
	{kindRSAPKCS1, crypto.SHA384}: x509.SHA384WithRSA,
	{kindRSAPKCS1, crypto.SHA512}: x509.SHA512WithRSA,
	{kindRSAPSS, crypto.SHA256}:   x509.SHA256WithRSAPSS,
	{kindRSAPSS, crypto.SHA384}:   x509.SHA384WithRSAPSS,
	{kindRSAPSS, crypto.SHA512}:   x509.SHA512WithRSAPSS,
	{kindEd25519, crypto.Hash(0)}: x509.PureEd25519,
}

// resolveScheme interprets a SignerInfo's signatureAlgorithm together with
// its digestAlgorithm. A signature algorithm that names a hash must name
// the digest algorithm's; rsaEncryption (as OpenSSL writes it) takes the
// digest algorithm's hash.
func resolveScheme(a algorithmIdentifier, digest crypto.Hash) (scheme, error) {
	fixed := func(kind sigKind, h crypto.Hash, nullOK bool) (scheme, error) {
		if !(len(a.params) == 0 || nullOK && bytes.Equal(a.params, derNull)) {
			if nullOK {
				return scheme{}, fmt.Errorf("parameters of %s must be absent or NULL", describeOID(a.oid))
			}
			return scheme{}, fmt.Errorf("parameters of %s must be absent", describeOID(a.oid))
		}
		if h != 0 && h != digest {
			return scheme{}, fmt.Errorf("signature algorithm %s does not match the digest algorithm %s", describeOID(a.oid), describeOID(hashOID(digest)))
		}
		return scheme{kind: kind, hash: h}, nil
	}
	switch {
	case a.oid.Equal(oidECDSAWithSHA256):
		return fixed(kindECDSA, crypto.SHA256, false)
	case a.oid.Equal(oidECDSAWithSHA384):
		return fixed(kindECDSA, crypto.SHA384, false)
	case a.oid.Equal(oidECDSAWithSHA512):
		return fixed(kindECDSA, crypto.SHA512, false)
	case a.oid.Equal(oidSHA256WithRSA):
		return fixed(kindRSAPKCS1, crypto.SHA256, true)
	case a.oid.Equal(oidSHA384WithRSA):
		return fixed(kindRSAPKCS1, crypto.SHA384, true)
	case a.oid.Equal(oidSHA512WithRSA):
		return fixed(kindRSAPKCS1, crypto.SHA512, true)
	case a.oid.Equal(oidRSAEncryption):
		return fixed(kindRSAPKCS1, digest, true)
	case a.oid.Equal(oidEd25519):
		return fixed(kindEd25519, 0, false)
	case a.oid.Equal(oidRSAPSS):
		h, salt, err := parsePSSParams(a.params)
		if err != nil {
			return scheme{}, err
		}
		if h != digest {
			return scheme{}, fmt.Errorf("RSASSA-PSS with %s does not match the digest algorithm %s", describeOID(hashOID(h)), describeOID(hashOID(digest)))
		}
		return scheme{kind: kindRSAPSS, hash: h, saltLength: salt}, nil
	case a.oid.Equal(oidSHA1WithRSA), a.oid.Equal(oidECDSAWithSHA1):
		return scheme{}, fmt.Errorf("signature algorithm %s is not accepted: SHA-1 is broken", describeOID(a.oid))
	case a.oid.Equal(oidECPublicKey):
		return scheme{}, fmt.Errorf("signature algorithm id-ecPublicKey is not accepted: ECDSA signers name ecdsa-with-SHA256, -SHA384 or -SHA512 (RFC 5753 §2.1.1)")
	}
	return scheme{}, fmt.Errorf("unsupported signature algorithm %s", describeOID(a.oid))
}

// parsePSSParams reads RSASSA-PSS-params (RFC 4055 §3.1). The defaults
// (SHA-1, MGF1 with SHA-1) are refused, so the hash and mask generation
// function must be given; the mask generation must be MGF1 with the same
// hash; the salt length defaults to 20; the trailer field must be 1.
func parsePSSParams(params []byte) (crypto.Hash, int, error) {
	const path = "RSASSA-PSS parameters"
	if len(params) == 0 {
		return 0, 0, fmt.Errorf("%s are missing", path)
	}
	v, rest, err := readValue(params, false, 0)
	if err != nil || len(rest) > 0 || v.tag != tagSequence {
		return 0, 0, fmt.Errorf("%s are not a DER SEQUENCE", path)
	}
	c := &cursor{data: v.body, path: path}
	if c.peek() != ctx(0, true) {
		return 0, 0, fmt.Errorf("%s: the hash algorithm is absent (the default, SHA-1, is not accepted)", path)
	}
	hashAlg, err := explicitAlgorithm(c, 0, "hashAlgorithm")
	if err != nil {
		return 0, 0, err
	}
	h, err := digestHash(hashAlg)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: hashAlgorithm: %v", path, err)
	}
	if c.peek() != ctx(1, true) {
		return 0, 0, fmt.Errorf("%s: the mask generation function is absent (the default, MGF1 with SHA-1, is not accepted)", path)
	}
	mgf, err := explicitAlgorithm(c, 1, "maskGenAlgorithm")
	if err != nil {
		return 0, 0, err
	}
	if !mgf.oid.Equal(oidMGF1) {
		return 0, 0, fmt.Errorf("%s: mask generation function %s is not MGF1", path, describeOID(mgf.oid))
	}
	mv, rest, err := readValue(mgf.params, false, 0)
	if err != nil || len(rest) > 0 {
		return 0, 0, fmt.Errorf("%s: MGF1 parameters are not one DER value", path)
	}
	mgfHashAlg, err := parseAlgorithm(mv, path+".maskGenAlgorithm.parameters")
	if err != nil {
		return 0, 0, err
	}
	mh, err := digestHash(mgfHashAlg)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: MGF1 hash: %v", path, err)
	}
	if mh != h {
		return 0, 0, fmt.Errorf("%s: MGF1 hash %s differs from the hash %s", path, describeOID(hashOID(mh)), describeOID(hashOID(h)))
	}
	salt := 20
	if c.peek() == ctx(2, true) {
		n, err := explicitInt(c, "saltLength")
		if err != nil {
			return 0, 0, err
		}
		if n.Sign() <= 0 || n.Cmp(big.NewInt(1<<16)) > 0 {
			return 0, 0, fmt.Errorf("%s: salt length %s is not supported (1 to 65536)", path, n)
		}
		salt = int(n.Int64())
	}
	if c.peek() == ctx(3, true) {
		n, err := explicitInt(c, "trailerField")
		if err != nil {
			return 0, 0, err
		}
		if n.Cmp(big.NewInt(1)) != 0 {
			return 0, 0, fmt.Errorf("%s: trailer field %s is not 1", path, n)
		}
	}
	if err := c.done(); err != nil {
		return 0, 0, err
	}
	return h, salt, nil
}

// explicitAlgorithm reads [n] EXPLICIT AlgorithmIdentifier.
func explicitAlgorithm(c *cursor, n byte, field string) (algorithmIdentifier, error) {
	t, err := c.expect(ctx(n, true), field)
	if err != nil {
		return algorithmIdentifier{}, err
	}
	path := joinPath(c.path, field)
	inner := c.into(t, path)
	v, err := inner.next("")
	if err != nil {
		return algorithmIdentifier{}, err
	}
	if err := inner.done(); err != nil {
		return algorithmIdentifier{}, err
	}
	return parseAlgorithm(v, path)
}

// explicitInt reads [n] EXPLICIT INTEGER.
func explicitInt(c *cursor, field string) (*big.Int, error) {
	t, err := c.next(field)
	if err != nil {
		return nil, err
	}
	path := joinPath(c.path, field)
	inner := c.into(t, path)
	v, err := inner.expect(tagInteger, "")
	if err != nil {
		return nil, err
	}
	if err := inner.done(); err != nil {
		return nil, err
	}
	n, err := parseInt(v.body)
	if err != nil {
		return nil, parseErr(path, "%v", err)
	}
	return n, nil
}

// pssParams encodes RSASSA-PSS-params for hash h, MGF1 with h and a salt
// as long as the hash, as RFC 4055 §3.1 and RFC 8017 recommend.
func pssParams(h crypto.Hash) []byte {
	hashAlg := tlv(tagSequence, encodeOID(hashOID(h)), derNull)
	return tlv(tagSequence,
		tlv(ctx(0, true), hashAlg),
		tlv(ctx(1, true), tlv(tagSequence, encodeOID(oidMGF1), hashAlg)),
		tlv(ctx(2, true), encodeInt(big.NewInt(int64(h.Size())))),
	)
}

// checkKey reports whether pub can verify signatures of scheme s.
func checkKey(s scheme, pub crypto.PublicKey) error {
	ok := false
	name := fmt.Sprintf("%T", pub)
	switch pub.(type) {
	case *ecdsa.PublicKey:
		ok, name = s.kind == kindECDSA, "ECDSA"
	case *rsa.PublicKey:
		ok, name = s.kind == kindRSAPKCS1 || s.kind == kindRSAPSS, "RSA"
	case ed25519.PublicKey:
		ok, name = s.kind == kindEd25519, "Ed25519"
	}
	if !ok {
		return fmt.Errorf("an %s signature cannot come from the %s key of the signer certificate", s.kind, name)
	}
	return nil
}
