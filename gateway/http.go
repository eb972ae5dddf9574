package gateway

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ithc/ithc/gateway/store"
)

// OpenAPI is the API description served at /openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// MaxUploadBytes bounds a write request body: a CMS carrying one
// certificate is a few kilobytes.
const MaxUploadBytes = 64 << 10

// ListContentType is the media type of a signed list.
const ListContentType = "application/jose+json"

type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	writes     *prometheus.CounterVec
	refusals   *prometheus.CounterVec
	listBuilds prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ithc_gateway_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ithc_gateway_request_seconds", Help: "HTTP request duration by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9),
		}, []string{"route"}),
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ithc_gateway_writes_total", Help: "Accepted writes by action.",
		}, []string{"action"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ithc_gateway_refusals_total", Help: "Refused requests by error code.",
		}, []string{"error"}),
		listBuilds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ithc_gateway_list_signatures_total", Help: "Signed lists built (cache misses).",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.writes, m.refusals, m.listBuilds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// TrustListKinds are the kinds of /v1/trustlist: what a verifier needs to
// check signatures (CSCAs, upload certificates, document signers) and to
// encrypt for a country (its recipient encryption keys).
var TrustListKinds = []string{store.KindCSCA, store.KindUpload, store.KindSigner, store.KindEncryption}

// routeFunc registers a handler under a pattern and a metrics route name.
type routeFunc func(pattern, name string, h func(http.ResponseWriter, *http.Request) error)

// Handler returns the gateway's HTTP API:
//
//	GET  /v1/trustlist      signed list of CSCAs, upload certificates and signers
//	GET  /v1/valuesets      signed list of value sets
//	GET  /v1/countries      signed list of onboarded countries
//	POST /v1/signers        upload a document signer (CMS, mutual TLS)
//	DELETE /v1/signers      delete one (CMS, mutual TLS); also POST /v1/signers/delete
//	GET  /healthz, /readyz, /metrics, /openapi.json
//
// List queries take country, type, kind (repeatable) and since; answers
// carry a weak ETag of the version and honour If-None-Match with 304.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	var route routeFunc = func(pattern, name string, h func(http.ResponseWriter, *http.Request) error) {
		mux.Handle(pattern, g.instrument(name, h))
	}
	route("GET /v1/trustlist", "trustlist", g.listHandler(TrustListKinds, true))
	route("GET /v1/valuesets", "valuesets", g.listHandler([]string{store.KindValueSet}, false))
	route("GET /v1/countries", "countries", g.listHandler([]string{store.KindCountry}, false))
	route("POST /v1/signers", "signer_upload", g.writeHandler(g.UploadSigner, http.StatusCreated))
	route("DELETE /v1/signers", "signer_delete", g.writeHandler(g.DeleteSigner, http.StatusOK))
	route("POST /v1/signers/delete", "signer_delete", g.writeHandler(g.DeleteSigner, http.StatusOK))
	// Rules (rules.go), revocation batches (revocation.go) and recipient
	// encryption keys (encryption.go) add their own routes.
	g.ruleRoutes(route)
	g.revocationRoutes(route)
	g.encryptionRoutes(route)
	route("GET /healthz", "healthz", func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	route("GET /readyz", "readyz", func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := g.store.Ping(ctx); err != nil {
			return refuse(http.StatusServiceUnavailable, "store_unavailable", "the store does not answer: %v", err)
		}
		return writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	route("GET /openapi.json", "openapi", func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		_, err := w.Write(OpenAPI)
		return err
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.metrics.reg, promhttp.HandlerOpts{}))
	mux.Handle("/", g.instrument("unknown", func(w http.ResponseWriter, r *http.Request) error {
		return refuse(http.StatusNotFound, "not_found", "no such endpoint: %s %s", r.Method, r.URL.Path)
	}))
	return mux
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// instrument turns a handler's error into a JSON refusal, and counts and
// times the request. Nothing about the request body reaches the logs.
func (g *Gateway) instrument(route string, h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		if err := h(sw, r); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				g.log.Error("request failed", "route", route, "err", err)
				e = refuse(http.StatusInternalServerError, "internal", "internal error; the operator's log has the detail")
			}
			g.metrics.refusals.WithLabelValues(e.Code).Inc()
			g.log.Info("request refused", "route", route, "status", e.Status, "error", e.Code, "message", e.Message)
			_ = writeJSON(sw, e.Status, e)
		}
		g.metrics.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		g.metrics.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// listHandler serves a signed list of the given kinds; when narrowable,
// ?kind= may select a subset of them.
func (g *Gateway) listHandler(kinds []string, narrowable bool) func(http.ResponseWriter, *http.Request) error {
	return g.queryHandler(ListQuery{Kinds: kinds}, narrowable)
}

// queryHandler serves the signed list base selects, narrowed by the
// request's country, type, kind (when narrowable) and since.
func (g *Gateway) queryHandler(base ListQuery, narrowable bool) func(http.ResponseWriter, *http.Request) error {
	kinds := base.Kinds
	return func(w http.ResponseWriter, r *http.Request) error {
		q := base
		v := r.URL.Query()
		if c := v.Get("country"); c != "" {
			c = strings.ToUpper(c)
			if !validCountry(c) {
				return refuse(400, "bad_query", "country %q is not an ISO 3166-1 alpha-2 code", c)
			}
			q.Country = c
		}
		q.Type = v.Get("type")
		if ks := v["kind"]; len(ks) > 0 {
			if !narrowable {
				return refuse(400, "bad_query", "this list has no kind parameter")
			}
			q.Kinds = nil
			for _, k := range ks {
				if !contains(kinds, k) {
					return refuse(400, "bad_query", "kind %q is not one of %s", k, strings.Join(kinds, ", "))
				}
				q.Kinds = append(q.Kinds, k)
			}
		}
		if s := v.Get("since"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return refuse(400, "bad_query", "since %q is not a version number", s)
			}
			q.Since = n
		}
		version, err := g.store.Version(r.Context())
		if err != nil {
			return err
		}
		etag := fmt.Sprintf(`W/"%d"`, version)
		w.Header().Set("Cache-Control", "public, max-age=60")
		if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		data, version, err := g.SignedList(r.Context(), q)
		if err != nil {
			return err
		}
		w.Header().Set("ETag", fmt.Sprintf(`W/"%d"`, version))
		w.Header().Set("Content-Type", ListContentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, err = w.Write(data)
		return err
	}
}

func etagMatches(header, etag string) bool {
	strip := func(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "W/") }
	for _, m := range strings.Split(header, ",") {
		if strings.TrimSpace(m) == "*" || strip(m) == strip(etag) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writeHandler authenticates the caller, reads a bounded body and runs op.
func (g *Gateway) writeHandler(op func(context.Context, *Caller, []byte) (*store.Entry, error), okStatus int) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var peer = r.TLS
		if peer == nil {
			return refuse(401, "unauthenticated", "writes need mutual TLS")
		}
		caller, err := g.Authenticate(r.Context(), peer.PeerCertificates)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxUploadBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return refuse(http.StatusRequestEntityTooLarge, "too_large", "the body exceeds %d bytes", MaxUploadBytes)
			}
			return refuse(400, "bad_body", "reading the body: %v", err)
		}
		e, err := op(r.Context(), caller, body)
		if err != nil {
			return err
		}
		return writeJSON(w, okStatus, map[string]any{"kind": e.Kind, "id": e.ID, "country": e.Country, "seq": e.Seq, "deleted": e.Deleted})
	}
}
