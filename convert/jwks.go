package convert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/ithc/ithc/shc"
)

// IssuerJWKS returns the JWK set a SMART Health Card issuer publishes at
// <iss>/.well-known/jwks.json for its signing key pub (a P-256 public key):
// {"keys": [{"kty": "EC", "kid": <RFC 7638 thumbprint>, "use": "sig",
// "alg": "ES256", "crv": "P-256", "x", "y"}]}. Verifiers load it with
// shc.ParseJWKS or as an issuer folder (shc.KeyStore.LoadIssuerDir).
func IssuerJWKS(pub crypto.PublicKey) ([]byte, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("convert: a SMART Health Card key is ECDSA P-256, not %T", pub)
	}
	kid, err := shc.Thumbprint(k)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	point, err := k.Bytes() // 0x04 ‖ x ‖ y
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	type jwk struct {
		Kty string `json:"kty"`
		Kid string `json:"kid"`
		Use string `json:"use"`
		Alg string `json:"alg"`
		Crv string `json:"crv"`
		X   string `json:"x"`
		Y   string `json:"y"`
	}
	return json.MarshalIndent(map[string][]jwk{"keys": {{Kty: "EC", Kid: kid, Use: "sig", Alg: "ES256", Crv: "P-256",
		X: b64(point[1:33]), Y: b64(point[33:65])}}}, "", "  ")
}
