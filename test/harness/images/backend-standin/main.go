// OpenMRS backend STAND-IN — test code only, never shipped.
//
// The real OpenMRS backend image cannot be pulled on the test machines, so the end-to-end tests
// run this small program in its place. It behaves like OpenMRS 2.8 at its edges:
//   - reads OMRS_DB_HOSTNAME/PORT/NAME/USERNAME/PASSWORD (or OMRS_DB_URL=jdbc:mysql://h:p/db?...),
//   - waits for the database, logging each attempt,
//   - on an empty database (no `users` table) creates the OpenMRS 2.8 schema and core data from
//     the fixture SQL, as the real backend's Liquibase does, and sets the admin password from
//     OMRS_ADMIN_USER_PASSWORD (default Admin123) the way OpenMRS stores it
//     (users.password = hex sha512(password + salt), users.salt = random 128-hex token),
//   - answers /openmrs/health/alive (always 200) and /openmrs/health/started (200 once the schema
//     exists, 503 before),
//   - applies the global properties of its configuration folder at every start, as the Initializer
//     module does (configuration.go),
//   - serves GET/DELETE /openmrs/ws/rest/v1/session (basic auth or JSESSIONID cookie),
//     GET /openmrs/ws/rest/v1/patient?q=NAME_OR_IDENTIFIER,
//     GET /openmrs/ws/rest/v1/systemsetting?q=PREFIX and GET /openmrs/ws/rest/v1/module (the
//     modules found in its distribution folder at start, modules.go),
//   - serves Prometheus metrics at /openmrs/ws/rest/v1/system/metrics (metrics.go).
//
// Listens on :8080 (OMRS_STANDIN_LISTEN overrides), logs every request and step to stdout and
// exits cleanly on SIGTERM/SIGINT.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha512"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

type config struct {
	host, port, name, user, password string
	params                           url.Values
	adminPassword                    string
	sqlDir                           string
	listen                           string
	retryInterval                    time.Duration
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func loadConfig() (config, error) {
	c := config{
		host:          env("OMRS_DB_HOSTNAME", "localhost"),
		port:          env("OMRS_DB_PORT", "3306"),
		name:          env("OMRS_DB_NAME", "openmrs"),
		user:          env("OMRS_DB_USERNAME", "openmrs"),
		password:      env("OMRS_DB_PASSWORD", "openmrs"),
		adminPassword: env("OMRS_ADMIN_USER_PASSWORD", "Admin123"),
		sqlDir:        env("OMRS_STANDIN_SQL_DIR", "/opt/openmrs-standin/sql"),
		listen:        env("OMRS_STANDIN_LISTEN", ":8080"),
		retryInterval: 2 * time.Second,
		params:        url.Values{},
	}
	if raw := os.Getenv("OMRS_DB_URL"); raw != "" {
		// jdbc:mysql://host:port/db?autoReconnect=true&... (jdbc:mariadb:// too)
		u, err := url.Parse(strings.TrimPrefix(raw, "jdbc:"))
		if err != nil || (u.Scheme != "mysql" && u.Scheme != "mariadb") || u.Hostname() == "" {
			return c, fmt.Errorf("OMRS_DB_URL %q is not a jdbc:mysql://host:port/db URL", raw)
		}
		c.host = u.Hostname()
		if u.Port() != "" {
			c.port = u.Port()
		}
		if db := strings.Trim(u.Path, "/"); db != "" {
			c.name = db
		}
		c.params = u.Query()
	}
	if _, err := strconv.Atoi(c.port); err != nil {
		return c, fmt.Errorf("OMRS_DB_PORT %q is not a number", c.port)
	}
	return c, nil
}

func (c config) dsn(withDB bool) string {
	mc := mysql.NewConfig()
	mc.User, mc.Passwd, mc.Net = c.user, c.password, "tcp"
	mc.Addr = net.JoinHostPort(c.host, c.port)
	if withDB {
		mc.DBName = c.name
	}
	mc.MultiStatements = true // the fixture files are executed whole
	mc.Timeout = 5 * time.Second
	mc.Params = map[string]string{"charset": "utf8mb4"}
	return mc.FormatDSN()
}

type server struct {
	cfg      config
	db       atomic.Pointer[sql.DB]
	started  atomic.Bool
	failure  atomic.Value // string: why the schema step failed, if it did
	sessions sync.Map     // JSESSIONID -> username
	// The modules found at start (modules.go).
	loadedModules []loadedModule
	metrics       *metrics
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds | log.LUTC)
	log.SetOutput(os.Stdout)
	log.Printf("OpenMRS backend STAND-IN (test code) starting")
	cfg, err := loadConfig()
	if err != nil {
		log.Printf("configuration error: %v", err)
		os.Exit(2)
	}
	s := &server{cfg: cfg, loadedModules: loadModules(), metrics: newMetrics()}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	httpSrv := &http.Server{Addr: cfg.listen, Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		log.Printf("cannot listen on %s: %v", cfg.listen, err)
		os.Exit(1)
	}
	log.Printf("listening on %s under /openmrs", cfg.listen)
	go func() {
		if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("http server: %v", err)
			stop()
		}
	}()
	go s.initialise(ctx)

	<-ctx.Done()
	log.Printf("signal received: shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = httpSrv.Shutdown(shutdownCtx)
	if db := s.db.Load(); db != nil {
		_ = db.Close()
	}
	log.Printf("stopped")
}

// initialise waits for the database, then creates the schema if the database is empty.
func (s *server) initialise(ctx context.Context) {
	c := s.cfg
	log.Printf("database: %s@%s:%s/%s", c.user, c.host, c.port, c.name)
	var db *sql.DB
	for attempt := 1; ; attempt++ {
		var err error
		db, err = s.connect(ctx)
		if err == nil {
			log.Printf("database: connected on attempt %d", attempt)
			break
		}
		log.Printf("database: attempt %d failed: %v; retrying in %s", attempt, err, c.retryInterval)
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.retryInterval):
		}
	}
	db.SetMaxOpenConns(8)
	db.SetConnMaxLifetime(5 * time.Minute)
	s.db.Store(db)
	if err := s.ensureSchema(ctx, db); err != nil {
		s.failure.Store(err.Error())
		log.Printf("schema: FAILED: %v (health/started stays 503)", err)
		return
	}
	if err := s.applyConfiguration(ctx, db); err != nil {
		s.failure.Store(err.Error())
		log.Printf("%v (health/started stays 503)", err)
		return
	}
	s.started.Store(true)
	log.Printf("OpenMRS stand-in started: /openmrs/health/started now answers 200")
}

func (s *server) connect(ctx context.Context) (*sql.DB, error) {
	db, err := sql.Open("mysql", s.cfg.dsn(true))
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err = db.PingContext(pctx)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1049 { // unknown database: create it, as the installer does
		_ = db.Close()
		root, err2 := sql.Open("mysql", s.cfg.dsn(false))
		if err2 != nil {
			return nil, err2
		}
		defer root.Close()
		log.Printf("database: %q does not exist; creating it", s.cfg.name)
		q := "CREATE DATABASE IF NOT EXISTS `" + strings.ReplaceAll(s.cfg.name, "`", "``") + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
		if _, err2 = root.ExecContext(pctx, q); err2 != nil {
			return nil, fmt.Errorf("create database: %w", err2)
		}
		return s.connect(ctx)
	}
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

var createTableRe = regexp.MustCompile("(?m)^CREATE TABLE `")

func (s *server) ensureSchema(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'users'").Scan(&n); err != nil {
		return fmt.Errorf("look for the users table: %w", err)
	}
	if n > 0 {
		log.Printf("schema: the users table exists; using the existing OpenMRS database")
		return nil
	}
	log.Printf("schema: empty database (no users table): creating the OpenMRS 2.8 schema and core data")
	start := time.Now()
	expected := 0
	for _, f := range []string{"openmrs-2.8-schema.sql", "openmrs-2.8-core-data.sql"} {
		path := filepath.Join(s.cfg.sqlDir, f)
		body, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		text := string(body)
		expected += len(createTableRe.FindAllStringIndex(text, -1))
		if strings.Contains(f, "schema") {
			if inlined, ok := inlineSchema(text); ok {
				text = inlined
				log.Printf("schema: indexes and constraints folded into the CREATE TABLE statements")
			} else {
				log.Printf("schema: %s has statements the fast path does not know; executing it as it is", f)
			}
		}
		if strings.Contains(f, "data") {
			// one transaction for all the inserts: much faster than one commit per row
			text = "SET autocommit=0;\n" + text + "\nCOMMIT;\nSET autocommit=1;"
		}
		t := time.Now()
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		_, err = conn.ExecContext(ctx, text)
		_ = conn.Close()
		if err != nil {
			return fmt.Errorf("execute %s: %w", f, err)
		}
		log.Printf("schema: executed %s in %s", f, time.Since(t).Round(time.Millisecond))
	}
	var tables int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&tables); err != nil {
		return err
	}
	if tables < expected {
		return fmt.Errorf("only %d of %d tables exist after loading the schema", tables, expected)
	}
	salt := randomToken()
	hash := sha512Hex(s.cfg.adminPassword + salt)
	res, err := db.ExecContext(ctx, "UPDATE users SET password = ?, salt = ? WHERE system_id = 'admin'", hash, salt)
	if err != nil {
		return fmt.Errorf("set the admin password: %w", err)
	}
	if rows, _ := res.RowsAffected(); rows != 1 {
		return fmt.Errorf("set the admin password: %d admin rows updated, want 1", rows)
	}
	log.Printf("schema: %d tables created, admin password set, in %s", tables, time.Since(start).Round(time.Millisecond))
	return nil
}

// randomToken is a 128-hex salt like OpenMRS's Security.getRandomToken().
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return sha512Hex(hex.EncodeToString(b) + strconv.FormatInt(time.Now().UnixNano(), 10))
}

func sha512Hex(s string) string { h := sha512.Sum512([]byte(s)); return hex.EncodeToString(h[:]) }

// hashMatches follows OpenMRS's Security.hashMatches: SHA-512, then the legacy SHA-1 and the
// legacy SHA-1 whose hex digits lost their leading zeros (how old OpenMRS encoded it).
func hashMatches(stored, password, salt string) bool {
	if stored == "" {
		return false
	}
	in := password + salt
	if strings.EqualFold(stored, sha512Hex(in)) {
		return true
	}
	h := sha1.Sum([]byte(in))
	if strings.EqualFold(stored, hex.EncodeToString(h[:])) {
		return true
	}
	var b strings.Builder
	for _, x := range h {
		b.WriteString(strconv.FormatInt(int64(x), 16))
	}
	return strings.EqualFold(stored, b.String())
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/openmrs/health/alive", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "UP"})
	})
	mux.HandleFunc("/openmrs/health/started", func(w http.ResponseWriter, r *http.Request) {
		if s.started.Load() {
			writeJSON(w, http.StatusOK, map[string]any{"status": "UP"})
			return
		}
		body := map[string]any{"status": "DOWN"}
		if f, ok := s.failure.Load().(string); ok {
			body["error"] = f
		}
		writeJSON(w, http.StatusServiceUnavailable, body)
	})
	mux.HandleFunc("/openmrs/ws/rest/v1/session", s.session)
	mux.HandleFunc("/openmrs/ws/rest/v1/patient", s.patients)
	mux.HandleFunc("/openmrs/ws/rest/v1/systemsetting", s.systemSettings)
	mux.HandleFunc("/openmrs/ws/rest/v1/module", s.modules)
	mux.HandleFunc(metricsPath, func(w http.ResponseWriter, r *http.Request) { s.metrics.serve(s.started.Load())(w, r) })
	mux.HandleFunc("/openmrs/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/openmrs/" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = fmt.Fprintln(w, "OpenMRS backend stand-in (test code)")
			return
		}
		writeJSON(w, http.StatusNotFound, restError("not found: "+r.URL.Path))
	})
	mux.HandleFunc("/openmrs", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/openmrs/", http.StatusFound)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		s.metrics.inFlight.Add(1)
		mux.ServeHTTP(sw, r)
		s.metrics.inFlight.Add(-1)
		s.metrics.observe(r.Method, sw.status, time.Since(t))
		if r.URL.Path == metricsPath {
			return
		}
		log.Printf("http: %s %s -> %d (%s, from %s)", r.Method, r.URL.RequestURI(), sw.status, time.Since(t).Round(time.Microsecond), r.RemoteAddr)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func restError(msg string) map[string]any {
	return map[string]any{"error": map[string]any{"message": msg, "code": "standin"}}
}

type user struct {
	id                       int
	username, systemID, uuid string
}

// authenticate returns the user of the request's basic credentials or JSESSIONID cookie.
// badCredentials is true when basic credentials were given and are wrong.
func (s *server) authenticate(ctx context.Context, r *http.Request) (u *user, badCredentials bool, err error) {
	db := s.db.Load()
	if db == nil || !s.started.Load() {
		return nil, false, errors.New("OpenMRS is not started yet")
	}
	name, pass, ok := r.BasicAuth()
	if !ok {
		if c, err := r.Cookie("JSESSIONID"); err == nil {
			if v, ok := s.sessions.Load(c.Value); ok {
				name = v.(string)
				return s.lookupUser(ctx, db, name, nil)
			}
		}
		return nil, false, nil
	}
	return s.lookupUser(ctx, db, name, &pass)
}

func (s *server) lookupUser(ctx context.Context, db *sql.DB, name string, pass *string) (*user, bool, error) {
	rows, err := db.QueryContext(ctx,
		"SELECT user_id, COALESCE(username,''), system_id, uuid, COALESCE(password,''), COALESCE(salt,'') FROM users WHERE retired = 0 AND (username = ? OR system_id = ?)", name, name)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var u user
		var hash, salt string
		if err := rows.Scan(&u.id, &u.username, &u.systemID, &u.uuid, &hash, &salt); err != nil {
			return nil, false, err
		}
		if pass == nil || hashMatches(hash, *pass, salt) {
			return &u, false, nil
		}
	}
	return nil, pass != nil, rows.Err()
}

func (s *server) session(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodDelete:
		if c, err := r.Cookie("JSESSIONID"); err == nil {
			s.sessions.Delete(c.Value)
		}
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet, http.MethodPost:
	default:
		writeJSON(w, http.StatusMethodNotAllowed, restError("method not allowed"))
		return
	}
	u, bad, err := s.authenticate(r.Context(), r)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, restError(err.Error()))
		return
	}
	if u == nil {
		if bad {
			log.Printf("session: authentication failed for %q", basicUser(r))
		}
		writeJSON(w, http.StatusOK, map[string]any{"authenticated": false})
		return
	}
	id := randomToken()[:32]
	s.sessions.Store(id, nonEmpty(u.username, u.systemID))
	http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: id, Path: "/openmrs", HttpOnly: true})
	username := u.username
	if username == "" {
		username = u.systemID
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sessionId":     id,
		"authenticated": true,
		"user": map[string]any{
			"uuid": u.uuid, "display": username, "username": username, "systemId": u.systemID,
		},
		"locale": "en",
	})
}

func basicUser(r *http.Request) string { n, _, _ := r.BasicAuth(); return n }

func nonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// signedInGet answers what a GET-only REST resource answers before its own work: 405 for another
// method, 503 when the database cannot be asked, 401 without a signed-in user. It reports whether
// the handler goes on.
func (s *server) signedInGet(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, restError("method not allowed"))
		return false
	}
	u, _, err := s.authenticate(r.Context(), r)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, restError(err.Error()))
		return false
	}
	if u == nil {
		writeJSON(w, http.StatusUnauthorized, restError("User is not logged in"))
		return false
	}
	return true
}

func (s *server) patients(w http.ResponseWriter, r *http.Request) {
	if !s.signedInGet(w, r) {
		return
	}
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		writeJSON(w, http.StatusBadRequest, restError("The search parameter q is required"))
		return
	}
	// Every word of q must start a given, middle or family name; or q is an identifier.
	words := strings.Fields(q)
	var conds []string
	var args []any
	for _, word := range words {
		like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(word) + "%"
		conds = append(conds, "EXISTS (SELECT 1 FROM person_name n WHERE n.person_id = pt.patient_id AND n.voided = 0 AND (n.given_name LIKE ? OR n.middle_name LIKE ? OR n.family_name LIKE ?))")
		args = append(args, like, like, like)
	}
	query := `
SELECT p.uuid,
  COALESCE((SELECT i.identifier FROM patient_identifier i WHERE i.patient_id = pt.patient_id AND i.voided = 0 ORDER BY i.preferred DESC, i.patient_identifier_id LIMIT 1), ''),
  COALESCE((SELECT TRIM(CONCAT_WS(' ', n.given_name, NULLIF(n.middle_name, ''), n.family_name)) FROM person_name n WHERE n.person_id = pt.patient_id AND n.voided = 0 ORDER BY n.preferred DESC, n.person_name_id LIMIT 1), '')
FROM patient pt JOIN person p ON p.person_id = pt.patient_id
WHERE pt.voided = 0 AND ((` + strings.Join(conds, " AND ") + `)
  OR EXISTS (SELECT 1 FROM patient_identifier i WHERE i.patient_id = pt.patient_id AND i.voided = 0 AND i.identifier = ?))
ORDER BY pt.patient_id LIMIT 50`
	args = append(args, q)
	rows, err := s.db.Load().QueryContext(ctx, query, args...)
	if err != nil {
		log.Printf("patient search failed: %v", err)
		writeJSON(w, http.StatusInternalServerError, restError(err.Error()))
		return
	}
	defer rows.Close()
	results := []map[string]any{}
	for rows.Next() {
		var uuid, ident, name string
		if err := rows.Scan(&uuid, &ident, &name); err != nil {
			writeJSON(w, http.StatusInternalServerError, restError(err.Error()))
			return
		}
		display := name
		if ident != "" {
			display = ident + " - " + name
		}
		results = append(results, map[string]any{
			"uuid": uuid, "display": display, "identifier": ident,
			"links": []map[string]any{{"rel": "self", "uri": "/openmrs/ws/rest/v1/patient/" + uuid}},
		})
	}
	if err := rows.Err(); err != nil {
		writeJSON(w, http.StatusInternalServerError, restError(err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}
