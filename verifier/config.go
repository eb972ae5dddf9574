package verifier

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/limits"
)

// Config is the verifier service's configuration file (JSON). Every field
// but data_dir is optional; the comments give the value a zero or absent
// field means. Relative paths are relative to the file's directory.
//
//	{
//	  "listen": "127.0.0.1:8080",          // address of the page and the API
//	  "data_dir": "data",                  // offline copy: trustlist.json, anchor.pem, rules.json, revocation/
//	  "gateway": "https://gw.example:8443", // gateway or static export base URL; empty: no sync
//	  "anchor": "anchor.pem",              // gateway trust anchor; empty: data_dir/anchor.pem
//	  "gateway_ca": "gateway-ca.pem",      // roots for the gateway's HTTPS; empty: system roots
//	  "sync_interval": "15m",              // how often to sync; zero: 15m
//	  "stale_after": "48h",                // data older than this is flagged on every result; zero: 48h
//	  "country": "FR", "region": "",       // default destination; empty: no acceptance rules unless asked
//	  "recognise": ["CN", "FR"],           // countries whose signers are accepted; empty: all on the trust list
//	  "decrypt_keys": ["fr-enc.key"],      // this country's recipient keys, to open encrypted codes; empty: none
//	  "clock_skew": "5m",                  // zero: verify.DefaultClockSkew; negative: none
//	  "tls_cert": "server.pem", "tls_key": "server.key",  // both or neither: HTTPS
//	  "read_header_timeout": "5s", "read_timeout": "60s", "write_timeout": "90s",
//	  "idle_timeout": "120s", "shutdown_timeout": "20s", "scan_timeout": "30s",
//	  "max_upload_bytes": 20971520,        // zero: 20 MiB; at most limits.MaxVerifyUpload
//	  "max_scans": 2,                      // concurrent image/PDF scans; zero: GOMAXPROCS
//	  "rate_limit": 20, "rate_burst": 40,  // per client address, requests/s; zero: 20 and 40; negative rate: no limit
//	  "pdf_tool_dir": ""                   // where pdftoppm and pdfinfo are; empty: PATH
//	}
type Config struct {
	Listen            string   `json:"listen,omitempty"`
	DataDir           string   `json:"data_dir"`
	Gateway           string   `json:"gateway,omitempty"`
	Anchor            string   `json:"anchor,omitempty"`
	GatewayCA         string   `json:"gateway_ca,omitempty"`
	SyncInterval      Duration `json:"sync_interval,omitempty"`
	StaleAfter        Duration `json:"stale_after,omitempty"`
	Country           string   `json:"country,omitempty"`
	Recognise         []string `json:"recognise,omitempty"`
	DecryptKeys       []string `json:"decrypt_keys,omitempty"`
	Region            string   `json:"region,omitempty"`
	ClockSkew         Duration `json:"clock_skew,omitempty"`
	TLSCert           string   `json:"tls_cert,omitempty"`
	TLSKey            string   `json:"tls_key,omitempty"`
	ReadHeaderTimeout Duration `json:"read_header_timeout,omitempty"`
	ReadTimeout       Duration `json:"read_timeout,omitempty"`
	WriteTimeout      Duration `json:"write_timeout,omitempty"`
	IdleTimeout       Duration `json:"idle_timeout,omitempty"`
	ShutdownTimeout   Duration `json:"shutdown_timeout,omitempty"`
	ScanTimeout       Duration `json:"scan_timeout,omitempty"`
	MaxUploadBytes    int64    `json:"max_upload_bytes,omitempty"`
	MaxScans          int      `json:"max_scans,omitempty"`
	RateLimit         float64  `json:"rate_limit,omitempty"`
	RateBurst         int      `json:"rate_burst,omitempty"`
	PDFToolDir        string   `json:"pdf_tool_dir,omitempty"`

	dir string
}

// The defaults of the zero Config fields.
const (
	DefaultListen            = "127.0.0.1:8080"
	DefaultSyncInterval      = 15 * time.Minute
	DefaultStaleAfter        = 48 * time.Hour
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 90 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 20 * time.Second
	DefaultRateLimit         = 20
	DefaultRateBurst         = 40
)

// Duration is a time.Duration written as a Go duration string in JSON
// ("30s", "15m", "48h").
type Duration time.Duration

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration must be a string such as \"30s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d Duration) or(def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

// ParseConfig reads a configuration from JSON; dir is the directory
// relative paths are resolved against. Unknown fields are errors.
func ParseConfig(data []byte, dir string) (*Config, error) {
	if len(data) > limits.MaxVerifierConfig {
		return nil, fmt.Errorf("verifier: config: more than %d bytes", limits.MaxVerifierConfig)
	}
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("verifier: config: %w", err)
	}
	if dec.More() {
		return nil, errors.New("verifier: config: data after the JSON object")
	}
	c.dir = dir
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// LoadConfig reads and checks a configuration file.
func LoadConfig(path string) (*Config, error) {
	data, err := limits.ReadFile(path, limits.MaxVerifierConfig)
	if err != nil {
		return nil, fmt.Errorf("verifier: config: %w", err)
	}
	c, err := ParseConfig(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return c, nil
}

func (c *Config) check() error {
	var problems []string
	if c.DataDir == "" {
		problems = append(problems, "data_dir is required")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		problems = append(problems, "tls_cert and tls_key go together")
	}
	if c.Country != "" && !validCountry(strings.ToUpper(c.Country)) {
		problems = append(problems, fmt.Sprintf("country %q is not an ISO 3166-1 alpha-2 code", c.Country))
	}
	if c.Region != "" && !validRegion(c.Region) {
		problems = append(problems, fmt.Sprintf("region %q is not 1 to %d letters or digits", c.Region, limits.MaxRegionLength))
	}
	if c.MaxUploadBytes < 0 || c.MaxUploadBytes > limits.MaxVerifyUpload {
		problems = append(problems, fmt.Sprintf("max_upload_bytes must be between 0 and %d", limits.MaxVerifyUpload))
	}
	if c.MaxScans < 0 {
		problems = append(problems, "max_scans must not be negative")
	}
	if c.RateBurst < 0 {
		problems = append(problems, "rate_burst must not be negative")
	}
	for name, d := range map[string]Duration{"sync_interval": c.SyncInterval, "stale_after": c.StaleAfter,
		"read_header_timeout": c.ReadHeaderTimeout, "read_timeout": c.ReadTimeout, "write_timeout": c.WriteTimeout,
		"idle_timeout": c.IdleTimeout, "shutdown_timeout": c.ShutdownTimeout, "scan_timeout": c.ScanTimeout} {
		if d < 0 {
			problems = append(problems, name+" must not be negative")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("verifier: config: %s", strings.Join(problems, "; "))
	}
	c.Country = strings.ToUpper(c.Country)
	return nil
}

// Path resolves a path of the configuration relative to its file.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir, p)
}

// AnchorPath is the trust anchor file: anchor, or anchor.pem in the data
// directory.
func (c *Config) AnchorPath() string {
	if c.Anchor != "" {
		return c.Path(c.Anchor)
	}
	return filepath.Join(c.Path(c.DataDir), "anchor.pem")
}

func validCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

func validRegion(r string) bool {
	if len(r) == 0 || len(r) > limits.MaxRegionLength {
		return false
	}
	for _, b := range []byte(r) {
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}
