package testenv

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// templateSeen is the template the tests copied, for TestMain to check that
// Main dropped it.
var templateSeen string

func TestMain(m *testing.M) {
	Main(m)
	if templateSeen == "" {
		return
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, templateSeen).Scan(&n); err != nil || n != 0 {
		fmt.Printf("template %s still there after the run (%d, %v)\n", templateSeen, n, err)
		os.Exit(1)
	}
}

// Each test's database is a migrated copy of the one template, its rows its
// own.
func TestPostgresCopiesOneMigratedTemplate(t *testing.T) {
	ctx := context.Background()
	a, _ := Postgres(t, "testenv")
	b, _ := Postgres(t, "testenv")
	templateSeen = pkg.template
	if templateSeen == "" {
		t.Fatal("no template under Main")
	}
	for _, db := range []interface {
		Pending(context.Context) (int, error)
	}{a, b} {
		if n, err := db.Pending(ctx); err != nil || n != 0 {
			t.Fatalf("%d migrations pending (%v)", n, err)
		}
	}
	if _, err := a.Pool.Exec(ctx, `INSERT INTO workshops (title, summary, audience) VALUES ('Only in a', 'x', 'public')`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.Pool.QueryRow(ctx, `SELECT count(*) FROM workshops`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the other copy has %d workshops (%v)", n, err)
	}
	if name := pkg.template; name != templateSeen {
		t.Fatalf("template %s became %s", templateSeen, name)
	}
}

// Two tests never share a Redis database, and a test's lease ends with it.
func TestRedisDatabasesAreLeasedApart(t *testing.T) {
	ctx := context.Background()
	var urls []string
	t.Run("two at once", func(t *testing.T) {
		a, aURL := Redis(t)
		b, bURL := Redis(t)
		urls = []string{aURL, bURL}
		if aURL == bURL {
			t.Fatalf("both leased %s", aURL)
		}
		if err := a.Set(ctx, "k", "a", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if n := b.Exists(ctx, "k").Val(); n != 0 {
			t.Fatal("a key of one test's database is in the other's")
		}
	})
	_, again := Redis(t)
	if again != urls[0] {
		t.Errorf("after the leases ended the first free database is %s, want %s again", again, urls[0])
	}
}
