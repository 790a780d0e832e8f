package main

import (
	"slices"
	"testing"
)

func TestRedisURLForms(t *testing.T) {
	cases := []struct {
		url        string
		addrs      []string
		cluster    bool
		master     string
		db         int
		user, pass string
		sentinelPw string
		tls        bool
	}{
		{url: "redis://localhost:6379/0", addrs: []string{"localhost:6379"}},
		{url: "redis://:pw@10.0.0.5:6380/3", addrs: []string{"10.0.0.5:6380"}, db: 3, pass: "pw"},
		{url: "rediss://cache.example.org", addrs: []string{"cache.example.org:6379"}, tls: true},
		{url: "redis+cluster://h1:7000,h2:7001,h3:7002", addrs: []string{"h1:7000", "h2:7001", "h3:7002"}, cluster: true},
		{url: "redis+cluster://h1,h2,[::1]:7002", addrs: []string{"h1:6379", "h2:6379", "[::1]:7002"}, cluster: true},
		{url: "rediss+cluster://app:pw@h1:7000,h2:7001/", addrs: []string{"h1:7000", "h2:7001"}, cluster: true,
			user: "app", pass: "pw", tls: true},
		// One node still means a cluster: it finds the others itself.
		{url: "redis+cluster://h1:7000", addrs: []string{"h1:7000"}, cluster: true},
		// go-redis's own cluster form, with a further node as ?addr=.
		{url: "redis+cluster://h1:7000?addr=h2:7001", addrs: []string{"h1:7000", "h2:7001"}, cluster: true},
		{url: "redis+sentinel://mymaster@s1,s2,s3", addrs: []string{"s1:26379", "s2:26379", "s3:26379"}, master: "mymaster"},
		{url: "redis+sentinel://mymaster@s1:5000,s2:5001/2?password=pw", addrs: []string{"s1:5000", "s2:5001"},
			master: "mymaster", db: 2, pass: "pw"},
		// go-redis's own form: master_name in the query, user:pass@ for the Sentinels.
		{url: "rediss+sentinel://:spw@s1,s2?master_name=m", addrs: []string{"s1:26379", "s2:26379"}, master: "m",
			sentinelPw: "spw", tls: true},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			o, err := redisOptions(c.url)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(o.Addrs, c.addrs) || o.IsClusterMode != c.cluster || o.MasterName != c.master ||
				o.DB != c.db || o.Username != c.user || o.Password != c.pass || o.SentinelPassword != c.sentinelPw ||
				(o.TLSConfig != nil) != c.tls {
				t.Fatalf("got addrs %v cluster %v master %q db %d user %q pass %q sentinel pass %q tls %v",
					o.Addrs, o.IsClusterMode, o.MasterName, o.DB, o.Username, o.Password, o.SentinelPassword, o.TLSConfig != nil)
			}
		})
	}
}

func TestRedisURLRefused(t *testing.T) {
	for _, u := range []string{
		"memcached://localhost",
		"localhost:6379",
		"redis+sentinel://s1,s2,s3",              // no master named
		"redis+sentinel://m:pw@s1,s2",            // a password where the master's name goes
		"redis+cluster://h1:7000,,h3:7002",       // an empty host
		"redis+cluster://h1:7000,h2:port",        // not a port
		"redis+cluster://h1:7000,h2:7001/1",      // a cluster has only database 0
		"redis+cluster://h1:7000?no_such_opt=1",  // go-redis refuses unknown options
		"redis+sentinel://m@s1?no_such_opt=1",    // likewise
		"redis+ring://h1,h2",                     // not a form we take
		"redis://localhost:6379/notanumber",      // go-redis's own check
		"redis+cluster://h1:7000,h2:7001,h3:abc", // the last port too
	} {
		if _, err := redisOptions(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}
