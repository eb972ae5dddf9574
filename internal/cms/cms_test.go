package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

var signingTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func TestSignParseVerifyRoundTrip(t *testing.T) {
	content := readVector(t, "content.der")
	for _, s := range signers(t) {
		for _, detached := range []bool{false, true} {
			name := s.name
			if detached {
				name += "/detached"
			}
			t.Run(name, func(t *testing.T) {
				opts := s.opts()
				opts.Detached = detached
				opts.SigningTime = signingTime.Add(999 * time.Millisecond).In(time.FixedZone("X", 3600))
				der, err := Sign(content, s.cert, s.key, opts)
				if err != nil {
					t.Fatalf("Sign() error = %v", err)
				}
				if err := checkDER(der, 0); err != nil {
					t.Fatalf("Sign() output is not DER: %v", err)
				}
				sd, err := Parse(der)
				if err != nil {
					t.Fatalf("Parse() error = %v", err)
				}
				if sd.Version != 1 || sd.Detached != detached {
					t.Errorf("Version, Detached = %d, %v, want 1, %v", sd.Version, sd.Detached, detached)
				}
				if detached && sd.Content != nil {
					t.Errorf("Content = %d bytes, want nil for a detached signature", len(sd.Content))
				}
				if !detached && !bytes.Equal(sd.Content, content) {
					t.Errorf("Content = %x, want %x", sd.Content, content)
				}
				if len(sd.Certificates) != 1 || !sd.Certificates[0].Equal(s.cert) {
					t.Errorf("Certificates = %d, want the signer certificate only", len(sd.Certificates))
				}
				if len(sd.SignerInfos) != 1 {
					t.Fatalf("%d SignerInfos, want 1", len(sd.SignerInfos))
				}
				si := sd.SignerInfos[0]
				if si.Version != 1 || !bytes.Equal(si.Issuer, s.cert.RawIssuer) || si.SerialNumber.Cmp(s.cert.SerialNumber) != 0 || si.SubjectKeyID != nil {
					t.Errorf("signer identifier = v%d %x %v %x, want v1 issuerAndSerialNumber of the certificate", si.Version, si.Issuer, si.SerialNumber, si.SubjectKeyID)
				}
				if si.DigestAlgorithm != s.digest || si.SignatureAlgorithm != s.alg {
					t.Errorf("algorithms = %v, %v, want %v, %v", si.DigestAlgorithm, si.SignatureAlgorithm, s.digest, s.alg)
				}
				if !si.SigningTime.Equal(signingTime) || !sd.SigningTime().Equal(signingTime) {
					t.Errorf("SigningTime = %v, want %v", si.SigningTime, signingTime)
				}
				vo := VerifyOptions{}
				if detached {
					vo.Content = content
				}
				cert, err := sd.Verify(vo)
				if err != nil {
					t.Fatalf("Verify() error = %v", err)
				}
				if !cert.Equal(s.cert) {
					t.Errorf("Verify() returned %q, want the signer certificate", cert.Subject)
				}
				if detached {
					if _, err := sd.Verify(VerifyOptions{}); !errors.Is(err, ErrNoContent) {
						t.Errorf("Verify() of a detached signature without content: error = %v, want ErrNoContent", err)
					}
				}
			})
		}
	}
}

func TestSignEmptyContentAndChain(t *testing.T) {
	s := es256(t)
	ca := selfSigned(t, testKey(t, "p256", "ca"), "upload CA", 7)
	der, err := Sign([]byte{}, s.cert, s.key, &SignOptions{SigningTime: signingTime, Certificates: []*x509.Certificate{ca, ca, s.cert}})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Detached || sd.Content == nil || len(sd.Content) != 0 {
		t.Errorf("Content = %v (Detached %v), want empty and encapsulated", sd.Content, sd.Detached)
	}
	if len(sd.Certificates) != 2 {
		t.Errorf("%d certificates, want 2 (signer and CA, each once)", len(sd.Certificates))
	}
	cert, err := sd.Verify(VerifyOptions{})
	if err != nil || !cert.Equal(s.cert) {
		t.Errorf("Verify() = %v, %v, want the signer certificate", cert, err)
	}

	// A detached signature over empty content verifies with a non-nil empty slice.
	der, err = Sign(nil, s.cert, s.key, &SignOptions{Detached: true})
	if err != nil {
		t.Fatal(err)
	}
	if sd, err = Parse(der); err != nil {
		t.Fatal(err)
	}
	if _, err := sd.Verify(VerifyOptions{Content: []byte{}}); err != nil {
		t.Errorf("Verify(empty detached content) error = %v", err)
	}
}

func TestSignRefuses(t *testing.T) {
	s := es256(t)
	other := signers(t)[3]
	tests := []struct {
		name string
		cert *x509.Certificate
		key  crypto.Signer
		opts *SignOptions
		want string
	}{
		{"key of another certificate", other.cert, s.key, nil, "does not belong"},
		{"PSS with an EC key", s.cert, s.key, &SignOptions{PSS: true}, "PSS needs an RSA key"},
		{"no certificate", nil, s.key, nil, "certificate is required"},
		{"unparsed certificate", &x509.Certificate{}, s.key, nil, "certificate is required"},
		{"no key", s.cert, nil, nil, "key is required"},
		{"unparsed chain certificate", s.cert, s.key, &SignOptions{Certificates: []*x509.Certificate{{}}}, "unparsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der, err := Sign([]byte("x"), tt.cert, tt.key, tt.opts)
			if err == nil || der != nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "cms: ") {
				t.Errorf("Sign() = %d bytes, %v, want an error mentioning %q", len(der), err, tt.want)
			}
		})
	}
	big := make([]byte, limits.MaxCMS)
	if _, err := Sign(big, s.cert, s.key, nil); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("Sign(%d bytes) error = %v, want the size cap", len(big), err)
	}
}

func TestSigningTimeEncoding(t *testing.T) {
	s := es256(t)
	for _, tc := range []struct {
		when time.Time
		tag  byte
	}{
		{time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), tagUTCTime},
		{time.Date(1949, 12, 31, 23, 59, 59, 0, time.UTC), tagGeneralizedTime},
		{time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC), tagUTCTime},
		{time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), tagGeneralizedTime},
	} {
		der, err := Sign([]byte("t"), s.cert, s.key, &SignOptions{SigningTime: tc.when})
		if err != nil {
			t.Fatal(err)
		}
		sd, err := Parse(der)
		if err != nil {
			t.Fatal(err)
		}
		if got := sd.SigningTime(); !got.Equal(tc.when) {
			t.Errorf("SigningTime() = %v, want %v", got, tc.when)
		}
		if !bytes.Contains(der, encodeTime(tc.when)) || encodeTime(tc.when)[0] != tc.tag {
			t.Errorf("%v not encoded with tag %#x", tc.when, tc.tag)
		}
		if _, err := sd.Verify(VerifyOptions{}); err != nil {
			t.Errorf("Verify() error = %v", err)
		}
	}
}

// vector describes a message made by the openssl CLI (see testdata/README.md).
type vector struct {
	file     string
	alg      x509.SignatureAlgorithm
	digest   crypto.Hash
	detached bool
	keyID    bool
}

var opensslVectors = []vector{
	{"openssl-es256.der", x509.ECDSAWithSHA256, crypto.SHA256, false, false},
	{"openssl-es256-detached.der", x509.ECDSAWithSHA256, crypto.SHA256, true, false},
	{"openssl-es256-keyid.der", x509.ECDSAWithSHA256, crypto.SHA256, false, true},
	{"openssl-es256-stream-ber.der", x509.ECDSAWithSHA256, crypto.SHA256, false, false},
	{"openssl-es384-sha384.der", x509.ECDSAWithSHA384, crypto.SHA384, false, false},
	{"openssl-rsa-pkcs1.der", x509.SHA256WithRSA, crypto.SHA256, false, false},
	{"openssl-rsa-pkcs1-sha512.der", x509.SHA512WithRSA, crypto.SHA512, false, false},
	{"openssl-rsa-pss.der", x509.SHA256WithRSAPSS, crypto.SHA256, false, false},
	{"openssl-rsa-pss-sha384-saltmax.der", x509.SHA384WithRSAPSS, crypto.SHA384, false, false},
}

func TestOpenSSLVectors(t *testing.T) {
	content := readVector(t, "content.der")
	for _, v := range opensslVectors {
		t.Run(v.file, func(t *testing.T) {
			sd, err := Parse(readVector(t, v.file))
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if sd.Detached != v.detached || !v.detached && !bytes.Equal(sd.Content, content) {
				t.Errorf("Detached = %v, content %d bytes; want %v and testdata/content.der", sd.Detached, len(sd.Content), v.detached)
			}
			si := sd.SignerInfos[0]
			if si.SignatureAlgorithm != v.alg || si.DigestAlgorithm != v.digest {
				t.Errorf("algorithms = %v, %v, want %v, %v", si.SignatureAlgorithm, si.DigestAlgorithm, v.alg, v.digest)
			}
			if v.keyID != (si.Version == 3 && si.SubjectKeyID != nil) {
				t.Errorf("SignerInfo version %d, SubjectKeyID %x; want subject key identifier %v", si.Version, si.SubjectKeyID, v.keyID)
			}
			if si.SigningTime.Year() < 2026 {
				t.Errorf("SigningTime = %v, want the time openssl signed", si.SigningTime)
			}
			vo := VerifyOptions{}
			if v.detached {
				vo.Content = content
			}
			cert, err := sd.Verify(vo)
			if err != nil {
				t.Fatalf("Verify() error = %v", err)
			}
			if !strings.HasPrefix(cert.Subject.CommonName, "upload ") {
				t.Errorf("Verify() returned %q, want the upload certificate", cert.Subject)
			}
			wrong := append(bytes.Clone(content), 0)
			if _, err := sd.Verify(VerifyOptions{Content: wrong}); err == nil {
				t.Errorf("Verify() with other content succeeded")
			}
		})
	}
}

func TestBERLikeBouncyCastle(t *testing.T) {
	content := bytes.Repeat([]byte("ITHC signer upload "), 150) // 2850 bytes: three segments
	for _, s := range signers(t)[:4] {
		t.Run(s.name, func(t *testing.T) {
			der, err := Sign(content, s.cert, s.key, s.opts())
			if err != nil {
				t.Fatal(err)
			}
			ber := berLikeBouncyCastle(t, der)
			if !bytes.HasPrefix(ber, []byte{0x30, 0x80}) || bytes.Equal(ber, der) {
				t.Fatalf("the BER re-encoding does not start 30 80")
			}
			sd, err := Parse(ber)
			if err != nil {
				t.Fatalf("Parse(BER) error = %v", err)
			}
			if !bytes.Equal(sd.Content, content) {
				t.Errorf("Content = %d bytes, want the %d bytes of the segments", len(sd.Content), len(content))
			}
			if _, err := sd.Verify(VerifyOptions{}); err != nil {
				t.Errorf("Verify() error = %v", err)
			}
		})
	}
}

// signedVariant signs content with the ES256 signer, then lets edit
// change the decoded message.
func signedVariant(t *testing.T, hooks *signHooks, edit func(root *node)) []byte {
	t.Helper()
	s := es256(t)
	der, err := sign([]byte("signer upload"), s.cert, s.key, &SignOptions{SigningTime: signingTime}, hooks)
	if err != nil {
		t.Fatal(err)
	}
	if edit == nil {
		return der
	}
	root := decodeTree(t, der)
	edit(root)
	return root.encode()
}

func oidNode(oid asn1.ObjectIdentifier) *node {
	return &node{tag: tagOID, body: encodeOID(oid)[2:]}
}

// findAttr returns the signed attribute of type oid in a decoded message.
func findAttr(t *testing.T, root *node, oid asn1.ObjectIdentifier) *node {
	t.Helper()
	for _, a := range root.at(pathSignedAttr...).kids {
		if bytes.Equal(a.kids[0].body, encodeOID(oid)[2:]) {
			return a
		}
	}
	t.Fatalf("no attribute %v", oid)
	return nil
}

func TestVerifyErrors(t *testing.T) {
	s := es256(t)
	otherKey := testKey(t, "p256", "other")
	sameIDOtherKey := selfSigned(t, otherKey, s.cert.Subject.CommonName, s.cert.SerialNumber.Int64())
	unrelated := selfSigned(t, otherKey, "someone else", 99)
	rsaSameID := selfSigned(t, testKey(t, "rsa2048", "upload"), s.cert.Subject.CommonName, s.cert.SerialNumber.Int64())
	only := func(certs ...*x509.Certificate) *signHooks {
		return &signHooks{certs: func([][]byte) [][]byte {
			var out [][]byte
			for _, c := range certs {
				out = append(out, c.Raw)
			}
			return out
		}}
	}
	tests := []struct {
		name    string
		der     []byte
		opts    VerifyOptions
		wantErr error
		want    string
	}{
		{"tampered content", signedVariant(t, nil, func(r *node) { r.at(pathEContent...).body[0] ^= 1 }), VerifyOptions{},
			ErrDigestMismatch, "message digest does not match content"},
		{"tampered signing time", signedVariant(t, nil, func(r *node) {
			tm := findAttr(t, r, oidAttrSigningTime).at(1, 0)
			tm.body[len(tm.body)-2]++ // one second later, still a valid time
		}), VerifyOptions{}, ErrInvalidSignature, "signature does not verify"},
		{"tampered signature", signedVariant(t, nil, func(r *node) {
			sig := r.at(pathSignature...)
			sig.body[len(sig.body)-1] ^= 1
		}), VerifyOptions{}, ErrInvalidSignature, "signature does not verify"},
		{"content type attribute says signedData", signedVariant(t, &signHooks{attrs: func(a [][]byte) [][]byte {
			a[0] = attr(oidAttrContentType, encodeOID(oidSignedData))
			return a
		}}, nil), VerifyOptions{}, ErrContentTypeMismatch, "id-signedData"},
		{"certificate with the signer's issuer and serial but another key", signedVariant(t, only(sameIDOtherKey), nil), VerifyOptions{},
			ErrInvalidSignature, "signature does not verify"},
		{"unrelated certificate", signedVariant(t, only(unrelated), nil), VerifyOptions{},
			ErrUnknownSigner, `serial number 1001`},
		{"RSA certificate for an ECDSA signature", signedVariant(t, only(rsaSameID), nil), VerifyOptions{},
			nil, "ECDSA signature cannot come from the RSA key"},
		{"no certificate at all", signedVariant(t, only(), nil), VerifyOptions{},
			ErrUnknownSigner, "among 0 certificates"},
		{"other content than the encapsulated", signedVariant(t, nil, nil), VerifyOptions{Content: []byte("other")},
			nil, "differs from the content the message carries"},
		{"two signers", signedVariant(t, nil, func(r *node) {
			si := r.at(pathSigners...)
			si.kids = append(si.kids, si.kids[0])
		}), VerifyOptions{}, ErrSignerCount, "2 signers"},
		{"two signers, the second tampered", signedVariant(t, nil, func(r *node) {
			si := r.at(pathSigners...)
			second := decodeTree(t, si.kids[0].encode())
			second.kids[5].body[len(second.kids[5].body)-1] ^= 1
			si.kids = append(si.kids, second)
		}), VerifyOptions{AllSigners: true}, ErrInvalidSignature, "signer 1 of 2"},
		{"no signer", signedVariant(t, nil, func(r *node) { r.at(pathSigners...).kids = nil }), VerifyOptions{},
			ErrSignerCount, "no signer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sd, err := Parse(tt.der)
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			cert, err := sd.Verify(tt.opts)
			if err == nil || cert != nil {
				t.Fatalf("Verify() = %v, %v, want an error", cert, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify() error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "cms: ") {
				t.Errorf("Verify() error = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestVerifySucceeds(t *testing.T) {
	s := es256(t)
	otherKey := testKey(t, "p256", "other")
	sameIDOtherKey := selfSigned(t, otherKey, s.cert.Subject.CommonName, s.cert.SerialNumber.Int64())
	tests := []struct {
		name string
		der  []byte
		opts VerifyOptions
	}{
		{"signer certificate supplied by the verifier",
			signedVariant(t, &signHooks{certs: func([][]byte) [][]byte { return nil }}, nil),
			VerifyOptions{Certificates: []*x509.Certificate{s.cert}}},
		{"an impostor certificate before the signer's",
			signedVariant(t, &signHooks{certs: func(c [][]byte) [][]byte { return [][]byte{sameIDOtherKey.Raw, s.cert.Raw} }}, nil),
			VerifyOptions{}},
		{"unsorted signed attributes (the received order is signed)",
			signedVariant(t, &signHooks{noSort: true, attrs: func(a [][]byte) [][]byte {
				sorted := append([][]byte{}, a...)
				for i := range a {
					a[i] = sorted[len(a)-1-i]
				}
				return a
			}}, nil), VerifyOptions{}},
		{"an unknown signed attribute",
			signedVariant(t, &signHooks{attrs: func(a [][]byte) [][]byte {
				return append(a, attr(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 15}, tlv(tagSequence, tlv(tagSequence, encodeOID(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42})))))
			}}, nil), VerifyOptions{}},
		{"no signing time",
			signedVariant(t, &signHooks{attrs: func(a [][]byte) [][]byte { return [][]byte{a[0], a[2]} }}, nil),
			VerifyOptions{}},
		{"matching cmsAlgorithmProtection",
			signedVariant(t, &signHooks{attrs: func(a [][]byte) [][]byte {
				return append(a, attr(oidAttrAlgorithmProtection, tlv(tagSequence,
					tlv(tagSequence, encodeOID(oidSHA256)), tlv(ctx(1, true), encodeOID(oidECDSAWithSHA256)))))
			}}, nil), VerifyOptions{}},
		{"an unsigned attribute",
			signedVariant(t, nil, func(r *node) {
				si := r.at(pathSigner...)
				si.kids = append(si.kids, &node{tag: ctx(1, true), kids: []*node{
					{tag: tagSequence, kids: []*node{oidNode(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}), {tag: tagSet, kids: []*node{{tag: tagNull}}}}},
				}})
			}), VerifyOptions{}},
		{"the content also given in the options", signedVariant(t, nil, nil), VerifyOptions{Content: []byte("signer upload")}},
		{"the content in definite-length segments (BER)", signedVariant(t, nil, func(r *node) {
			r.at(pathEWrapper...).kids[0] = &node{tag: tagOctetStringConstructed, kids: []*node{
				{tag: tagOctetString, body: []byte("signer ")}, {tag: tagOctetString}, {tag: tagOctetString, body: []byte("upload")},
			}}
		}), VerifyOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sd, err := Parse(tt.der)
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			cert, err := sd.Verify(tt.opts)
			if err != nil {
				t.Fatalf("Verify() error = %v", err)
			}
			if !cert.Equal(s.cert) {
				t.Errorf("Verify() returned %q, want the signer certificate", cert.Subject)
			}
		})
	}
}

func TestVerifyAllSigners(t *testing.T) {
	der := signedVariant(t, nil, func(r *node) {
		si := r.at(pathSigners...)
		si.kids = append(si.kids, si.kids[0])
	})
	sd, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := sd.Verify(VerifyOptions{AllSigners: true})
	if err != nil || !cert.Equal(es256(t).cert) {
		t.Errorf("Verify(AllSigners) = %v, %v, want the first signer's certificate", cert, err)
	}
}

func TestAttributeErrors(t *testing.T) {
	dropType := func(oid asn1.ObjectIdentifier) *signHooks {
		return &signHooks{attrs: func(a [][]byte) [][]byte {
			var out [][]byte
			for _, x := range a {
				if !bytes.Contains(x, encodeOID(oid)) {
					out = append(out, x)
				}
			}
			return out
		}}
	}
	add := func(extra ...[]byte) *signHooks {
		return &signHooks{attrs: func(a [][]byte) [][]byte { return append(a, extra...) }}
	}
	replace := func(i int, with []byte) *signHooks {
		return &signHooks{attrs: func(a [][]byte) [][]byte { a[i] = with; return a }}
	}
	tests := []struct {
		name  string
		der   []byte
		parts []string
	}{
		{"no contentType", signedVariant(t, dropType(oidAttrContentType), nil), []string{"signedAttrs", "contentType attribute is missing"}},
		{"no messageDigest", signedVariant(t, dropType(oidAttrMessageDigest), nil), []string{"signedAttrs", "messageDigest attribute is missing"}},
		{"no signed attributes", readVector(t, "openssl-es256-noattr.der"), []string{"signerInfos[0].signedAttrs", "missing"}},
		{"second signingTime", signedVariant(t, add(attr(oidAttrSigningTime, encodeTime(signingTime.Add(time.Hour)))), nil), []string{"signingTime", "appears twice"}},
		{"two content types in one attribute", signedVariant(t, replace(0, tlv(tagSequence, encodeOID(oidAttrContentType), tlv(tagSet, encodeOID(oidData), encodeOID(oidData)))), nil),
			[]string{"contentType", "2 values"}},
		{"short messageDigest", signedVariant(t, replace(2, attr(oidAttrMessageDigest, tlv(tagOctetString, make([]byte, 20)))), nil),
			[]string{"messageDigest", "20 bytes"}},
		{"messageDigest not an OCTET STRING", signedVariant(t, replace(2, attr(oidAttrMessageDigest, encodeOID(oidData))), nil),
			[]string{"messageDigest", "expected OCTET STRING"}},
		{"signingTime without seconds", signedVariant(t, replace(1, attr(oidAttrSigningTime, tlv(tagUTCTime, []byte("2603040506Z")))), nil),
			[]string{"signingTime", "YYMMDDHHMMSSZ"}},
		{"signingTime on 30 February", signedVariant(t, replace(1, attr(oidAttrSigningTime, tlv(tagUTCTime, []byte("260230050607Z")))), nil),
			[]string{"signingTime", "out of range"}},
		{"attribute without values", signedVariant(t, add(tlv(tagSequence, encodeOID(asn1.ObjectIdentifier{1, 2, 3}), tlv(tagSet))), nil),
			[]string{"signedAttrs[0] (1.2.3)", "without values"}},
		{"cmsAlgorithmProtection naming SHA-512", signedVariant(t, add(attr(oidAttrAlgorithmProtection, tlv(tagSequence,
			tlv(tagSequence, encodeOID(oidSHA512)), tlv(ctx(1, true), encodeOID(oidECDSAWithSHA256))))), nil),
			[]string{"cmsAlgorithmProtection", "digest algorithm sha512"}},
		{"cmsAlgorithmProtection naming RSA", signedVariant(t, add(attr(oidAttrAlgorithmProtection, tlv(tagSequence,
			tlv(tagSequence, encodeOID(oidSHA256)), tlv(ctx(1, true), encodeOID(oidSHA256WithRSA), derNull)))), nil),
			[]string{"cmsAlgorithmProtection", "signature algorithm sha256WithRSAEncryption"}},
		{"cmsAlgorithmProtection without signature algorithm", signedVariant(t, add(attr(oidAttrAlgorithmProtection, tlv(tagSequence,
			tlv(tagSequence, encodeOID(oidSHA256))))), nil),
			[]string{"cmsAlgorithmProtection", "signature algorithm is absent"}},
		{"signed attributes with an indefinite length", signedVariant(t, nil, func(r *node) { r.at(pathSignedAttr...).indefinite = true }),
			[]string{"signedAttrs", "indefinite length"}},
		{"empty unsigned attributes", signedVariant(t, nil, func(r *node) {
			si := r.at(pathSigner...)
			si.kids = append(si.kids, &node{tag: ctx(1, true)})
		}), []string{"unsignedAttrs", "empty set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sd, err := Parse(tt.der)
			wantParseError(t, sd, err, tt.parts...)
		})
	}
}

// setOID replaces the OID of an AlgorithmIdentifier node and its parameters.
func setAlg(n *node, oid asn1.ObjectIdentifier, params ...*node) {
	n.kids = append([]*node{oidNode(oid)}, params...)
}

func TestParseErrors(t *testing.T) {
	valid := signedVariant(t, nil, nil)
	nested := []byte{}
	for i := 0; i < limits.MaxCMSDepth+2; i++ {
		nested = append(nested, tagSequence, 0x80)
	}
	for i := 0; i < limits.MaxCMSDepth+2; i++ {
		nested = append(nested, 0, 0)
	}
	nullNode := func() *node { return &node{tag: tagNull} }
	pssParams := func(kids ...*node) *node { return &node{tag: tagSequence, kids: kids} }
	hashAlg := func(oid asn1.ObjectIdentifier) *node {
		return &node{tag: tagSequence, kids: []*node{oidNode(oid), nullNode()}}
	}
	explicit := func(n byte, kid *node) *node { return &node{tag: ctx(n, true), kids: []*node{kid}} }
	mgf := func(h asn1.ObjectIdentifier) *node {
		return explicit(1, &node{tag: tagSequence, kids: []*node{oidNode(oidMGF1), hashAlg(h)}})
	}
	tests := []struct {
		name  string
		der   []byte
		parts []string
	}{
		{"empty input", nil, []string{"empty input"}},
		{"oversized", make([]byte, limits.MaxCMS+1), []string{"exceeds the limit"}},
		{"trailing data", append(bytes.Clone(valid), 0x05, 0x00), []string{"trailing data (2 bytes) after the ContentInfo"}},
		{"base64 instead of DER", []byte("MIAGCSqGSIb3DQEHAqCAMIACAQEx"), []string{"contentInfo", "expected SEQUENCE"}},
		{"not SignedData", signedVariant(t, nil, func(r *node) { r.kids[0] = oidNode(oidData) }), []string{"contentInfo.contentType", "id-data", "not id-signedData"}},
		{"SignedData version 2", signedVariant(t, nil, func(r *node) { r.at(pathVersion...).body = []byte{2} }), []string{"signedData.version", "version 2"}},
		{"non-minimal version", signedVariant(t, nil, func(r *node) { r.at(pathVersion...).body = []byte{0, 1} }), []string{"signedData.version", "non-minimal INTEGER"}},
		{"crls", signedVariant(t, nil, func(r *node) {
			sd := r.at(pathSignedData...)
			sd.kids = append(sd.kids[:4], append([]*node{{tag: ctx(1, true)}}, sd.kids[4:]...)...)
		}), []string{"signedData.crls", "revocation information"}},
		{"attribute certificate", signedVariant(t, nil, func(r *node) { r.at(pathCert0...).tag = ctx(2, true) }),
			[]string{"certificates[0]", "only X.509 certificates"}},
		{"broken certificate", signedVariant(t, nil, func(r *node) { r.at(pathCert0...).kids[0].kids[0].tag = tagNull }),
			[]string{"certificates[0]", "x509"}},
		{"certificate with an indefinite length", signedVariant(t, nil, func(r *node) { r.at(pathCert0...).indefinite = true }),
			[]string{"certificates[0]", "indefinite length"}},
		{"too many certificates", signedVariant(t, nil, func(r *node) {
			c := r.at(pathCerts...)
			for len(c.kids) <= limits.MaxCMSCertificates {
				c.kids = append(c.kids, c.kids[0])
			}
		}), []string{"certificates", "more than 16"}},
		{"too many signers", signedVariant(t, nil, func(r *node) {
			s := r.at(pathSigners...)
			for len(s.kids) <= limits.MaxCMSSigners {
				s.kids = append(s.kids, s.kids[0])
			}
		}), []string{"signerInfos", "more than 8"}},
		{"SHA-1 digest", signedVariant(t, nil, func(r *node) { setAlg(r.at(pathDigestAlg...), oidSHA1) }),
			[]string{"signerInfos[0].digestAlgorithm", "sha1", "not accepted"}},
		{"digest parameters", signedVariant(t, nil, func(r *node) { setAlg(r.at(pathDigestAlg...), oidSHA256, oidNode(oidData)) }),
			[]string{"digestAlgorithm", "absent or NULL"}},
		{"id-ecPublicKey as signature algorithm", signedVariant(t, nil, func(r *node) { setAlg(r.at(pathSigAlg...), oidECPublicKey) }),
			[]string{"signatureAlgorithm", "id-ecPublicKey is not accepted"}},
		{"ecdsa-with-SHA1", signedVariant(t, nil, func(r *node) { setAlg(r.at(pathSigAlg...), oidECDSAWithSHA1) }),
			[]string{"signatureAlgorithm", "SHA-1"}},
		{"ecdsa-with-SHA384 over a SHA-256 digest", signedVariant(t, nil, func(r *node) { setAlg(r.at(pathSigAlg...), oidECDSAWithSHA384) }),
			[]string{"signatureAlgorithm", "does not match the digest algorithm sha256"}},
		{"ECDSA with NULL parameters", signedVariant(t, nil, func(r *node) { setAlg(r.at(pathSigAlg...), oidECDSAWithSHA256, nullNode()) }),
			[]string{"signatureAlgorithm", "must be absent"}},
		{"unknown signature algorithm", signedVariant(t, nil, func(r *node) { setAlg(r.at(pathSigAlg...), asn1.ObjectIdentifier{1, 2, 3, 4}) }),
			[]string{"signatureAlgorithm", "unsupported signature algorithm 1.2.3.4"}},
		{"PSS without parameters", signedVariant(t, nil, func(r *node) { setAlg(r.at(pathSigAlg...), oidRSAPSS) }),
			[]string{"signatureAlgorithm", "RSASSA-PSS parameters are missing"}},
		{"PSS with the default hash", signedVariant(t, nil, func(r *node) { setAlg(r.at(pathSigAlg...), oidRSAPSS, pssParams()) }),
			[]string{"signatureAlgorithm", "default, SHA-1"}},
		{"PSS with MGF1-SHA384", signedVariant(t, nil, func(r *node) {
			setAlg(r.at(pathSigAlg...), oidRSAPSS, pssParams(explicit(0, hashAlg(oidSHA256)), mgf(oidSHA384)))
		}), []string{"signatureAlgorithm", "MGF1 hash sha384"}},
		{"PSS with trailer 2", signedVariant(t, nil, func(r *node) {
			setAlg(r.at(pathSigAlg...), oidRSAPSS, pssParams(explicit(0, hashAlg(oidSHA256)), mgf(oidSHA256),
				explicit(2, &node{tag: tagInteger, body: []byte{32}}), explicit(3, &node{tag: tagInteger, body: []byte{2}})))
		}), []string{"signatureAlgorithm", "trailer field 2"}},
		{"PSS with salt 0", signedVariant(t, nil, func(r *node) {
			setAlg(r.at(pathSigAlg...), oidRSAPSS, pssParams(explicit(0, hashAlg(oidSHA256)), mgf(oidSHA256),
				explicit(2, &node{tag: tagInteger, body: []byte{0}})))
		}), []string{"signatureAlgorithm", "salt length 0"}},
		{"version 1 signer identified by key identifier", signedVariant(t, nil, func(r *node) {
			r.at(pathSigner...).kids[1] = &node{tag: ctx(0, false), body: []byte{1, 2, 3}}
		}), []string{"signerInfos[0].sid", "issuerAndSerialNumber"}},
		{"version 3 signer with empty key identifier", signedVariant(t, nil, func(r *node) {
			r.at(pathSigner...).kids[0].body = []byte{3}
			r.at(pathSigner...).kids[1] = &node{tag: ctx(0, false)}
		}), []string{"signerInfos[0].sid", "empty subject key identifier"}},
		{"SignerInfo version 2", signedVariant(t, nil, func(r *node) { r.at(pathSigner...).kids[0].body = []byte{2} }),
			[]string{"signerInfos[0].version", "version 2"}},
		{"empty signature", signedVariant(t, nil, func(r *node) { r.at(pathSignature...).body = nil }),
			[]string{"signerInfos[0].signature", "empty signature"}},
		{"content segment that is not an OCTET STRING", signedVariant(t, nil, func(r *node) {
			r.at(pathEWrapper...).kids[0] = &node{tag: tagOctetStringConstructed, kids: []*node{
				{tag: tagOctetString, body: []byte("signer ")}, {tag: tagNull},
			}}
		}), []string{"eContent.segment[1]", "expected a primitive OCTET STRING, found NULL"}},
		{"content segment split again", signedVariant(t, nil, func(r *node) {
			r.at(pathEWrapper...).kids[0] = &node{tag: tagOctetStringConstructed, kids: []*node{
				{tag: tagOctetString, body: []byte("signer upload"), segments: 4},
			}}
		}), []string{"eContent.segment[0]", "found constructed OCTET STRING"}},
		{"segmented signature", signedVariant(t, nil, func(r *node) { r.at(pathSignature...).segments = 10 }),
			[]string{"signerInfos[0].signature", "expected OCTET STRING"}},
		{"field after the signature", signedVariant(t, nil, func(r *node) {
			si := r.at(pathSigner...)
			si.kids = append(si.kids, nullNode())
		}), []string{"signerInfos[0]", "unexpected NULL after the last field"}},
		{"nested too deep", append([]byte{tagSequence, 0x80}, append(nested, 0, 0)...), []string{"nested deeper than 32"}},
		{"end-of-contents inside a definite value", []byte{tagSequence, 0x02, 0x00, 0x00}, []string{"contentType", "end-of-contents"}},
		{"non-minimal length", append([]byte{tagSequence, 0x83, 0x00}, valid[2:]...), []string{"contentInfo", "non-minimal length"}},
		{"long form for a short length", []byte{tagSequence, 0x81, 0x03, tagNull, 0, 0}, []string{"contentInfo", "non-minimal length"}},
		{"indefinite length on a primitive", []byte{tagSequence, 0x80, tagOID, 0x80, 0, 0, 0, 0}, []string{"indefinite length on a primitive"}},
		{"constructed INTEGER", signedVariant(t, nil, func(r *node) { r.at(pathVersion...).tag |= flagConstructed }),
			[]string{"signedData.version", "expected INTEGER, found identifier octet 0x22"}},
		{"OID with a non-minimal arc", signedVariant(t, nil, func(r *node) { r.at(pathCIType...).body = append([]byte{0x80}, r.at(pathCIType...).body...) }),
			[]string{"contentInfo.contentType", "non-minimal OBJECT IDENTIFIER arc"}},
		{"attribute type not an OID", signedVariant(t, nil, func(r *node) {
			r.at(pathSignedAttr...).kids[0].kids[0] = &node{tag: tagNull}
		}), []string{"signedAttrs[0].attrType", "expected OBJECT IDENTIFIER, found NULL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sd, err := Parse(tt.der)
			wantParseError(t, sd, err, tt.parts...)
		})
	}
}

func TestParseTruncated(t *testing.T) {
	s := es256(t)
	der, err := Sign([]byte("signer upload"), s.cert, s.key, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range [][]byte{der, berLikeBouncyCastle(t, der), readVector(t, "openssl-es256-stream-ber.der")} {
		for n := 0; n < len(msg); n++ {
			sd, err := Parse(msg[:n])
			if err == nil || sd != nil {
				t.Fatalf("Parse(first %d of %d bytes) = %v, %v, want an error", n, len(msg), sd, err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(first %d bytes) error = %v (%T), want a *ParseError", n, err, err)
			}
		}
		if _, err := Parse(msg); err != nil {
			t.Errorf("Parse(whole) error = %v", err)
		}
	}
}

func TestParseOID(t *testing.T) {
	for _, oid := range []asn1.ObjectIdentifier{oidData, oidSHA512, oidEd25519, {2, 999, 3}, {1, 2, 1 << 20}, {0, 39}} {
		got, err := parseOID(encodeOID(oid)[2:])
		if err != nil || !got.Equal(oid) {
			t.Errorf("parseOID(%v) = %v, %v", oid, got, err)
		}
	}
	long := bytes.Repeat([]byte{1}, limits.MaxCMSOIDComponents+1)
	for name, body := range map[string][]byte{
		"empty":         {},
		"unterminated":  {0x2a, 0x86},
		"non-minimal":   {0x2a, 0x80, 0x01},
		"arc too large": {0x2a, 0x8f, 0xff, 0xff, 0xff, 0xff, 0x7f},
		"too many arcs": long,
	} {
		if got, err := parseOID(body); err == nil {
			t.Errorf("parseOID(%s %x) = %v, want an error", name, body, got)
		}
	}
}

func TestParseInt(t *testing.T) {
	for _, tc := range []struct {
		body []byte
		want int64
		ok   bool
	}{
		{[]byte{0}, 0, true},
		{[]byte{0x7f}, 127, true},
		{[]byte{0x00, 0x80}, 128, true},
		{[]byte{0xff}, -1, true},
		{[]byte{0xff, 0x7f}, -129, true},
		{[]byte{}, 0, false},
		{[]byte{0x00, 0x7f}, 0, false},
		{[]byte{0xff, 0x80}, 0, false},
	} {
		n, err := parseInt(tc.body)
		if (err == nil) != tc.ok || tc.ok && n.Int64() != tc.want {
			t.Errorf("parseInt(%x) = %v, %v, want %d (ok %v)", tc.body, n, err, tc.want, tc.ok)
		}
	}
}

func TestReadValue(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		ber  bool
		want string // error; empty for success
	}{
		{"short form", []byte{tagNull, 0}, false, ""},
		{"long form", append([]byte{tagOctetString, 0x81, 0x80}, make([]byte, 128)...), false, ""},
		{"indefinite SEQUENCE in BER", []byte{tagSequence, 0x80, tagNull, 0, 0, 0}, true, ""},
		{"segmented OCTET STRING in BER", []byte{tagOctetStringConstructed, 0x80, tagOctetString, 1, 'a', 0, 0}, true, ""},
		{"empty", nil, true, "a value is missing"},
		{"one byte", []byte{tagSequence}, true, "header is cut short"},
		{"multi-byte tag", []byte{0x3f, 0x81, 0x01, 0x00}, true, "tag number above 30"},
		{"end-of-contents", []byte{0, 0}, true, "unexpected end-of-contents"},
		{"primitive SEQUENCE", []byte{0x10, 0x00}, true, "primitive encoding of a SEQUENCE"},
		{"primitive SET", []byte{0x11, 0x00}, true, "primitive encoding of a SEQUENCE or SET"},
		{"constructed INTEGER", []byte{tagInteger | flagConstructed, 0}, true, "constructed encoding of universal type 2"},
		{"constructed OCTET STRING in DER", []byte{tagOctetStringConstructed, 0}, false, "constructed OCTET STRING (BER)"},
		{"indefinite length in DER", []byte{tagSequence, 0x80, 0, 0}, false, "indefinite length (BER) where DER is required"},
		{"indefinite primitive", []byte{tagOctetString, 0x80, 0, 0}, true, "indefinite length on a primitive"},
		{"reserved length", []byte{tagSequence, 0xff}, true, "reserved length octet"},
		{"five length octets", []byte{tagSequence, 0x85, 1, 0, 0, 0, 0}, true, "length of 5 octets"},
		{"cut length", []byte{tagSequence, 0x82, 1}, true, "length is cut short"},
		{"leading zero length", []byte{tagSequence, 0x82, 0, 0x80}, true, "leading zero octet"},
		{"long form below 128", []byte{tagSequence, 0x81, 0x7f}, true, "long form for 127"},
		{"value past the end", []byte{tagSequence, 0x05, 0}, true, "value of 5 bytes, only 1 left"},
		{"no end-of-contents", []byte{tagSequence, 0x80, tagNull, 0}, true, "without end-of-contents"},
		{"malformed end-of-contents", []byte{tagSequence, 0x80, 0, 1}, true, "malformed end-of-contents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, rest, err := readValue(tt.in, tt.ber, 0)
			if tt.want == "" {
				if err != nil || len(rest) != 0 || !bytes.Equal(v.raw, tt.in) {
					t.Errorf("readValue(%x) = %x, rest %x, %v; want the whole input", tt.in, v.raw, rest, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("readValue(%x) error = %v, want %q", tt.in, err, tt.want)
			}
		})
	}
}

// Another encapsulated content type parses, and Verify refuses it unless
// the caller asks for exactly that type and the signed contentType
// attribute names it too.
func TestOtherContentType(t *testing.T) {
	masterList := asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}
	der := signedVariant(t, nil, func(r *node) { r.at(pathEncap...).kids[0] = oidNode(masterList) })
	sd, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if !sd.ContentType.Equal(masterList) {
		t.Errorf("ContentType %v", sd.ContentType)
	}
	if _, err := sd.Verify(VerifyOptions{}); !errors.Is(err, ErrContentTypeMismatch) || !strings.Contains(err.Error(), "expects id-data") {
		t.Errorf("default verify of a master-list content: %v", err)
	}
	// The signer signed contentType id-data, so even a caller expecting a
	// master list refuses it.
	if _, err := sd.Verify(VerifyOptions{ContentType: masterList}); !errors.Is(err, ErrContentTypeMismatch) || !strings.Contains(err.Error(), "the attribute says id-data") {
		t.Errorf("attribute mismatch: %v", err)
	}
	// Signed as a master list, it verifies for a caller expecting one.
	es := es256(t)
	ml, err := Sign([]byte("master list content"), es.cert, es.key, &SignOptions{ContentType: masterList})
	if err != nil {
		t.Fatal(err)
	}
	sd, err = Parse(ml)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Version != 3 {
		t.Errorf("version %d, want 3 for a content type other than id-data", sd.Version)
	}
	if _, err := sd.Verify(VerifyOptions{ContentType: masterList}); err != nil {
		t.Errorf("master list: %v", err)
	}
	if _, err := sd.Verify(VerifyOptions{}); !errors.Is(err, ErrContentTypeMismatch) {
		t.Errorf("master list verified as id-data: %v", err)
	}
}
