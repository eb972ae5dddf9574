package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ithc/ithc/internal/jsonw"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/verify"
)

type metrics struct {
	reg           *prometheus.Registry
	requests      *prometheus.CounterVec
	verifications *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	syncs         *prometheus.CounterVec
	limited       prometheus.Counter
}

// dataAge reports the age of each kind of data at scrape time.
type dataAge struct {
	s    *Service
	desc *prometheus.Desc
}

func (d dataAge) Describe(ch chan<- *prometheus.Desc) { ch <- d.desc }

func (d dataAge) Collect(ch chan<- prometheus.Metric) {
	st := d.s.Status()
	emit := func(name string, ds DataStatus) {
		if ds.Present && !ds.Updated.IsZero() {
			ch <- prometheus.MustNewConstMetric(d.desc, prometheus.GaugeValue, ds.AgeSeconds, name)
		}
	}
	emit("trustlist", st.TrustList)
	for name, ds := range st.Data {
		emit(name, ds)
	}
}

func newMetrics(s *Service) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ithc_verifier_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ithc_verifier_verifications_total", Help: "Verifications by result status, code format and input (text, image, pdf).",
		}, []string{"status", "format", "input"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ithc_verifier_verify_seconds", Help: "Time to answer a verification request, by input (text, image, pdf).",
			Buckets: prometheus.ExponentialBuckets(0.00025, 4, 10),
		}, []string{"input"}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ithc_verifier_syncs_total", Help: "Sync attempts by data kind and result (ok, error).",
		}, []string{"data", "result"}),
		limited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ithc_verifier_rate_limited_total", Help: "Requests refused by the per-client rate limit.",
		}),
	}
	m.reg.MustRegister(m.requests, m.verifications, m.latency, m.syncs, m.limited,
		dataAge{s: s, desc: prometheus.NewDesc("ithc_verifier_data_age_seconds", "Age of each kind of data since its last successful sync.", []string{"data"}, nil)},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// apiError is a refusal: an HTTP status and a JSON body with a code and
// messages in English and Chinese.
type apiError struct {
	Status    int    `json:"-"`
	Code      string `json:"error"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh,omitempty"`
}

func (e *apiError) Error() string { return "verifier: " + e.Message }

func refuse(status int, code, zh, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...), MessageZH: zh}
}

// errRateLimited is the answer past a client's rate limit (with
// Retry-After: 1).
var errRateLimited = refuse(http.StatusTooManyRequests, "rate_limited", "请求过于频繁，请稍后重试。", "too many requests from this address; try again in a moment")

// errInternal is the answer when the service failed; the log has the
// cause.
var errInternal = refuse(http.StatusInternalServerError, "internal", "内部错误。", "internal error; the operator's log has the detail")

// errBodyTooLarge is the answer to a body of more than max bytes.
func errBodyTooLarge(max int64) *apiError {
	return refuse(http.StatusRequestEntityTooLarge, "too_large", "上传内容过大。", "the body exceeds %d bytes", max)
}

// errNoInput is the answer to a request without a code.
var errNoInput = refuse(http.StatusBadRequest, "no_input", "请提供二维码内容、图片或 PDF。", "no QR text, image or PDF in the request")

// refusalJSON is the body of a refusal.
func refusalJSON(e *apiError) []byte {
	b := append([]byte(`{"error":`), jsonw.AppendString(nil, e.Code)...)
	b = jsonw.AppendString(append(b, `,"message":`...), e.Message)
	if e.MessageZH != "" {
		b = jsonw.AppendString(append(b, `,"message_zh":`...), e.MessageZH)
	}
	return append(b, '}')
}

// scanMessages are the officer's sentences for each ScanError code.
var scanMessages = map[string][2]string{
	"no_code":     {"No QR code was found in the picture: take the photo again, closer and sharper, with the whole code in view.", "图片中未找到二维码：请靠近一些、对准焦距，拍下完整的二维码后重试。"},
	"unreadable":  {"A QR code was found but could not be read: it is too damaged, blurred or cropped. Take the photo again.", "找到了二维码但无法读取：二维码损坏、模糊或不完整。请重新拍摄。"},
	"too_large":   {"The file is too large to scan.", "文件过大，无法识别。"},
	"bad_image":   {"The file is not a PNG, JPEG or GIF picture or a PDF, or it is damaged.", "文件不是 PNG、JPEG、GIF 图片或 PDF，或已损坏。"},
	"no_pdf_tool": {"This verifier cannot read PDF files (poppler-utils is not installed): upload a photo of the code instead.", "本核验服务无法读取 PDF 文件（未安装 poppler-utils）：请改为上传二维码照片。"},
	"busy":        {"The verifier is busy: try again in a moment.", "核验服务繁忙，请稍后重试。"},
	"scan_failed": {"The picture could not be scanned.", "无法识别该图片。"},
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Handler returns the service's HTTP interface:
//
//	GET  /                  the officer's page (and /static/… its assets)
//	POST /v1/verify         verify QR text, an image or a PDF
//	GET  /v1/status         age and version of the trust list and other data
//	GET  /healthz, /metrics
//
// POST /v1/verify takes the destination country (country, region) and an
// optional verification time (time, RFC 3339) as query parameters or form
// fields, and the code as one of: a text/plain body of QR text; a JSON
// body {"text", "country", "region", "time"}; a form (urlencoded or
// multipart) with a field text or a file field file; a raw image/png,
// image/jpeg, image/gif or application/pdf body. The answer is the
// verify.Result JSON (with "stale" added when data is stale), or a
// refusal {"error", "message", "message_zh"}.
//
// Run and Serve do not mount it in a net/http server: their fasthttp front
// (front.go) answers QR text itself and hands every other request to it.
// Handler is for mounting the service in a net/http server of one's own.
func (s *Service) Handler() http.Handler { return s.handler(true) }

// handler is Handler, with the per-client rate limit applied or not (Run's
// front applies it before handing a request over).
func (s *Service) handler(limit bool) http.Handler {
	mux := http.NewServeMux()
	route := func(pattern, name string, limited bool, h func(http.ResponseWriter, *http.Request) error) {
		mux.Handle(pattern, s.instrument(name, limited && limit, h))
	}
	route("POST /v1/verify", "verify", true, s.handleVerify)
	route("GET /v1/status", "status", true, func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, s.Status())
	})
	route("GET /healthz", "healthz", false, func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	route("GET /{$}", "page", false, s.servePage)
	route("GET /static/{file}", "static", false, s.serveStatic)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.Handle("/", s.instrument("unknown", false, func(w http.ResponseWriter, r *http.Request) error {
		return refuse(http.StatusNotFound, "not_found", "没有此接口。", "no such endpoint: %s %s", r.Method, r.URL.Path)
	}))
	return mux
}

// instrument rate-limits, turns a handler's error into a JSON refusal, and
// counts the request. Nothing of the request body or the result reaches
// the logs.
func (s *Service) instrument(route string, limited bool, h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h := h
		if limited && s.limiter != nil && !s.limiter.allow(clientAddr(r)) {
			s.metrics.limited.Inc()
			sw.Header().Set("Retry-After", "1")
			h = func(http.ResponseWriter, *http.Request) error { return errRateLimited }
		}
		if err := h(sw, r); err != nil {
			var e *apiError
			if !errors.As(err, &e) {
				s.log.Error("request failed", "route", route, "err", err)
				e = errInternal
			}
			s.log.Info("request refused", "route", route, "status", e.Status, "error", e.Code)
			_ = writeBody(sw, e.Status, "application/json", refusalJSON(e))
		}
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
	})
}

// clientAddr is the rate-limit key of a request: its remote IP address
// (X-Forwarded-For is not trusted; see docs/verifier.md).
func clientAddr(r *http.Request) string { return clientAddrString(r.RemoteAddr) }

// clientAddrString is the host part of a host:port address, or the
// address itself.
func clientAddrString(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeBody(w, status, "application/json", data)
}

var (
	noStore = []string{"no-store"}
	noSniff = []string{"nosniff"}
)

func writeBody(w http.ResponseWriter, status int, contentType string, data []byte) error {
	h := w.Header()
	h["Content-Type"] = []string{contentType}
	h["Content-Length"] = []string{strconv.Itoa(len(data))}
	// Results carry personal data: no cache may keep them.
	h["Cache-Control"] = noStore
	h["X-Content-Type-Options"] = noSniff
	w.WriteHeader(status)
	_, err := w.Write(data)
	return err
}

// handleVerify reads a verification request in any of its forms.
func (s *Service) handleVerify(w http.ResponseWriter, r *http.Request) error {
	start := time.Now()
	var req Request
	var err error
	if r.URL.RawQuery != "" {
		if req, err = requestParams(r.URL.Query(), req); err != nil {
			return err
		}
	}
	ct := r.Header.Get("Content-Type")
	mt, params := "text/plain", map[string]string(nil)
	// The usual case without the allocations of mime.ParseMediaType.
	if ct != "" && ct != "text/plain" && ct != "text/plain; charset=utf-8" {
		if mt, params, err = mime.ParseMediaType(ct); err != nil {
			return refuse(http.StatusUnsupportedMediaType, "bad_content_type", "无法识别请求的内容类型。", "Content-Type %q: %v", ct, err)
		}
	}
	var upload []byte
	switch mt {
	case "text/plain":
		body, err := readBody(w, r, limits.MaxVerifyTextBody)
		if err != nil {
			return err
		}
		req.Text = string(body)
	case "application/json":
		body, err := readBody(w, r, limits.MaxVerifyTextBody)
		if err != nil {
			return err
		}
		var j struct {
			Text    string `json:"text"`
			Country string `json:"country"`
			Region  string `json:"region"`
			Time    string `json:"time"`
		}
		if err := json.Unmarshal(body, &j); err != nil {
			return refuse(http.StatusBadRequest, "bad_json", "请求内容不是有效的 JSON。", "the body is not the JSON object {\"text\", \"country\", \"region\", \"time\"}: %v", err)
		}
		if req, err = requestParams(url.Values{"country": {j.Country}, "region": {j.Region}, "time": {j.Time}}, req); err != nil {
			return err
		}
		req.Text = j.Text
	case "application/x-www-form-urlencoded":
		body, err := readBody(w, r, limits.MaxVerifyTextBody)
		if err != nil {
			return err
		}
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return refuse(http.StatusBadRequest, "bad_form", "表单无法读取。", "the form does not decode: %v", err)
		}
		if req, err = requestParams(v, req); err != nil {
			return err
		}
		req.Text = v.Get("text")
	case "multipart/form-data":
		req, upload, err = s.readMultipart(w, r, params["boundary"], req)
		if err != nil {
			return err
		}
	case "image/png", "image/jpeg", "image/gif", "application/pdf", "application/octet-stream":
		if upload, err = readBody(w, r, s.upload); err != nil {
			return err
		}
	default:
		return refuse(http.StatusUnsupportedMediaType, "bad_content_type", "不支持该内容类型。",
			"Content-Type %s is not one of text/plain, application/json, a form, image/png, image/jpeg, image/gif or application/pdf", mt)
	}
	input := "text"
	var res *verify.Result
	if upload != nil {
		input = "image"
		if isPDF(upload) {
			input = "pdf"
		}
		res, err = s.VerifyUpload(r.Context(), upload, req)
		if err != nil {
			var se *ScanError
			if !errors.As(err, &se) {
				return err
			}
			// Counted under the refusal code (no_code, unreadable, …): a
			// bounded set, like the statuses.
			s.metrics.verifications.WithLabelValues(se.Code, "", input).Inc()
			msg := scanMessages[se.Code]
			status := http.StatusUnprocessableEntity
			switch se.Code {
			case "too_large":
				status = http.StatusRequestEntityTooLarge
			case "busy":
				status = http.StatusServiceUnavailable
			case "no_pdf_tool":
				status = http.StatusNotImplemented
			}
			return &apiError{Status: status, Code: se.Code, Message: msg[0], MessageZH: msg[1]}
		}
	} else {
		req.Text = strings.TrimSpace(req.Text)
		if req.Text == "" {
			return errNoInput
		}
		res = s.Verify(req)
	}
	data, err := s.answer(nil, res, input, start)
	if err != nil {
		return err
	}
	return writeBody(w, http.StatusOK, "application/json", data)
}

// answer appends the JSON answer to a verification (the result, with
// "stale" when some data is stale) to dst, counts it and logs it at debug
// level. Nothing of the holder reaches the log.
func (s *Service) answer(dst []byte, res *verify.Result, input string, start time.Time) ([]byte, error) {
	data := res.AppendJSON(dst)
	if sl := s.staleness(s.state.Load()); sl != nil {
		extra, err := json.Marshal(sl)
		if err != nil {
			return dst, err
		}
		data = append(append(append(data[:len(data)-1], `,"stale":`...), extra...), '}')
	}
	s.metrics.verifications.WithLabelValues(string(res.Status), res.Format, input).Inc()
	s.metrics.latency.WithLabelValues(input).Observe(time.Since(start).Seconds())
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		s.log.Debug("verification", "input", input, "status", res.Status, "stage", res.Stage, "format", res.Format,
			"duration_ms", float64(time.Since(start).Microseconds())/1000)
	}
	return data, nil
}

func isPDF(data []byte) bool {
	return strings.Contains(string(data[:min(len(data), 1024)]), "%PDF-")
}

// readBody reads a whole body of at most max bytes.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	var body []byte
	var err error
	if n := r.ContentLength; n >= 0 && n <= max {
		// The usual case: one allocation of the announced size.
		body = make([]byte, n)
		_, err = io.ReadFull(r.Body, body)
		if err == nil {
			var one [1]byte
			if k, _ := r.Body.Read(one[:]); k > 0 {
				err = errors.New("the body is longer than its Content-Length")
			}
		}
	} else {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errBodyTooLarge(max)
		}
		return nil, refuse(http.StatusBadRequest, "bad_body", "请求内容读取失败。", "reading the body: %v", err)
	}
	return body, nil
}

// readMultipart reads a multipart form: small fields (text, country,
// region, time) and at most one file field "file".
func (s *Service) readMultipart(w http.ResponseWriter, r *http.Request, boundary string, req Request) (Request, []byte, error) {
	if boundary == "" {
		return req, nil, refuse(http.StatusBadRequest, "bad_form", "表单无法读取。", "multipart/form-data without a boundary")
	}
	body := http.MaxBytesReader(w, r.Body, s.upload+64<<10)
	mr := multipart.NewReader(body, boundary)
	fields := url.Values{}
	var upload []byte
	for n := 0; ; n++ {
		if n >= limits.MaxVerifyFormParts {
			return req, nil, refuse(http.StatusBadRequest, "bad_form", "表单字段过多。", "more than %d form parts", limits.MaxVerifyFormParts)
		}
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return req, nil, formError(err)
		}
		name := p.FormName()
		max := int64(limits.MaxVerifyFormField)
		if name == "file" {
			max = s.upload
		}
		data, err := io.ReadAll(io.LimitReader(p, max+1))
		if err != nil {
			return req, nil, formError(err)
		}
		if int64(len(data)) > max {
			return req, nil, refuse(http.StatusRequestEntityTooLarge, "too_large", "上传内容过大。", "form field %q exceeds %d bytes", name, max)
		}
		switch name {
		case "file":
			if len(data) > 0 {
				upload = data
			}
		case "text", "country", "region", "time":
			fields.Set(name, string(data))
		default:
			return req, nil, refuse(http.StatusBadRequest, "bad_form", "表单中有未知字段。", "unknown form field %q (expected file, text, country, region, time)", name)
		}
	}
	req, err := requestParams(fields, req)
	if err != nil {
		return req, nil, err
	}
	req.Text = fields.Get("text")
	if upload != nil && strings.TrimSpace(req.Text) != "" {
		return req, nil, refuse(http.StatusBadRequest, "bad_form", "请只提供二维码内容或文件之一。", "give either text or file, not both")
	}
	return req, upload, nil
}

func formError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return refuse(http.StatusRequestEntityTooLarge, "too_large", "上传内容过大。", "the form exceeds %d bytes", tooLarge.Limit)
	}
	return refuse(http.StatusBadRequest, "bad_form", "表单无法读取。", "reading the form: %v", err)
}

// requestParams reads country, region and time from v into req (fields v
// does not set are kept).
func requestParams(v url.Values, req Request) (Request, error) {
	if c := v.Get("country"); c != "" {
		c = strings.ToUpper(c)
		if !validCountry(c) {
			return req, refuse(http.StatusBadRequest, "bad_country", "目的地国家代码无效（应为两位字母，如 FR）。", "country %q is not an ISO 3166-1 alpha-2 code", c)
		}
		req.Country = c
	}
	if rg := v.Get("region"); rg != "" {
		if !validRegion(rg) {
			return req, refuse(http.StatusBadRequest, "bad_region", "地区代码无效。", "region %q is not 1 to %d letters or digits", rg, limits.MaxRegionLength)
		}
		req.Region = rg
	}
	if t := v.Get("time"); t != "" {
		at, err := time.Parse(time.RFC3339, t)
		if err != nil {
			return req, refuse(http.StatusBadRequest, "bad_time", "核验时间格式无效（应为 RFC 3339）。", "time %q is not RFC 3339 (2026-05-01T12:00:00Z)", t)
		}
		req.Time = at
	}
	return req, nil
}
