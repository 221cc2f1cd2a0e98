package main

import (
	"regexp"
	"strings"
)

// The fixture schema is a mechanical translation of Liquibase changesets: 117 CREATE TABLE
// statements followed by ~460 CREATE INDEX and ~450 ALTER TABLE ... ADD CONSTRAINT statements.
// Each of those is a separate DDL with its own fsyncs, which takes tens of seconds on a busy
// disk. inlineSchema folds every index and constraint into its CREATE TABLE, which gives the same
// tables, keys and foreign keys (checked by the harness smoke test against the template) in a
// fraction of the time. Any statement it does not recognise makes it return ok=false, and the
// caller then executes the file as it is.
var (
	createIndexRe     = regexp.MustCompile("^CREATE (UNIQUE )?INDEX (`[^`]+`) ON `([^`]+)` (\\(.*\\));$")
	addConstrRe       = regexp.MustCompile("^ALTER TABLE `([^`]+)` ADD (CONSTRAINT `[^`]+` (?:FOREIGN KEY|UNIQUE) .*);$")
	restrictRe        = regexp.MustCompile(`ON (DELETE|UPDATE) RESTRICT`)
	createTableLineRe = regexp.MustCompile("^CREATE TABLE `([^`]+)` \\($")
)

func inlineSchema(text string) (out string, ok bool) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	type table struct {
		body  []string // column and key lines, without trailing commas
		tail  string   // ") ENGINE=...;"
		extra []string
	}
	var order []string
	tables := map[string]*table{}
	var pre, post []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		trimmed := strings.TrimSpace(l)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "--"):
		case strings.HasPrefix(trimmed, "SET "):
			if len(order) == 0 {
				pre = append(pre, trimmed)
			} else {
				post = append(post, trimmed)
			}
		case createTableLineRe.MatchString(l):
			name := createTableLineRe.FindStringSubmatch(l)[1]
			t := &table{}
			for i++; i < len(lines) && !strings.HasPrefix(lines[i], ")"); i++ {
				t.body = append(t.body, strings.TrimSuffix(lines[i], ","))
			}
			if i >= len(lines) || !strings.HasSuffix(lines[i], ";") || tables[name] != nil {
				return text, false
			}
			t.tail = lines[i]
			tables[name] = t
			order = append(order, name)
		case createIndexRe.MatchString(l):
			m := createIndexRe.FindStringSubmatch(l)
			t := tables[m[3]]
			if t == nil {
				return text, false
			}
			kind := "KEY"
			if m[1] != "" {
				kind = "UNIQUE KEY"
			}
			t.extra = append(t.extra, "  "+kind+" "+m[2]+" "+m[4])
		case addConstrRe.MatchString(l):
			m := addConstrRe.FindStringSubmatch(l)
			t := tables[m[1]]
			if t == nil {
				return text, false
			}
			// ALTER TABLE stores ON DELETE/UPDATE RESTRICT as NO ACTION (the same behaviour in
			// InnoDB); say so inline too, so that information_schema matches the slow path.
			t.extra = append(t.extra, "  "+restrictRe.ReplaceAllString(m[2], "ON $1 NO ACTION"))
		default:
			return text, false
		}
	}
	var b strings.Builder
	for _, s := range pre {
		b.WriteString(s + "\n")
	}
	for _, name := range order {
		t := tables[name]
		all := append(append([]string{}, t.body...), t.extra...)
		b.WriteString("CREATE TABLE `" + name + "` (\n" + strings.Join(all, ",\n") + "\n" + t.tail + "\n")
	}
	for _, s := range post {
		b.WriteString(s + "\n")
	}
	return b.String(), len(order) > 0
}
