package main

// Prometheus metrics of the stand-in, in the text exposition format and with the names a real
// backend exposes through Micrometer or a JMX exporter agent: HTTP requests by method and status,
// heap in use, threads, garbage collections, Tomcat's busy request threads, uptime (each read from
// the stand-in's own Go runtime and handler, so they move as it works). Served at /openmrs/ws/rest/v1/system/metrics (the chart's
// monitoring.backendMetricsPath); scrapes are counted but not logged.

import (
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The request threads a Tomcat connector has by default (maxThreads).
const tomcatMaxThreads = 200

const metricsPath = "/openmrs/ws/rest/v1/system/metrics"

type requestKey struct {
	method string
	status int
}

type requestStats struct {
	count   uint64
	seconds float64
}

type metrics struct {
	mu       sync.Mutex
	requests map[requestKey]*requestStats
	start    time.Time
	inFlight atomic.Int64
}

func newMetrics() *metrics {
	return &metrics{requests: map[requestKey]*requestStats{}, start: time.Now()}
}

func (m *metrics) observe(method string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := requestKey{method, status}
	st := m.requests[k]
	if st == nil {
		st = &requestStats{}
		m.requests[k] = st
	}
	st.count++
	st.seconds += d.Seconds()
}

func (m *metrics) serve(started bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		m.mu.Lock()
		keys := make([]requestKey, 0, len(m.requests))
		for k := range m.requests {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].method != keys[j].method {
				return keys[i].method < keys[j].method
			}
			return keys[i].status < keys[j].status
		})
		b.WriteString("# HELP http_server_requests_seconds HTTP requests answered, by method and status.\n")
		b.WriteString("# TYPE http_server_requests_seconds summary\n")
		for _, k := range keys {
			st := m.requests[k]
			fmt.Fprintf(&b, "http_server_requests_seconds_count{method=%q,status=\"%d\"} %d\n", k.method, k.status, st.count)
			fmt.Fprintf(&b, "http_server_requests_seconds_sum{method=%q,status=\"%d\"} %g\n", k.method, k.status, st.seconds)
		}
		m.mu.Unlock()
		var mem runtime.MemStats
		runtime.ReadMemStats(&mem)
		b.WriteString("# HELP jvm_memory_used_bytes Memory in use (the stand-in's Go heap).\n# TYPE jvm_memory_used_bytes gauge\n")
		fmt.Fprintf(&b, "jvm_memory_used_bytes{area=\"heap\"} %d\n", mem.HeapAlloc)
		b.WriteString("# HELP jvm_threads_live_threads Threads alive (the stand-in's goroutines).\n# TYPE jvm_threads_live_threads gauge\n")
		fmt.Fprintf(&b, "jvm_threads_live_threads %d\n", runtime.NumGoroutine())
		b.WriteString("# HELP jvm_gc_pause_seconds Garbage collection pauses.\n# TYPE jvm_gc_pause_seconds summary\n")
		fmt.Fprintf(&b, "jvm_gc_pause_seconds_count{action=\"end of minor GC\"} %d\n", mem.NumGC)
		fmt.Fprintf(&b, "jvm_gc_pause_seconds_sum{action=\"end of minor GC\"} %g\n", float64(mem.PauseTotalNs)/1e9)
		b.WriteString("# HELP tomcat_threads_busy_threads Request threads serving a request now.\n# TYPE tomcat_threads_busy_threads gauge\n")
		fmt.Fprintf(&b, "tomcat_threads_busy_threads{name=\"http-nio-8080\"} %d\n", m.inFlight.Load())
		b.WriteString("# HELP tomcat_threads_config_max_threads Request threads at most.\n# TYPE tomcat_threads_config_max_threads gauge\n")
		fmt.Fprintf(&b, "tomcat_threads_config_max_threads{name=\"http-nio-8080\"} %d\n", tomcatMaxThreads)
		b.WriteString("# HELP process_uptime_seconds Seconds since the backend started.\n# TYPE process_uptime_seconds gauge\n")
		fmt.Fprintf(&b, "process_uptime_seconds %g\n", time.Since(m.start).Seconds())
		up := 0
		if started {
			up = 1
		}
		b.WriteString("# HELP openmrs_started 1 once the schema is there and OpenMRS has started.\n# TYPE openmrs_started gauge\n")
		fmt.Fprintf(&b, "openmrs_started %d\n", up)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write([]byte(b.String()))
	}
}
