package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coventry/workshops/booking/postgres"
)

// A test package run through Main migrates one template database, the
// first time a test asks, and each test gets a copy of it (CREATE DATABASE
// … TEMPLATE), far quicker than migrating; the next test's copy is made
// while a test runs. Main drops the copy left over and the template.
//
// A test's database is dropped when the test ends, not in the background:
// DROP DATABASE forces a checkpoint, and one during the next test's work
// stalled its requests on a busy server.
var pkg struct {
	sync.Mutex
	inMain   bool
	template string            // "" until made
	next     chan madeDatabase // the copy being made for the next test, or nil
}

type madeDatabase struct {
	url, name string
	err       error
}

// background is the copies being made, which Main waits for.
var background sync.WaitGroup

// Main runs a test package's tests, then drops the databases they left and
// the package's template. Call it from TestMain; the test binary exits with
// the tests' result.
func Main(m *testing.M) {
	pkg.Lock()
	pkg.inMain = true
	pkg.Unlock()
	m.Run()

	pkg.Lock()
	next, tmpl := pkg.next, pkg.template
	pkg.next, pkg.template = nil, ""
	pkg.Unlock()
	if next != nil {
		if spare := <-next; spare.err == nil {
			dropDatabase(spare.name)
		}
	}
	background.Wait()
	if tmpl != "" {
		dropDatabase(tmpl)
	}
}

// Postgres opens a fresh, migrated database for t, dropped when t ends: a
// copy of the package's template under Main, elsewhere one t migrates.
func Postgres(t testing.TB, prefix string) (*postgres.DB, string) {
	t.Helper()
	ctx := context.Background()
	pkg.Lock()
	inMain := pkg.inMain
	pkg.Unlock()
	var made madeDatabase
	if inMain {
		made = templateCopy(ctx, prefix)
	} else {
		made = newDatabase(ctx, prefix, "")
	}
	if made.err != nil {
		t.Fatal(made.err)
	}
	t.Cleanup(func() { dropDatabase(made.name) })
	db, err := postgres.Open(ctx, made.url, 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if !inMain {
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return db, made.url
}

// Database creates an empty database with a unique name and returns its URL
// and a function that drops it.
func Database(ctx context.Context, prefix string) (string, func(), error) {
	dbURL, name, err := createDatabase(ctx, prefix, "")
	if err != nil {
		return "", nil, err
	}
	return dbURL, func() { dropDatabase(name) }, nil
}

// templateCopy hands over the copy made in the background, or makes the
// first, and starts the next.
func templateCopy(ctx context.Context, prefix string) madeDatabase {
	pkg.Lock()
	if pkg.template == "" {
		tmpl, err := migratedTemplate(ctx)
		if err != nil {
			pkg.Unlock()
			return madeDatabase{err: err}
		}
		pkg.template = tmpl
	}
	tmpl, ready := pkg.template, pkg.next
	next := make(chan madeDatabase, 1)
	pkg.next = next
	pkg.Unlock()

	background.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		next <- newDatabase(ctx, prefix, tmpl)
	})
	if ready == nil {
		return newDatabase(ctx, prefix, tmpl)
	}
	return <-ready
}

// newDatabase is createDatabase's answer as one value.
func newDatabase(ctx context.Context, prefix, tmpl string) madeDatabase {
	var made madeDatabase
	made.url, made.name, made.err = createDatabase(ctx, prefix, tmpl)
	return made
}

// migratedTemplate makes and migrates a database for tests to copy.
func migratedTemplate(ctx context.Context) (string, error) {
	dbURL, name, err := createDatabase(ctx, "tmpl", "")
	if err != nil {
		return "", err
	}
	db, err := postgres.Open(ctx, dbURL, 2)
	if err == nil {
		err = db.Migrate(ctx)
		// Copying needs the template to itself: close every connection.
		db.Close()
	}
	if err != nil {
		dropDatabase(name)
		return "", fmt.Errorf("testenv: template database: %w", err)
	}
	return name, nil
}

// createDatabase creates a database named for prefix, this process and
// chance, as a copy of tmpl when tmpl is not "".
func createDatabase(ctx context.Context, prefix, tmpl string) (dbURL, name string, err error) {
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return "", "", fmt.Errorf("testenv: Postgres at %s does not answer (run make test, which starts it): %w", AdminURL(), err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name = fmt.Sprintf("wt_%s_%d_%s", prefix, os.Getpid(), hex.EncodeToString(b))
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if tmpl != "" {
		sql += " TEMPLATE " + pgx.Identifier{tmpl}.Sanitize()
	}
	if _, err := admin.Exec(ctx, sql); err != nil {
		return "", "", fmt.Errorf("testenv: create database: %w", err)
	}
	u, err := url.Parse(AdminURL())
	if err != nil {
		return "", "", err
	}
	u.Path = "/" + name
	return u.String(), name, nil
}

func dropDatabase(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return
	}
	defer c.Close(ctx)
	_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

// Migrated opens the database at dbURL for t (one a test made itself, such as
// on its own Cluster) and migrates it.
func Migrated(t testing.TB, dbURL string) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbURL, 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
