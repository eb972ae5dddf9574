package verifier

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/ithc/ithc/internal/limits"
)

// The front is the HTTP/1.1 server of Run, built on fasthttp
// (github.com/valyala/fasthttp) instead of net/http, for one reason: a
// border post or an airline's departure control verifies a flight's
// passengers as fast as the codes come, and with net/http the service spent
// a third of its CPU time beside the signature check (docs/verifier.md,
// "Load benchmark"). fasthttp reuses its request and response objects, and
// answers requests pipelined on one connection with one write.
//
// The front answers the hot request itself: POST /v1/verify with QR text
// (text/plain) through Service.Verify and Service.answer, the code paths
// of the net/http handler. Everything else (uploads, JSON and form
// requests, the page, the status, the metrics) goes to the net/http
// handler of Handler through fasthttpadaptor, unchanged. The per-client
// rate limit is applied here, once, for both.
type front struct {
	s    *Service
	next fasthttp.RequestHandler
	// ok counts the answers of the hot path (route verify, code 200).
	ok   prometheus.Counter
	bufs sync.Pool
}

func newFront(s *Service) *front {
	return &front{
		s:    s,
		next: fasthttpadaptor.NewFastHTTPHandler(s.handler(false)),
		ok:   s.metrics.requests.WithLabelValues("verify", "200"),
		bufs: sync.Pool{New: func() any { return new([]byte) }},
	}
}

// server is the fasthttp server of Run, with the configuration's limits
// and timeouts: read_header_timeout bounds the request line and headers,
// read_timeout the body from then on, write_timeout the writing of each
// answer, idle_timeout a keep-alive connection between requests.
func (f *front) server() *fasthttp.Server {
	cfg := f.s.cfg
	// The body gets read_timeout from the end of the headers. Its size is
	// bounded by the upload cap whatever its type; the handlers refuse a
	// text body past limits.MaxVerifyTextBody once it is read, so that the
	// client reads the refusal instead of a reset connection.
	body := fasthttp.RequestConfig{ReadTimeout: cfg.ReadTimeout.or(DefaultReadTimeout)}
	return &fasthttp.Server{
		Handler:               f.serve,
		ErrorHandler:          f.protocolError,
		HeaderReceived:        func(*fasthttp.RequestHeader) fasthttp.RequestConfig { return body },
		ReadTimeout:           cfg.ReadHeaderTimeout.or(DefaultReadHeaderTimeout),
		WriteTimeout:          cfg.WriteTimeout.or(DefaultWriteTimeout),
		IdleTimeout:           cfg.IdleTimeout.or(DefaultIdleTimeout),
		ReadBufferSize:        limits.MaxVerifierHeader,
		MaxRequestBodySize:    int(f.s.upload) + 64<<10,
		Concurrency:           limits.MaxVerifierConns,
		NoDefaultServerHeader: true,
		// Parse errors are logged without the request's bytes: they may
		// hold a traveller's code.
		SecureErrorLogMessage:        true,
		DisablePreParseMultipartForm: true,
		CloseOnShutdown:              true,
		Logger:                       printfLogger{f.s.log},
	}
}

// isText reports whether a Content-Type is one the hot path reads: QR
// text, as the net/http handler recognises it without parsing.
func isText(ct []byte) bool {
	switch string(ct) {
	case "", "text/plain", "text/plain; charset=utf-8":
		return true
	}
	return false
}

// serve is the front's handler.
func (f *front) serve(ctx *fasthttp.RequestCtx) {
	defer func() {
		// net/http recovers a panicking handler; fasthttp does not.
		if p := recover(); p != nil {
			f.s.log.Error("request failed", "err", fmt.Sprint("panic: ", p))
			f.refuse(ctx, "internal", errInternal)
		}
	}()
	path := string(ctx.Path())
	m := ctx.Method()
	route := ""
	switch {
	case path == "/v1/verify" && string(m) == http.MethodPost:
		route = "verify"
	case path == "/v1/status" && (string(m) == http.MethodGet || string(m) == http.MethodHead):
		route = "status"
	}
	if route != "" && f.s.limiter != nil && !f.s.limiter.allow(remoteIP(ctx)) {
		f.s.metrics.limited.Inc()
		ctx.Response.Header.Set("Retry-After", "1")
		f.refuse(ctx, route, errRateLimited)
		return
	}
	if route == "verify" && isText(ctx.Request.Header.ContentType()) {
		f.verifyText(ctx)
		return
	}
	f.next(ctx)
}

// verifyText answers POST /v1/verify with QR text, as handleVerify does.
func (f *front) verifyText(ctx *fasthttp.RequestCtx) {
	start := time.Now()
	var req Request
	if q := ctx.URI().QueryString(); len(q) > 0 {
		// As url.URL.Query: malformed pairs are dropped.
		v, _ := url.ParseQuery(string(q))
		var err error
		if req, err = requestParams(v, req); err != nil {
			e := errInternal
			errors.As(err, &e)
			f.refuse(ctx, "verify", e)
			return
		}
	}
	body := ctx.PostBody()
	if len(body) > limits.MaxVerifyTextBody {
		f.refuse(ctx, "verify", errBodyTooLarge(limits.MaxVerifyTextBody))
		return
	}
	req.Text = strings.TrimSpace(string(body))
	if req.Text == "" {
		f.refuse(ctx, "verify", errNoInput)
		return
	}
	res := f.s.Verify(req)
	buf := f.bufs.Get().(*[]byte)
	data, err := f.s.answer((*buf)[:0], res, "text", start)
	if err != nil {
		f.bufs.Put(buf)
		f.s.log.Error("request failed", "route", "verify", "err", err)
		f.refuse(ctx, "verify", errInternal)
		return
	}
	setJSONHeaders(&ctx.Response.Header)
	ctx.SetBody(data)
	if cap(data) <= 64<<10 {
		*buf = data
		f.bufs.Put(buf)
	}
	f.ok.Inc()
}

// refuse writes a refusal, logs it and counts it, as Handler does.
func (f *front) refuse(ctx *fasthttp.RequestCtx, route string, e *apiError) {
	f.s.log.Info("request refused", "route", route, "status", e.Status, "error", e.Code)
	ctx.SetStatusCode(e.Status)
	setJSONHeaders(&ctx.Response.Header)
	ctx.SetBody(refusalJSON(e))
	f.s.metrics.requests.WithLabelValues(route, fmt.Sprint(e.Status)).Inc()
}

// protocolError answers what fasthttp could not read as a request.
func (f *front) protocolError(ctx *fasthttp.RequestCtx, err error) {
	var e *apiError
	var ne net.Error
	var small *fasthttp.ErrSmallBuffer
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		e = refuse(http.StatusRequestEntityTooLarge, "too_large", "上传内容过大。", "the body is larger than this verifier accepts")
	case errors.As(err, &small) || errors.Is(err, fasthttp.ErrSmallReadBuffer):
		e = refuse(http.StatusRequestHeaderFieldsTooLarge, "headers_too_large", "请求头过大。", "the request line and headers exceed %d bytes", limits.MaxVerifierHeader)
	case errors.As(err, &ne) && ne.Timeout():
		e = refuse(http.StatusRequestTimeout, "timeout", "请求超时。", "the request was not received in time")
	default:
		e = refuse(http.StatusBadRequest, "bad_request", "请求格式无效。", "the request is not valid HTTP/1.1")
	}
	f.refuse(ctx, "invalid", e)
}

func setJSONHeaders(h *fasthttp.ResponseHeader) {
	h.SetContentType("application/json")
	// Results carry personal data: no cache may keep them.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// remoteIP is the rate-limit key of a request, as clientAddr.
func remoteIP(ctx *fasthttp.RequestCtx) string {
	if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	return clientAddrString(ctx.RemoteAddr().String())
}

// printfLogger writes fasthttp's messages to the service's log.
type printfLogger struct{ log *slog.Logger }

func (l printfLogger) Printf(format string, args ...any) {
	l.log.Warn("http: " + fmt.Sprintf(format, args...))
}

// tlsListener wraps a listener for TLS with the configured certificate.
func (s *Service) tlsListener(ln net.Listener) (net.Listener, error) {
	cert, err := tls.LoadX509KeyPair(s.cfg.Path(s.cfg.TLSCert), s.cfg.Path(s.cfg.TLSKey))
	if err != nil {
		return nil, fmt.Errorf("verifier: TLS certificate: %w", err)
	}
	return tls.NewListener(ln, &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}), nil
}
