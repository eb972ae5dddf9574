package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testSigner is an upload key with its self-signed certificate.
type testSigner struct {
	name   string
	key    crypto.Signer
	cert   *x509.Certificate
	pss    bool
	digest crypto.Hash             // the digest Sign picks for this key
	alg    x509.SignatureAlgorithm // the signature algorithm Sign writes
}

func (s testSigner) opts() *SignOptions { return &SignOptions{PSS: s.pss} }

var (
	keyMu    sync.Mutex
	keyCache = map[string]crypto.Signer{}
)

// testKey returns a key of kind ("p256", "p384", "p521", "rsa2048",
// "ed25519"), the same for every call with the same id.
func testKey(t testing.TB, kind, id string) crypto.Signer {
	t.Helper()
	keyMu.Lock()
	defer keyMu.Unlock()
	if k, ok := keyCache[kind+"/"+id]; ok {
		return k
	}
	var k crypto.Signer
	var err error
	switch kind {
	case "p256":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "p521":
		k, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "rsa2048":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ed25519":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	keyCache[kind+"/"+id] = k
	return k
}

// selfSigned makes a self-signed certificate for key with common name cn
// and serial number serial.
func selfSigned(t testing.TB, key crypto.Signer, cn string, serial int64) *x509.Certificate {
	t.Helper()
	spki, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	ski := sha256.Sum256(spki)
	tmpl := &x509.Certificate{
		SubjectKeyId: ski[:20],
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{Country: []string{"DE"}, Organization: []string{"ITHC test"}, CommonName: cn},
		NotBefore:    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

var (
	signersMu    sync.Mutex
	signersCache []testSigner
)

// signers returns one upload signer per algorithm Sign supports, the same
// for the whole test process.
func signers(t testing.TB) []testSigner {
	t.Helper()
	signersMu.Lock()
	defer signersMu.Unlock()
	if signersCache == nil {
		signersCache = makeSigners(t)
	}
	return signersCache
}

func makeSigners(t testing.TB) []testSigner {
	mk := func(name, kind string, pss bool, digest crypto.Hash, alg x509.SignatureAlgorithm) testSigner {
		k := testKey(t, kind, "upload")
		return testSigner{name: name, key: k, cert: selfSigned(t, k, "upload "+name, 1001), pss: pss, digest: digest, alg: alg}
	}
	return []testSigner{
		mk("ES256", "p256", false, crypto.SHA256, x509.ECDSAWithSHA256),
		mk("ES384", "p384", false, crypto.SHA384, x509.ECDSAWithSHA384),
		mk("ES512", "p521", false, crypto.SHA512, x509.ECDSAWithSHA512),
		mk("RS256", "rsa2048", false, crypto.SHA256, x509.SHA256WithRSA),
		mk("PS256", "rsa2048", true, crypto.SHA256, x509.SHA256WithRSAPSS),
		mk("Ed25519", "ed25519", false, crypto.SHA512, x509.PureEd25519),
	}
}

// es256 returns the ES256 upload signer.
func es256(t testing.TB) testSigner { return signers(t)[0] }

// readVector reads a file of testdata.
func readVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// node is a decoded ASN.1 tree for building hostile variants of valid
// messages: decode, edit, encode.
type node struct {
	tag        byte
	body       []byte // primitive contents
	kids       []*node
	indefinite bool // encode with an indefinite length (BER)
	segments   int  // encode a primitive OCTET STRING as constructed segments of this size (BER)
}

// decodeTree decodes DER (or BER) into a tree.
func decodeTree(t testing.TB, der []byte) *node {
	t.Helper()
	v, rest, err := readValue(der, true, 0)
	if err != nil || len(rest) > 0 {
		t.Fatalf("decodeTree: %v (%d bytes left)", err, len(rest))
	}
	return treeOf(t, v)
}

func treeOf(t testing.TB, v value) *node {
	n := &node{tag: v.tag, indefinite: v.indefinite}
	if !v.constructed() {
		n.body = append([]byte{}, v.body...)
		return n
	}
	for in := v.body; len(in) > 0; {
		k, rest, err := readValue(in, true, 0)
		if err != nil {
			t.Fatalf("treeOf: %v", err)
		}
		n.kids = append(n.kids, treeOf(t, k))
		in = rest
	}
	return n
}

// at follows child indexes from n.
func (n *node) at(path ...int) *node {
	for _, i := range path {
		n = n.kids[i]
	}
	return n
}

// encode encodes the tree, in DER unless nodes ask for BER.
func (n *node) encode() []byte {
	if n.segments > 0 && n.tag == tagOctetString {
		out := []byte{tagOctetStringConstructed, 0x80}
		for b := n.body; len(b) > 0; {
			k := min(n.segments, len(b))
			out = append(out, tlv(tagOctetString, b[:k])...)
			b = b[k:]
		}
		return append(out, 0, 0)
	}
	if n.tag&flagConstructed == 0 {
		return tlv(n.tag, n.body)
	}
	var parts [][]byte
	for _, k := range n.kids {
		parts = append(parts, k.encode())
	}
	if n.indefinite {
		out := []byte{n.tag, 0x80}
		for _, p := range parts {
			out = append(out, p...)
		}
		return append(out, 0, 0)
	}
	return tlv(n.tag, parts...)
}

// Indexes into a decoded message.
var (
	pathSignedData = []int{1, 0}          // ContentInfo.content → SignedData
	pathEncap      = []int{1, 0, 2}       // encapContentInfo
	pathCerts      = []int{1, 0, 3}       // certificates
	pathSigner     = []int{1, 0, 4, 0}    // signerInfos[0]
	pathSignedAttr = []int{1, 0, 4, 0, 3} // signerInfos[0].signedAttrs
	pathEContent   = []int{1, 0, 2, 1, 0} // the eContent OCTET STRING
	pathSigAlg     = []int{1, 0, 4, 0, 4} // signerInfos[0].signatureAlgorithm
	pathDigestAlg  = []int{1, 0, 4, 0, 2} // signerInfos[0].digestAlgorithm
	pathSignature  = []int{1, 0, 4, 0, 5} // signerInfos[0].signature
	pathVersion    = []int{1, 0, 0}       // SignedData.version
	pathSigners    = []int{1, 0, 4}       // SignedData.signerInfos
	pathCert0      = []int{1, 0, 3, 0}    // certificates[0]
	pathCIType     = []int{0}             // ContentInfo.contentType
	pathEWrapper   = []int{1, 0, 2, 1}    // [0] around eContent
	pathSDWrapper  = []int{1}             // [0] around SignedData
)

// berLikeBouncyCastle re-encodes a DER message the way Bouncy Castle's
// CMSSignedData.getEncoded() writes it (and so the EU gateway's dgc-lib
// clients): indefinite lengths on ContentInfo, its [0], the SignedData,
// the encapContentInfo, its [0] and the certificates, and the content as a
// constructed OCTET STRING of 1000-byte segments.
func berLikeBouncyCastle(t testing.TB, der []byte) []byte {
	t.Helper()
	root := decodeTree(t, der)
	for _, p := range [][]int{{}, pathSDWrapper, pathSignedData, pathEncap, pathCerts} {
		root.at(p...).indefinite = true
	}
	if enc := root.at(pathEncap...); len(enc.kids) > 1 {
		enc.kids[1].indefinite = true
		enc.kids[1].kids[0].segments = 1000
	}
	return root.encode()
}

// wantParseError checks that err is a *ParseError whose message contains
// every one of parts.
func wantParseError(t *testing.T, sd *SignedData, err error, parts ...string) {
	t.Helper()
	if sd != nil {
		t.Errorf("Parse returned a SignedData with error %v", err)
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse() error = %v (%T), want a *ParseError", err, err)
	}
	for _, p := range parts {
		if !containsFold(err.Error(), p) {
			t.Errorf("Parse() error = %q, want it to mention %q", err, p)
		}
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
